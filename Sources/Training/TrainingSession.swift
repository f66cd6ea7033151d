import Audio
import Foundation
import Model

/// What `gcnn train` asks for, before anything is resolved.
public struct TrainingRequest: Sendable {
    public var task: String
    public var device: DeviceSelection
    /// A GTZAN-layout folder; nil: the built-in synthetic corpus.
    public var data: URL?
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64
    /// nil: the recipe's.
    public var split: String?
    public var valFraction: Double
    /// The run folder; nil: `runs/<task>-<timestamp>`.
    public var out: URL?
    public var resume: Bool
    /// Where generated data and feature caches live (default `$XDG_CACHE_HOME/gcnn` or `~/.cache/gcnn`).
    public var cacheDir: URL
    /// Tracks per genre of the built-in corpus.
    public var syntheticTracksPerGenre: Int
    /// Clip length and clips per track (the paper: 2 s, 8).
    public var clipSeconds: Double = 2
    public var clipsPerTrack: Int = 8
    /// The network (a preset or a spec file); the paper's by default.
    public var architecture: Architecture = .paper
    /// Overrides every batch-norm layer's running-statistics momentum (Keras' sense; the spec's when nil:
    /// the seed's 0.99 in the paper preset; PyTorch's default is 0.9).
    public var batchNormMomentum: Float?
    /// The defaults that `split`, `batchNormStatistics` and `melRecipe` fall back to.
    public var recipe: TrainingRecipe = .default
    /// nil: the recipe's.
    public var batchNormStatistics: BatchNormStatistics?
    /// The log-mel recipe; nil: the recipe's.
    public var melRecipe: MelRecipe?
    /// The log-mel recipe the features use.
    public var resolvedMelRecipe: MelRecipe { melRecipe ?? recipe.melRecipe }
    /// Optimiser, learning-rate schedule, monitored metric and early stopping, class weights (the seed's by default).
    public var options = TrainingOptions()
    /// Where Adam's (and AdamW's) ε enters the update (the seed's: Keras').
    public var adamEpsilonPlacement: AdamEpsilonPlacement = .keras
    /// Data augmentation of the training batches (off by default).
    public var augmentation = AugmentationConfig()
    /// The kernel family on an OpenCL device (`--kernels`; the device type's by default).
    public var kernels: KernelVariantChoice = .auto
    /// A data-parallel run's ranks (more than one; nil: one process), and this process's rank on its
    /// machine, which picks its GPU.
    public var replicas: ReplicaGroup?
    public var localRank = 0

    public init(task: String, device: DeviceSelection = .gpu, data: URL? = nil, epochs: Int = 2, batchSize: Int = 32,
                learningRate: Float = 1e-3, seed: UInt64 = 0, split: String? = nil, valFraction: Double = 0.3,
                out: URL? = nil, resume: Bool = false, cacheDir: URL = GCNNPaths.cacheDirectory, syntheticTracksPerGenre: Int = 100) {
        self.task = task; self.device = device; self.data = data; self.epochs = epochs; self.batchSize = batchSize
        self.learningRate = learningRate; self.seed = seed; self.split = split; self.valFraction = valFraction
        self.out = out; self.resume = resume; self.cacheDir = cacheDir; self.syntheticTracksPerGenre = syntheticTracksPerGenre
    }
}

/// Errors of a request's options, found before any work is done.
public enum TrainingRequestError: Error, Equatable, CustomStringConvertible {
    case unknownSplit(String)
    case invalid(String)
    public var description: String {
        switch self {
        case let .unknownSplit(s):
            return "unknown split '\(s)': use \(SplitProtocol.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .invalid(why): return why
        }
    }
}

/// Where gcnn keeps what it generates.
public enum GCNNPaths {
    /// `$XDG_CACHE_HOME/gcnn`, else `~/.cache/gcnn`.
    public static var cacheDirectory: URL {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("gcnn")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/gcnn")
    }
}

/// `gcnn train` from options to finished run: task, data (built-in corpus generated once if needed),
/// features (cached), split, device, then `TrainingRun`.
public enum TrainingSession {
    /// The seed of the stratified split's generator: derived from the run's seed, separate from the
    /// stream that initialises and shuffles, so changing one never shifts the other.
    static func splitSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x5EED_0F_5B11_7000 }

    /// Resolves the task and its data and splits them: everything before the device is touched.
    public static func prepare(_ request: TrainingRequest, notice: (String) -> Void) throws -> TrainingJob {
        let task = try GenreTask.parse(request.task)
        let splitName = request.split ?? request.recipe.split.rawValue
        guard let split = SplitProtocol(rawValue: splitName.lowercased()) else {
            throw TrainingRequestError.unknownSplit(splitName)
        }
        guard request.epochs >= 1 else { throw TrainingRequestError.invalid("--epochs must be at least 1") }
        guard request.batchSize >= 1 else { throw TrainingRequestError.invalid("--batch-size must be at least 1") }
        guard request.learningRate > 0, request.learningRate.isFinite else { throw TrainingRequestError.invalid("--lr must be positive") }
        if let m = request.batchNormMomentum, !(m >= 0 && m < 1) {
            throw TrainingRequestError.invalid("--bn-momentum must be in [0, 1)")
        }
        if let problem = request.options.problem { throw TrainingRequestError.invalid(problem) }
        if request.augmentation.mixupAlpha != nil && request.options.classWeighting != .none {
            throw TrainingRequestError.invalid("--mixup and --class-weight \(request.options.classWeighting.rawValue): mixed soft targets have no single class to weigh; drop one of them")
        }

        var parameters = FeatureParameters.paper
        parameters.clipSeconds = request.clipSeconds
        parameters.clipsPerTrack = request.clipsPerTrack
        parameters.melRecipe = request.resolvedMelRecipe
        try request.augmentation.validate(mels: parameters.nMels, frames: parameters.clipFrames)
        let (taskData, dataDescription) = try loadTaskDataset(task: task, data: request.data, cacheDir: request.cacheDir,
                                                             syntheticTracksPerGenre: request.syntheticTracksPerGenre,
                                                             parameters: parameters, notice: notice)
        var splitRNG = RandomGenerator(seed: splitSeed(request.seed))
        let division = try DatasetSplit.make(taskData.origins, protocol: split, valFraction: request.valFraction, rng: &splitRNG)

        var architecture = request.architecture
        if let m = request.batchNormMomentum { architecture = architecture.withBatchNormMomentum(m) }
        // A preset is a layer sequence: it takes the clips the features have (--clip-seconds); a file's
        // "input" is part of what the user wrote, and must match.
        if Architecture.preset(named: request.architecture.name) == request.architecture,
           (architecture.inputHeight, architecture.inputWidth) != (taskData.mels, taskData.frames) {
            architecture.inputHeight = taskData.mels
            architecture.inputWidth = taskData.frames
            notice("architecture '\(architecture.name)' takes the features' \(taskData.mels)×\(taskData.frames) clips")
        }
        guard architecture.inputHeight == taskData.mels, architecture.inputWidth == taskData.frames else {
            throw TrainingRequestError.invalid("architecture '\(architecture.name)' takes \(architecture.inputHeight)×\(architecture.inputWidth) clips, "
                + "but the features are \(taskData.mels)×\(taskData.frames); set its \"input\" to [\(taskData.mels), \(taskData.frames)] or change --clip-seconds")
        }
        let train = taskData.clips.subset(division.train)
        var network = NetworkConfig(architecture: architecture, classes: task.outputs,
                                    adam: AdamConfig(learningRate: request.learningRate), maxBatch: request.batchSize,
                                    seed: request.seed)
        network.adam.placement = request.adamEpsilonPlacement
        network.optimizer = request.options.optimizer
        network.classWeights = request.options.classWeighting.weights(labels: train.labels, classes: task.outputs)
        _ = try network.resolved()
        let out = request.out ?? URL(fileURLWithPath: "runs/\(task)-\(timestamp())")
        var job = TrainingJob(task: task.description, labels: task.genres, data: dataDescription, dataHash: taskData.hash,
                              train: train, validation: taskData.clips.subset(division.validation),
                              split: split, valFraction: request.valFraction, seed: request.seed, epochs: request.epochs,
                              network: network, features: recorded(parameters), out: out, resume: request.resume)
        job.options = request.options
        job.recipe = request.recipe
        job.batchNormStatistics = request.batchNormStatistics ?? request.recipe.batchNormStatistics
        job.validationTracks = division.validation.map { taskData.origins[$0].track }
        let root = request.data ?? request.cacheDir.appendingPathComponent(
            SyntheticCorpus.folderName(tracksPerGenre: request.syntheticTracksPerGenre, seed: 0, seconds: 30))
        try applyAugmentation(request.augmentation, to: &job, trainOrigins: division.train.map { taskData.origins[$0] },
                              datasetRoot: root, parameters: parameters, cacheDir: request.cacheDir, notice: notice)
        return job
    }

    /// The clips of `task` from `data` (a GTZAN-layout folder) or, when nil, from the built-in synthetic
    /// corpus (generated once into `cacheDir`), with features from the cache; and how to name the data.
    public static func loadTaskDataset(task: GenreTask, data: URL?, cacheDir: URL, syntheticTracksPerGenre: Int,
                                       parameters: FeatureParameters, notice: (String) -> Void) throws -> (TaskDataset, String) {
        let dataDescription: String
        let root: URL
        if let data {
            root = data
            dataDescription = data.standardizedFileURL.path
        } else {
            // The built-in corpus is always seed 0, 30-s tracks: `--seed` varies the training, not the data.
            let folder = cacheDir.appendingPathComponent(
                SyntheticCorpus.folderName(tracksPerGenre: syntheticTracksPerGenre, seed: 0, seconds: 30))
            let firstTime = !SyntheticCorpus.isComplete(folder)
            let start = Date()
            if firstTime {
                notice("generating the built-in synthetic corpus (\(syntheticTracksPerGenre * SynthGenre.allCases.count) "
                       + "30-s tracks) once into \(folder.path)")
            }
            root = try SyntheticCorpus.ensureGenerated(at: cacheDir, tracksPerGenre: syntheticTracksPerGenre, seed: 0, seconds: 30)
            if firstTime { notice(String(format: "built-in corpus written in %.1f s", Date().timeIntervalSince(start))) }
            dataDescription = "synthetic:0:\(syntheticTracksPerGenre)x30s"
        }
        let dataset = try GenreDataset.scan(root.path)
        let features = try FeatureCache.load(dataset: dataset, parameters: parameters,
                                             cacheDir: cacheDir.appendingPathComponent("features"), log: notice)
        return (try TaskDataset(task: task, features: features, root: dataset.root), dataDescription)
    }

    /// Prepares and runs `request` on its device.
    public static func run(_ request: TrainingRequest, events: TrainingEvents) throws -> TrainingOutcome {
        try request.kernels.check(with: request.device)
        var job = try prepare(request, notice: events.notice)
        job.replicas = request.replicas
        let ranks = request.replicas.map { ", \($0.size) ranks of \(job.network.maxBatch / $0.size)–\((job.network.maxBatch + $0.size - 1) / $0.size) clips per batch" } ?? ""
        events.notice("\(job.task): \(job.train.count) training / \(job.validation.count) validation clips (\(job.split.rawValue))\(ranks), run folder \(job.out.path)")
        return try request.device.run(Consumer(job: job, events: events), kernels: request.kernels, notice: events.notice,
                                      buildLog: events.kernelBuildLog, gpuOrdinal: request.localRank)
    }

    private struct Consumer: BackendConsumer {
        let job: TrainingJob
        let events: TrainingEvents
        func consume<B: Backend>(_ backend: B, device: DeviceSelection) throws -> TrainingOutcome {
            try TrainingRun.run(job, backend: backend, device: device.description, events: events)
        }
    }

    /// The feature parameters as `config.json` records them.
    static func recorded(_ parameters: FeatureParameters) -> [String: String] {
        guard let data = try? JSONEncoder().encode(parameters),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { "\($0)" }
    }

    private static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}
