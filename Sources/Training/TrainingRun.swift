import Audio
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
    public var network: NetworkConfig
    public var features: [String: String]
    public var out: URL
    public var resume: Bool
    /// Optimiser (also in `network`), schedule, monitored metric and early stopping, class weighting.
    public var options = TrainingOptions()
    /// The recipe the settings came from (recorded in `config.json`).
    public var recipe: TrainingRecipe = .default
    /// Where validation's batch-norm statistics come from (`running`: the old behaviour).
    public var batchNormStatistics: BatchNormStatistics = .running
    /// The track of each validation clip, for track-level metrics each epoch (none: clip level only).
    public var validationTracks: [String]? = nil
    /// Data augmentation of the training batches; nil: none.
    public var augmentation: AugmentationConfig?
    /// The whole-track spectrograms random crops draw from (with `augmentation.randomCrop`).
    public var crops: CropSource?
    /// The ranks of a data-parallel run (`mpirun -np N gcnn train`), more than one; nil: one process. Rank 0
    /// alone writes the run folder; the others read it (to resume) and train their shares.
    public var replicas: ReplicaGroup?

    public init(task: String, labels: [String], data: String, dataHash: String, train: LabeledClips, validation: LabeledClips,
                split: SplitProtocol, valFraction: Double, seed: UInt64, epochs: Int, network: NetworkConfig,
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
    /// Asked between batches: true stops the run after the batch in flight, with a checkpoint to resume
    /// from (the CLI answers true after Ctrl-C).
    public var shouldStop: () -> Bool = { false }
    /// When set, receives the OpenCL kernels' build report (what the device's compiler said; `--verbose`).
    public var kernelBuildLog: ((String) -> Void)? = nil
    public init() {}
}

/// Where a stopped run stopped. Its folder resumes exactly from there.
public struct TrainingInterruption: Equatable, Sendable {
    /// The epoch that was running (or about to start).
    public var epoch: Int
    /// Batches of that epoch trained and saved (0: stopped at the epoch's start; the last finished epoch is saved).
    public var batchesDone: Int
    public var batches: Int
}

/// The result of a run.
public struct TrainingOutcome {
    public var history: [EpochRecord]
    public var parameters: ParameterSet
    public var folder: RunFolder
    /// Set when the run stopped on request before its last epoch finished.
    public var interruption: TrainingInterruption?
}

/// The training loop of `gcnn train`, written once for every backend: Keras-style initialisation from the
/// seed, per-epoch seeded shuffling, validation after each epoch, atomic checkpoints, exact resumption.
public enum TrainingRun {
    public static func run<B: Backend>(_ job: TrainingJob, backend: B, device: String, events: TrainingEvents = TrainingEvents()) throws -> TrainingOutcome {
        var config = RunConfig(task: job.task, labels: job.labels, data: job.data, dataHash: job.dataHash, split: job.split.rawValue,
                               valFraction: job.valFraction, seed: job.seed, batchSize: job.network.maxBatch, network: job.network,
                               epochs: job.epochs, trainClips: job.train.count, validationClips: job.validation.count,
                               device: device, deviceName: backend.deviceName, features: job.features,
                               recipe: job.recipe, batchNormStatistics: job.batchNormStatistics)
        config.record(job.options, network: job.network)
        config.augmentation = job.augmentation
        let folder = RunFolder(job.out)
        let replicas = job.replicas
        let writes = (replicas?.rank ?? 0) == 0
        if replicas != nil, job.augmentation?.mixupAlpha != nil {
            throw TrainingError.unsupported("--mixup pairs clips across a whole batch, which the ranks split; train it with one process")
        }
        // Rank 0 checks and prepares the folder before any other rank reads it.
        if !writes { try replicas?.barrier() }
        let saved = try folder.open(config: config, resume: job.resume)
        if writes { try replicas?.barrier() }
        let shouldStop = replicas == nil ? events.shouldStop : { false }

        var rng = RandomGenerator(seed: job.seed)
        var parameters: ParameterSet
        var adam: AdamState? = nil
        var history: [EpochRecord] = []
        var partial: PartialEpoch? = nil
        if let saved {
            parameters = saved.parameters
            adam = saved.adam
            rng = RandomGenerator(state: saved.rng)
            history = saved.history
            partial = saved.partial
        } else {
            parameters = try Network<B>.initialParameters(config: job.network, rng: &rng)
        }
        let network = try Network(backend: backend, config: job.network, parameters: parameters, adamState: adam)
        let trainer = try Trainer(network: network, train: job.train, validation: job.validation, batchSize: job.network.maxBatch)
        trainer.augmenter = try job.makeAugmenter(backend: backend)
        trainer.replicas = replicas
        let schedule = job.options.schedule, baseRate = Double(job.network.adam.learningRate)
        if schedule.perStep {
            if let problem = schedule.problem(stepsPerEpoch: trainer.batchesPerEpoch) { throw TrainingError.unsupported(problem) }
            let steps = trainer.batchesPerEpoch
            trainer.stepLearningRate = { Float(schedule.learningRate(base: baseRate, step: $0, stepsPerEpoch: steps)) }
        }
        if let replicas {
            try ReplicaAgreement.check(parameters, epochsDone: history.count, group: replicas, folder: job.out.path, epoch: nil)
        }
        if writes { try folder.begin(config: config) }
        if let saved, let partial {
            events.notice("resuming \(job.out.path) in epoch \(saved.epochsDone + 1) after batch \(partial.batchesDone)")
        } else if let saved {
            events.notice("resuming \(job.out.path) after epoch \(saved.epochsDone)")
        } else if job.resume {
            events.notice("\(job.out.path) has no finished epoch; starting from the beginning")
        }
        func outcome(_ interruption: TrainingInterruption? = nil) -> TrainingOutcome {
            TrainingOutcome(history: history, parameters: parameters, folder: folder, interruption: interruption)
        }

        var progress = MonitorProgress(metric: job.options.monitor, patience: job.options.earlyStopPatience, history: history)
        if let stopped = progress.stoppedAfterEpoch {
            events.notice(Self.earlyStopNotice(progress, stopped: stopped))
            return outcome()
        }
        var warmUpNoticed = false
        for epoch in stride(from: history.count + 1, through: job.epochs, by: 1) {
            network.learningRate = Float(job.options.schedule.learningRate(base: Double(job.network.adam.learningRate), epoch: epoch - 1,
                                                                           monitored: history.map { job.options.monitor.value(in: $0) }))
            if shouldStop() {
                return outcome(TrainingInterruption(epoch: epoch, batchesDone: partial?.batchesDone ?? 0, batches: trainer.batchesPerEpoch))
            }
            let start = DispatchTime.now().uptimeNanoseconds
            let epochRNG = rng.state
            let resumed = partial
            partial = nil
            func elapsed() -> Double { (resumed?.seconds ?? 0) + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            var record: EpochRecord
            do {
                // An epoch that one process stopped part-way is finished by every rank alike, as one process would.
                if resumed != nil { trainer.replicas = nil }
                defer { trainer.replicas = replicas }
                let pass = try trainer.trainEpoch(rng: &rng, epoch: epoch, resuming: resumed, shouldStop: shouldStop) { done, total in
                    events.batch(epoch, done, total) { try trainer.runningTrainLoss(clips: done * trainer.batchSize) }
                    TrainingTestHold.afterBatch(epoch: epoch, done: done, shouldStop: shouldStop)
                }
                let trainMetrics: ClassificationMetrics
                switch pass {
                case .finished(let metrics):
                    trainMetrics = metrics
                case .stopped(let done):
                    parameters = try network.parameters()
                    let state = TrainingState(epochsDone: epoch - 1, parameters: parameters, adam: try network.adamState(), rng: epochRNG,
                                              history: history, partial: try trainer.partialEpoch(batchesDone: done, seconds: elapsed()))
                    if writes { try folder.saveState(state) }
                    return outcome(TrainingInterruption(epoch: epoch, batchesDone: done, batches: trainer.batchesPerEpoch))
                }
                guard trainMetrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, phase: "training") }
                var statisticsSeconds: Double? = nil
                if job.batchNormStatistics == .precise {
                    try trainer.network.backend.finish()
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try trainer.estimateBatchNormStatistics()
                    try trainer.network.backend.finish()
                    statisticsSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                }
                let validationMetrics: ClassificationMetrics, trackMetrics: ClassificationMetrics?
                if let tracks = job.validationTracks {
                    (validationMetrics, trackMetrics) = try trainer.validate(tracks: tracks)
                } else {
                    (validationMetrics, trackMetrics) = (try trainer.validate(), nil)
                }
                guard validationMetrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: epoch, phase: "validation") }
                record = EpochRecord(epoch: epoch, train: trainMetrics, validation: validationMetrics, seconds: elapsed(),
                                     trainClips: job.train.count, validationTracks: trackMetrics)
                record.bn_statistics_seconds = statisticsSeconds
                record.lr = Double(network.learningRate)
                if let replicas, resumed == nil {
                    record.ranks = replicas.size
                    record.allreduce_seconds = trainer.allreduceSeconds
                }
                parameters = try network.parameters()
                if let replicas {
                    try ReplicaAgreement.check(parameters, epochsDone: epoch, group: replicas, folder: job.out.path, epoch: epoch)
                }
                var next = progress
                let improved = next.update(record)
                if writes {
                    try folder.saveBest(parameters, improved: improved, progress: next, config: job.network, labels: job.labels,
                                        task: job.task, metadata: Self.checkpointMetadata(job))
                    let state = TrainingState(epochsDone: epoch, parameters: parameters, adam: try network.adamState(),
                                              rng: rng.state, history: history + [record])
                    try folder.saveEpoch(state: state, config: job.network, labels: job.labels, task: job.task,
                                         metadata: Self.checkpointMetadata(job))
                }
                progress = next
            } catch let error as TrainingError {
                throw error
            } catch {
                // A device or file failure: the folder still holds the last state written (every file is
                // replaced atomically), and says so.
                let kept = resumed.map { "epoch \(epoch) up to batch \($0.batchesDone)" }
                    ?? (epoch > 1 ? "epoch \(epoch - 1)" : "no finished epoch")
                throw TrainingError.epochFailed(epoch: epoch, folder: job.out.path, kept: kept, reason: "\(error)")
            }
            history.append(record)
            events.epoch(record)
            if !warmUpNoticed, job.batchNormStatistics == .running, let momentum = job.network.architecture.batchNormMomenta.max(),
               let note = BatchNormWarmUp.notice(momentum: momentum,
                                                                 steps: epoch * trainer.batchesPerEpoch) {
                events.notice(note)
                warmUpNoticed = true
            }
            if let stopped = progress.stoppedAfterEpoch {
                events.notice(Self.earlyStopNotice(progress, stopped: stopped))
                break
            }
        }
        return outcome()
    }

    static func checkpointMetadata(_ job: TrainingJob) -> [String: String] {
        ["clip_seconds": job.features["clipSeconds"] ?? "2", "clips_per_track": job.features["clipsPerTrack"] ?? "8",
         MelRecipe.metadataKey: job.features["melRecipe"] ?? MelRecipe.librosa.rawValue]
    }

    static func earlyStopNotice(_ progress: MonitorProgress, stopped: Int) -> String {
        let best = progress.bestEpoch.map { "epoch \($0)" } ?? "none"
        let value = progress.bestValue.map { String(format: "%.6g", $0) } ?? "nan"
        return "early stop after epoch \(stopped): \(progress.metric.rawValue) has not improved for \(progress.patience ?? 0) epochs; "
            + "best \(best) (\(progress.metric.rawValue) \(value)) is in best.safetensors"
    }
}
