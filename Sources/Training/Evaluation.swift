import Audio
import Foundation
import Model

/// What `gcnn evaluate` asks for.
public struct EvaluationRequest {
    public var model: URL
    public var task: String?
    public var data: URL?
    public var device: DeviceSelection
    /// `stratified`, `keras-tail`, `filtered` (their validation part, as `train` drew it with `seed`), or `all`.
    public var split: String
    public var valFraction: Double
    public var seed: UInt64
    public var cacheDir: URL
    public var syntheticTracksPerGenre: Int
    /// The mel recipe of the features fed to the model; nil: the one its checkpoint records.
    public var melRecipe: MelRecipe?
    public init(model: URL, task: String? = nil, data: URL? = nil, device: DeviceSelection = .gpu, split: String = "stratified",
                valFraction: Double = 0.3, seed: UInt64 = 0, cacheDir: URL = GCNNPaths.cacheDirectory, syntheticTracksPerGenre: Int = 100) {
        self.model = model; self.task = task; self.data = data; self.device = device; self.split = split
        self.valFraction = valFraction; self.seed = seed; self.cacheDir = cacheDir; self.syntheticTracksPerGenre = syntheticTracksPerGenre
    }
}

/// Clip-level and track-level (mean of a track's clip probabilities) results of a model on a dataset.
public struct EvaluationReport {
    public var labels: [String]
    public var clipCount: Int
    public var trackCount: Int
    public var clips: ClassificationMetrics
    public var tracks: ClassificationMetrics
}

public enum Evaluation {
    public static func run(_ request: EvaluationRequest, notice: (String) -> Void) throws -> EvaluationReport {
        let checkpoint = try ModelSource.load(request.model)
        let task = try request.task.map(GenreTask.parse) ?? GenreTask(genres: checkpoint.labels)
        guard task.genres.count >= 2 else {
            throw TrainingRequestError.invalid("\(request.model.path) names no classes; pass --task")
        }
        guard task.outputs == checkpoint.config.classes else {
            throw TrainingRequestError.invalid("task \(task) needs \(task.outputs) output(s); \(request.model.path) has \(checkpoint.config.classes)")
        }
        let parameters = try FeatureParameters.trained(checkpoint, path: request.model.path, recipe: request.melRecipe, notice: notice)
        guard parameters.clipFrames == checkpoint.config.inputWidth, parameters.nMels == checkpoint.config.inputHeight else {
            throw TrainingRequestError.invalid("\(request.model.path) expects \(checkpoint.config.inputHeight)×\(checkpoint.config.inputWidth) inputs, not gcnn's \(parameters.nMels)×\(parameters.clipFrames) log-mel clips")
        }
        let (data, _) = try TrainingSession.loadTaskDataset(task: task, data: request.data, cacheDir: request.cacheDir,
                                                           syntheticTracksPerGenre: request.syntheticTracksPerGenre,
                                                           parameters: parameters, notice: notice)
        let chosen: [Int]
        if request.split.lowercased() == "all" {
            chosen = Array(data.origins.indices)
        } else {
            guard let split = SplitProtocol(rawValue: request.split.lowercased()) else { throw TrainingRequestError.unknownSplit(request.split) }
            var rng = RandomGenerator(seed: TrainingSession.splitSeed(request.seed))
            chosen = try DatasetSplit.make(data.origins, protocol: split, valFraction: request.valFraction, rng: &rng).validation
        }
        let subset = data.clips.subset(chosen)
        let probabilities = try request.device.run(Inference(checkpoint: checkpoint, clips: subset.features, count: subset.count), notice: notice)
        let classes = max(2, task.genres.count)
        let clipMetrics = TrackMetrics.metrics(rows: TrackVerdict.rows(probabilities, count: subset.count), labels: subset.labels,
                                               classes: classes)
        let tracks = chosen.map { data.origins[$0].track }
        let trackMetrics = TrackMetrics.metrics(probabilities: probabilities, labels: subset.labels, tracks: tracks, classes: classes)
        return EvaluationReport(labels: task.genres, clipCount: subset.count, trackCount: Set(tracks).count, clips: clipMetrics,
                                tracks: trackMetrics)
    }
}
