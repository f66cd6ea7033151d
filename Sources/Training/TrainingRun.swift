import Foundation
import Model

/// A fully resolved training job: data already split into clips, every setting fixed.
public struct TrainingJob {
    public var task: String
    public var labels: [String]
    public var data: String
    public var dataHash: String
    public var train: LabeledClips
    public var validation: LabeledClips
    public var split: SplitProtocol
    public var valFraction: Double
    public var seed: UInt64
    public var epochs: Int
    public var network: PaperCNNConfig
    public var features: [String: String]
    public var out: URL
    public var resume: Bool

    public init(task: String, labels: [String], data: String, dataHash: String, train: LabeledClips, validation: LabeledClips,
                split: SplitProtocol, valFraction: Double, seed: UInt64, epochs: Int, network: PaperCNNConfig,
                features: [String: String], out: URL, resume: Bool) {
        self.task = task; self.labels = labels; self.data = data; self.dataHash = dataHash; self.train = train
        self.validation = validation; self.split = split; self.valFraction = valFraction; self.seed = seed
        self.epochs = epochs; self.network = network; self.features = features; self.out = out; self.resume = resume
    }
}

/// What a training run tells its caller as it goes (the CLI prints it; tests record it).
public struct TrainingEvents {
    /// A one-line notice (resuming, device fallback, …).
    public var notice: (String) -> Void = { _ in }
    /// After each enqueued training batch: epoch, batches done, batches in the epoch, and a way to read the
    /// running mean training loss (it waits for the device, so call it sparingly).
    public var batch: (_ epoch: Int, _ done: Int, _ total: Int, _ runningLoss: () throws -> Double) -> Void = { _, _, _, _ in }
    /// After each finished epoch, once its files are written.
    public var epoch: (EpochRecord) -> Void = { _ in }
    public init() {}
}

/// The result of a run.
public struct TrainingOutcome {
    public var history: [EpochRecord]
    public var parameters: ParameterSet
    public var folder: RunFolder
}

/// The training loop of `gcnn train`, written once for every backend: Keras-style initialisation from the
/// seed, per-epoch seeded shuffling, validation after each epoch, atomic checkpoints, exact resumption.
public enum TrainingRun {
    public static func run<B: Backend>(_ job: TrainingJob, backend: B, device: String, events: TrainingEvents = TrainingEvents()) throws -> TrainingOutcome {
        let config = RunConfig(task: job.task, labels: job.labels, data: job.data, dataHash: job.dataHash, split: job.split.rawValue,
                               valFraction: job.valFraction, seed: job.seed, batchSize: job.network.maxBatch, network: job.network,
                               epochs: job.epochs, trainClips: job.train.count, validationClips: job.validation.count,
                               device: device, deviceName: backend.deviceName, features: job.features)
        let folder = RunFolder(job.out)
        let saved = try folder.open(config: config, resume: job.resume)

        var rng = RandomGenerator(seed: job.seed)
        var parameters: ParameterSet
        var adam: AdamState? = nil
        var history: [EpochRecord] = []
        if let saved {
            parameters = saved.parameters
            adam = saved.adam
            rng = RandomGenerator(state: saved.rng)
            history = saved.history
            events.notice("resuming \(job.out.path) after epoch \(saved.epochsDone)")
        } else {
            parameters = try PaperCNN<B>.initialParameters(config: job.network, rng: &rng)
            if job.resume { events.notice("\(job.out.path) has no finished epoch; starting from the beginning") }
        }
        let network = try PaperCNN(backend: backend, config: job.network, parameters: parameters, adamState: adam)
        let trainer = try Trainer(network: network, train: job.train, validation: job.validation, batchSize: job.network.maxBatch)

        for epoch in stride(from: history.count + 1, through: job.epochs, by: 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            let trainMetrics = try trainer.trainEpoch(rng: &rng) { done, total in
                events.batch(epoch, done, total) { try trainer.runningTrainLoss(clips: done * trainer.batchSize) }
            }
            guard trainMetrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, phase: "training") }
            let validationMetrics = try trainer.validate()
            guard validationMetrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, phase: "validation") }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let record = EpochRecord(epoch: epoch, train: trainMetrics, validation: validationMetrics, seconds: seconds,
                                     trainClips: job.train.count)
            history.append(record)
            parameters = try network.parameters()
            let state = TrainingState(epochsDone: epoch, parameters: parameters, adam: try network.adamState(),
                                      rng: rng.state, history: history)
            try folder.saveEpoch(state: state, config: job.network, labels: job.labels, task: job.task,
                                 metadata: ["clip_seconds": job.features["clipSeconds"] ?? "2",
                                            "clips_per_track": job.features["clipsPerTrack"] ?? "8"])
            events.epoch(record)
        }
        return TrainingOutcome(history: history, parameters: parameters, folder: folder)
    }
}
