import Foundation

/// A test hook that holds a training run right after a chosen batch until it is asked to stop, so that a
/// test can send Ctrl-C at an exact point of an epoch however fast the device is.
///
/// `GCNN_TEST_HOLD_AFTER_BATCH=<epoch>:<batch>` makes the run print `test hook: holding in epoch E after
/// batch B` to stderr once that batch is enqueued, then wait (up to 60 s) until `shouldStop` answers true.
/// Never set outside tests; unset, it costs one comparison per batch.
enum TrainingTestHold {
    static let target: (epoch: Int, batch: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["GCNN_TEST_HOLD_AFTER_BATCH"] else { return nil }
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }()

    static func afterBatch(epoch: Int, done: Int, shouldStop: () -> Bool) {
        guard let target, target.epoch == epoch, target.batch == done else { return }
        FileHandle.standardError.write(Data("test hook: holding in epoch \(epoch) after batch \(done)\n".utf8))
        let deadline = Date().addingTimeInterval(60)
        while !shouldStop() && Date() < deadline { usleep(5_000) }
    }
}
