import Foundation
import Model

/// Every setting of a training run, as `config.json` of its run folder records it. `--resume` refuses a
/// folder whose recorded settings differ from the new command's in anything that changes the result.
public struct RunConfig: Codable, Equatable, Sendable {
    public var task: String
    /// Class names in label order (label 0 = first).
    public var labels: [String]
    /// `synthetic:<seed>:<tracks>x<seconds>s` for the built-in corpus, else the dataset folder.
    public var data: String
    /// Hash of the features the run trained on (every clip, in order) and their origins.
    public var dataHash: String
    public var split: String
    public var valFraction: Double
    public var seed: UInt64
    public var batchSize: Int
    public var learningRate: Float
    public var adamEpsilon: Float
    public var adamEpsilonPlacement: String
    /// The architecture's name and its spec (canonical JSON, every default and name filled in).
    public var architectureName: String
    public var architecture: String
    public var epochs: Int
    public var trainClips: Int
    public var validationClips: Int
    public var device: String
    public var deviceName: String
    public var features: [String: String]
    /// The recipe of the defaults (`default` or `seed`) and where validation's batch-norm statistics came
    /// from (`running` or `precise`); nil in folders written before gcnn recorded them.
    public var recipe: String?
    public var batchNormStatistics: String?
    public var gcnnVersion: String
    /// The training options (`TrainingOptions`, `OptimizerSettings`); absent from folders of earlier versions.
    public var optimizer: String?
    public var weightDecay: Float?
    public var momentum: Float?
    public var nesterov: Bool?
    public var lrSchedule: LearningRateSchedule?
    public var monitor: String?
    /// 0: no early stopping.
    public var earlyStopPatience: Int?
    public var classWeight: String?
    public var classWeights: [Float]?
    /// Data augmentation (absent when off).
    public var augmentation: AugmentationConfig?

    public init(task: String, labels: [String], data: String, dataHash: String, split: String, valFraction: Double,
                seed: UInt64, batchSize: Int, network: NetworkConfig, epochs: Int, trainClips: Int,
                validationClips: Int, device: String, deviceName: String, features: [String: String],
                recipe: TrainingRecipe? = nil, batchNormStatistics: BatchNormStatistics? = nil) {
        self.task = task; self.labels = labels; self.data = data; self.dataHash = dataHash; self.split = split
        self.valFraction = valFraction; self.seed = seed; self.batchSize = batchSize
        learningRate = network.adam.learningRate; adamEpsilon = network.adam.epsilon
        adamEpsilonPlacement = network.adam.placement.rawValue
        architectureName = network.architecture.name; architecture = network.architecture.jsonText
        self.epochs = epochs; self.trainClips = trainClips; self.validationClips = validationClips
        self.device = device; self.deviceName = deviceName; self.features = features
        self.recipe = recipe?.rawValue; self.batchNormStatistics = batchNormStatistics?.rawValue
        gcnnVersion = GCNNVersion.current
    }

    /// Settings that may change between an interrupted run and its resumption without changing what
    /// the finished epochs mean: the epoch count (to train longer), the device and the version.
    static let resumable: Set<String> = ["epochs", "device", "deviceName", "gcnnVersion"]

    /// Names of the result-changing settings in which `other` differs from `self`.
    public func conflicts(with other: RunConfig) throws -> [String] {
        let a = try JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any] ?? [:]
        let b = try JSONSerialization.jsonObject(with: JSONEncoder().encode(other)) as? [String: Any] ?? [:]
        // Compared as canonical JSON: Foundation on Linux does not compare boxed Bools in an NSDictionary by value.
        func canonical(_ value: Any?) -> Data? { try? JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys]) }
        return Set(a.keys).union(b.keys).subtracting(Self.resumable).sorted().filter { canonical(a[$0]) != canonical(b[$0]) }
    }

    /// Pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// The version of gcnn recorded in run folders and checkpoints.
public enum GCNNVersion {
    public static let current = "0.1.0"
}
