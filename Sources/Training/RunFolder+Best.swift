import Foundation
import Model

extension RunFolder {
    /// The checkpoint of the epoch with the best monitored metric (`best.json` says which, by what).
    public var bestModelURL: URL { url.appendingPathComponent("best.safetensors") }
    /// The monitored metric, its best epoch and value, and early stopping's state.
    public var bestInfoURL: URL { url.appendingPathComponent("best.json") }

    /// Writes `best.safetensors` when `improved` (the epoch just finished is the best so far), then
    /// `best.json`; called before the epoch's training state, so a folder never claims an epoch whose best
    /// checkpoint is missing.
    func saveBest(_ parameters: ParameterSet, improved: Bool, progress: MonitorProgress, config: NetworkConfig,
                  labels: [String], task: String, metadata: [String: String]) throws {
        if improved, let epoch = progress.bestEpoch {
            var extra = metadata.merging(["epochs": String(epoch), "task": task]) { $1 }
            extra["best_metric"] = progress.metric.rawValue
            extra["best_value"] = progress.bestValue.map { String($0) } ?? "nan"
            try ModelCheckpoint.write(parameters, config: config, labels: labels, extraMetadata: extra, to: bestModelURL)
        }
        try AtomicFile.write(progress.json, to: bestInfoURL)
    }
}
