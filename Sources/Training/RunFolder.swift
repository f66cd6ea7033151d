import Audio
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

/// A run folder: `config.json`, `architecture.json`, `metrics.jsonl`, `model.safetensors` (PyTorch-loadable),
/// `training-state.safetensors` (for `--resume`), `confusion.txt`/`.svg`, `learning-curves.svg`.
/// Every file is replaced atomically, so an interruption at any moment leaves the last complete epoch;
/// `training-state.safetensors` is written last, so it never claims an epoch whose files are missing.
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
    /// The network's spec as a file `--arch` takes (also in config.json and the checkpoint's metadata).
    public var architectureURL: URL { url.appendingPathComponent("architecture.json") }

    static let melRecipeKey = "melRecipe"

    /// `config` with its features' mel recipe filled in: runs recorded before recipes existed trained on librosa's.
    static func withMelRecipe(_ config: RunConfig) -> RunConfig {
        var config = config
        if config.features[melRecipeKey] == nil { config.features[melRecipeKey] = MelRecipe.librosa.rawValue }
        return config
    }

    /// Checks that the folder can take `config` and reads what it holds; changes nothing but stale
    /// temporary files. A new run needs a folder without a run in it; a resumed run needs the same
    /// result-changing settings, and gets the saved state if it has one. `begin` then records the config.
    public func open(config: RunConfig, resume: Bool) throws -> TrainingState? {
        let fm = FileManager.default
        removeStaleTemporaryFiles()
        let hasConfig = fm.fileExists(atPath: configURL.path)
        if !resume {
            guard !hasConfig && !fm.fileExists(atPath: stateURL.path) else { throw RunFolderError.occupied(path: url.path) }
        }
        if resume && hasConfig {
            let old: RunConfig
            do { old = try Self.withMelRecipe(JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: configURL))) } catch {
                throw RunFolderError.unreadableConfig(path: url.path, reason: "\(error)")
            }
            let new = Self.withMelRecipe(config)
            var differing = try old.fillingOptionDefaults().conflicts(with: new)
            if let i = differing.firstIndex(of: "features"), let was = old.features[Self.melRecipeKey],
               let now = new.features[Self.melRecipeKey], was != now {
                differing[i] = "features (mel recipe '\(was)', now '\(now)')"
            }
            differing.removeAll { $0 == "architectureName" }
            if let i = differing.firstIndex(of: "architecture") {
                differing[i] = old.architectureName == config.architectureName
                    ? "architecture (another '\(config.architectureName)' spec)"
                    : "architecture ('\(old.architectureName)', now '\(config.architectureName)')"
            }
            guard differing.isEmpty else { throw RunFolderError.configMismatch(path: url.path, settings: differing) }
        }
        guard resume, fm.fileExists(atPath: stateURL.path) else { return nil }
        return try TrainingState.read(stateURL)
    }

    /// Creates the folder if needed and records `config`: called once the device has accepted the run,
    /// so that a run refused at set-up leaves an existing folder as it was.
    public func begin(config: RunConfig) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw RunFolderError.cannotCreate(path: url.path, reason: (error as NSError).localizedDescription)
        }
        try AtomicFile.write(try config.encoded(), to: configURL)
        try AtomicFile.write(Data(config.architecture.utf8), to: architectureURL)
    }

    /// Writes everything an epoch produced: the PyTorch checkpoint, the metrics and the pictures, then the
    /// training state (what `--resume` reads). Killed before the state's rename, the folder still resumes
    /// from the previous state and the epoch is trained again, ending in the same files.
    public func saveEpoch(state: TrainingState, config: NetworkConfig, labels: [String], task: String,
                          metadata: [String: String] = [:]) throws {
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
        try saveState(state)
    }

    /// Writes the training state alone (a run stopped inside an epoch: the finished epochs' files stay).
    public func saveState(_ state: TrainingState) throws {
        try state.write(to: stateURL)
    }

    /// Names of the files a run folder holds.
    static let fileNames = ["config.json", "architecture.json", "metrics.jsonl", "model.safetensors", TrainingState.fileName, "confusion.txt",
                            "confusion.svg", "learning-curves.svg", "best.safetensors", "best.json"]

    /// Removes the temporary files that a killed process left beside this folder's files (`AtomicFile`
    /// names them `.<file>.tmp-<pid>-<n>`); a file whose writer is still alive is left alone.
    func removeStaleTemporaryFiles() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return }
        for entry in entries {
            guard let name = Self.fileNames.first(where: { entry.hasPrefix(AtomicFile.temporaryPrefix(for: $0)) }) else { continue }
            let suffix = entry.dropFirst(AtomicFile.temporaryPrefix(for: name).count)
            if let pid = suffix.split(separator: "-").first.flatMap({ pid_t($0) }), pid != getpid(),
               kill(pid, 0) == 0 || errno != ESRCH { continue }
            try? FileManager.default.removeItem(at: url.appendingPathComponent(entry))
        }
    }
}
