import Dispatch
import Foundation
import Training

/// Ctrl-C (SIGINT) during `gcnn train`. The first one only sets `stop`, which the training loop reads
/// between batches: it finishes the batch in flight, writes a checkpoint and returns. A second one quits
/// at once (every file of the run folder is replaced atomically, so that is safe too).
final class InterruptHandler {
    let stop = StopRequest()
    private var source: DispatchSourceSignal?

    /// Takes SIGINT over from the default action (which would kill the process mid-batch).
    func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [stop] in
            if stop.request() {
                printError("interrupted again: quitting now; the run folder keeps its last checkpoint")
                // _exit, not exit: no atexit handlers racing the threads still at work (OpenCL drivers').
                _exit(130)
            }
            printError("interrupt: finishing the current batch and writing a checkpoint (Ctrl-C again to quit at once)")
        }
        source.resume()
        self.source = source
    }
}
