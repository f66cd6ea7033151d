import Foundation
import Training

/// Prints a training run: a live progress bar (batch i/n, loss, ETA) when standard output is a terminal,
/// plain per-epoch lines otherwise, or one JSON object per epoch with `--json`.
final class TrainingReporter {
    let json: Bool
    let tty = isatty(STDOUT_FILENO) == 1
    private var epochStart = Date()
    private var lastDraw = Date.distantPast
    private var barShown = false

    init(json: Bool) { self.json = json }

    /// Closures that print this run; they keep the reporter alive.
    var events: TrainingEvents {
        var e = TrainingEvents()
        e.notice = { line in self.finishLine(); printError(line) }
        e.batch = { epoch, done, total, runningLoss in self.batch(epoch: epoch, done: done, total: total, runningLoss: runningLoss) }
        e.epoch = { record in self.epoch(record) }
        return e
    }

    private func batch(epoch: Int, done: Int, total: Int, runningLoss: () throws -> Double) {
        if done == 1 { epochStart = Date() }
        guard tty && !json else { return }
        let now = Date()
        // Reading the loss waits for the device; 4 redraws a second cost little.
        guard done == total || now.timeIntervalSince(lastDraw) > 0.25 else { return }
        lastDraw = now
        let loss = (try? runningLoss()) ?? .nan
        let elapsed = now.timeIntervalSince(epochStart)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 24, filled = total > 0 ? width * done / total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        print(String(format: "\repoch %d  %@ %d/%d  loss %.4f  ETA %.0fs   ", epoch, bar, done, total, loss, eta), terminator: "")
        fflush(stdout)
        barShown = true
    }

    private func epoch(_ r: EpochRecord) {
        finishLine()
        if json {
            print(r.jsonLine)
        } else {
            func area(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "–" }
            let tracks = r.val_track_acc.map { String(format: " | tracks acc %.4f ROC-AUC %@", $0, area(r.val_track_roc_auc)) } ?? ""
            print(String(format: "epoch %d  train loss %.4f acc %.4f | val loss %.4f acc %.4f  precision %.4f recall %.4f F1 %.4f ROC-AUC %@ PR-AUC %@%@ | %.1f s, %.0f clips/s",
                         r.epoch, r.train_loss, r.train_acc, r.val_loss, r.val_acc, r.precision, r.recall, r.f1, area(r.val_roc_auc),
                         area(r.val_pr_auc), tracks, r.seconds, r.clips_per_second))
        }
        fflush(stdout)
        if ResourceReport.enabled { printError(ResourceReport.line(epoch: r.epoch)) }
    }

    /// Ends a progress bar line, if one is showing.
    func finishLine() {
        if barShown { print(""); barShown = false }
    }
}
