import Foundation
import Model

/// Errors about a run folder; each names the folder and what to do.
public enum RunFolderError: Error, CustomStringConvertible, Equatable {
    case occupied(path: String)
    case configMismatch(path: String, settings: [String])
    case unreadableConfig(path: String, reason: String)
    case cannotCreate(path: String, reason: String)
    public var description: String {
        switch self {
        case let .occupied(path):
            return "\(path) already holds a run; pass --resume to continue it, or choose another --out (nothing was changed)"
        case let .configMismatch(path, settings):
            return "\(path) was started with different settings (\(settings.joined(separator: ", "))); resume with the same settings or choose another --out"
        case let .unreadableConfig(path, reason): return "\(path): cannot read config.json: \(reason)"
        case let .cannotCreate(path, reason): return "\(path): cannot create run folder: \(reason)"
        }
    }
}

/// A run folder: `config.json`, `metrics.jsonl`, `model.safetensors` (PyTorch-loadable),
/// `training-state.safetensors` (for `--resume`), `confusion.txt`/`.svg`, `learning-curves.svg`.
/// Every file is replaced atomically, so an interruption at any moment leaves the last complete epoch.
public struct RunFolder {
    public let url: URL
    public init(_ url: URL) { self.url = url }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.jsonl") }
    public var modelURL: URL { url.appendingPathComponent("model.safetensors") }
    public var stateURL: URL { url.appendingPathComponent(TrainingState.fileName) }
    public var confusionTextURL: URL { url.appendingPathComponent("confusion.txt") }
    public var confusionSVGURL: URL { url.appendingPathComponent("confusion.svg") }
    public var curvesURL: URL { url.appendingPathComponent("learning-curves.svg") }

    /// Prepares the folder for `config`. A new run needs a folder without a run in it; a resumed run
    /// needs the same result-changing settings, and returns the saved state if an epoch had finished.
    public func open(config: RunConfig, resume: Bool) throws -> TrainingState? {
        let fm = FileManager.default
        let hasConfig = fm.fileExists(atPath: configURL.path)
        if !resume {
            guard !hasConfig && !fm.fileExists(atPath: stateURL.path) else { throw RunFolderError.occupied(path: url.path) }
        }
        if resume && hasConfig {
            let old: RunConfig
            do { old = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: configURL)) } catch {
                throw RunFolderError.unreadableConfig(path: url.path, reason: "\(error)")
            }
            let differing = try old.conflicts(with: config)
            guard differing.isEmpty else { throw RunFolderError.configMismatch(path: url.path, settings: differing) }
        }
        do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw RunFolderError.cannotCreate(path: url.path, reason: (error as NSError).localizedDescription)
        }
        try AtomicFile.write(try config.encoded(), to: configURL)
        guard resume, fm.fileExists(atPath: stateURL.path) else { return nil }
        return try TrainingState.read(stateURL)
    }

    /// Writes everything an epoch produced: training state first (what `--resume` reads), then the
    /// PyTorch checkpoint, the metrics and the pictures.
    public func saveEpoch(state: TrainingState, config: PaperCNNConfig, labels: [String], task: String,
                          metadata: [String: String] = [:]) throws {
        try state.write(to: stateURL)
        try ModelCheckpoint.write(state.parameters, config: config, labels: labels,
                                  extraMetadata: metadata.merging(["epochs": String(state.epochsDone), "task": task]) { $1 }, to: modelURL)
        let lines = state.history.map(\.jsonLine).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(lines.utf8), to: metricsURL)
        if let last = state.history.last {
            try AtomicFile.write(Data(RunPictures.confusionText(last.confusion, labels: labels).utf8), to: confusionTextURL)
            try AtomicFile.write(Data(RunPictures.confusionSVG(last.confusion, labels: labels,
                                                               title: "\(task): validation after epoch \(last.epoch)").utf8), to: confusionSVGURL)
        }
        try AtomicFile.write(Data(RunPictures.learningCurves(state.history, title: task).utf8), to: curvesURL)
    }
}
