import Dispatch
import Model

/// How an epoch's training pass ended.
public enum EpochPass {
    /// Every batch ran; the metrics of the whole epoch.
    case finished(ClassificationMetrics)
    /// Stopped on request after `batchesDone` batches.
    case stopped(batchesDone: Int)
}

/// The first batches of an epoch that was stopped: with the generator state from the epoch's start and
/// the network's state after these batches, everything needed to finish the epoch exactly.
public struct PartialEpoch: Equatable, Sendable {
    public var batchesDone: Int
    /// Per-clip training losses and probabilities of the finished batches, in the epoch's order.
    public var losses: [Float]
    public var probabilities: [Float]
    /// Seconds the epoch had run so far.
    public var seconds: Double
    public init(batchesDone: Int, losses: [Float], probabilities: [Float], seconds: Double) {
        self.batchesDone = batchesDone; self.losses = losses; self.probabilities = probabilities; self.seconds = seconds
    }
}

/// Errors that stop a training run.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, phase: String)
    case emptySet(String)
    /// A stored, stopped epoch that does not fit this run's data.
    case inconsistentPartialEpoch(batchesDone: Int, batches: Int)
    /// The run cannot do what its settings ask (a one-line reason naming the option or the rank).
    case unsupported(String)
    /// The device failed while training; the run folder keeps the last checkpoint.
    case epochFailed(epoch: Int, folder: String, kept: String, reason: String)
    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, phase):
            return "the \(phase) loss of epoch \(epoch) is NaN or infinite; training stopped and the last good checkpoint is kept (try a lower --lr)"
        case let .emptySet(name): return "the \(name) set holds no clips"
        case let .inconsistentPartialEpoch(done, batches):
            return "the training state stopped after batch \(done) of an epoch, which does not fit this run's \(batches) batches of clips; start a new run (another --out)"
        case let .unsupported(why): return why
        case let .epochFailed(epoch, folder, kept, reason):
            return "epoch \(epoch) failed: \(reason); \(folder) still holds \(kept), continue it with --resume"
        }
    }
}

/// Runs epochs of a `Network` over a dataset that stays on the device: features and labels are uploaded
/// once; each epoch uploads one shuffled index permutation and gathers every batch on the device, and
/// the per-clip losses and probabilities are read back once, at the end of the epoch.
public final class Trainer<B: Backend> {
    public let network: Network<B>
    public let batchSize: Int
    public let trainCount: Int
    public let validationCount: Int
    private let backend: B
    private let trainLabels: [Int], validationLabels: [Int]
    private let clipLength: Int
    private let trainX, trainY, validationX, validationY: B.Buffer
    private let order: B.IndexBuffer, validationOrder: B.IndexBuffer, trainingInOrder: B.IndexBuffer
    private let batchX, batchY: B.Buffer
    private let losses, probabilities: B.Buffer
    private var permutation: [Int32] = []
    /// Data-parallel training when set (more than one rank): each rank trains its `ReplicaShare` of every
    /// batch with batch norm synchronised, gradients are summed over the ranks before each optimiser step,
    /// validation batches are dealt out over the ranks, and every rank ends an epoch with the metrics of the
    /// whole sets. Every rank must hold the same data, parameters and generator state.
    public var replicas: ReplicaGroup? {
        didSet { precondition(replicas.map { $0.size > 1 } ?? true, "a replica group of one is a single process: leave replicas nil") }
    }
    /// The learning rate of each optimiser step from the network's step count before it (a per-batch
    /// schedule); nil keeps the rate the caller set for the epoch.
    public var stepLearningRate: ((Int) -> Float)?
    /// Seconds the last training epoch spent staging and summing gradients over the replicas (0 without).
    public private(set) var allreduceSeconds: Double = 0
    /// Augments every training batch when set (`Augmentation.swift`); validation is never augmented.
    public var augmenter: Augmenter<B>? {
        didSet { network.softTrainingTargets = augmenter?.softTargets ?? false }
    }

    /// Probability values per clip as the network writes them: 1 (sigmoid) or the number of classes.
    private var probabilityWidth: Int { network.config.classes }
    /// Classes as the metrics count them (a sigmoid output is a two-class task).
    private var metricClasses: Int { max(2, network.config.classes) }

    public init(network: Network<B>, train: LabeledClips, validation: LabeledClips, batchSize: Int) throws {
        guard train.count > 0 else { throw TrainingError.emptySet("training") }
        guard validation.count > 0 else { throw TrainingError.emptySet("validation") }
        precondition(batchSize >= 1 && batchSize <= network.config.maxBatch, "batch size must fit the network's maxBatch")
        self.network = network
        backend = network.backend
        self.batchSize = batchSize
        clipLength = train.clipLength
        trainCount = train.count
        validationCount = validation.count
        trainLabels = train.labels
        validationLabels = validation.labels
        trainX = try backend.makeBuffer(train.features, label: "training clips (\(train.count))")
        trainY = try backend.makeBuffer(train.labels.map(Float.init), label: "training labels")
        validationX = try backend.makeBuffer(validation.features, label: "validation clips (\(validation.count))")
        validationY = try backend.makeBuffer(validation.labels.map(Float.init), label: "validation labels")
        order = try backend.makeIndexBuffer(Array(repeating: 0, count: train.count), label: "epoch order")
        validationOrder = try backend.makeIndexBuffer((0..<Int32(validation.count)).map { $0 }, label: "validation order")
        trainingInOrder = try backend.makeIndexBuffer((0..<Int32(train.count)).map { $0 }, label: "training clips in order")
        batchX = try backend.makeBuffer(count: batchSize * clipLength, label: "batch clips")
        batchY = try backend.makeBuffer(count: batchSize, label: "batch labels")
        let most = max(train.count, validation.count)
        losses = try backend.makeBuffer(count: most, label: "per-clip losses")
        probabilities = try backend.makeBuffer(count: most * network.config.classes, label: "per-clip probabilities")
    }

    /// Batches the host may enqueue ahead of the device before it waits (a stop takes effect within this).
    public static var queueAhead: Int { 4 }

    /// Batches in one training epoch.
    public var batchesPerEpoch: Int { (trainCount + batchSize - 1) / batchSize }

    /// One epoch over the training set in an order drawn from `rng` (Fisher–Yates over clip indices).
    ///
    /// `resuming` continues an epoch that an earlier pass stopped: the same `rng` state gives the same
    /// order, the first `batchesDone` batches are skipped and their per-clip results restored, so the
    /// epoch ends exactly as an uninterrupted one. `shouldStop` is asked between batches (never inside
    /// one); when it answers true the pass ends `.stopped` after the batch in flight. `progress(done, total)`
    /// is called after each batch is enqueued.
    /// `epoch` (1-based) keys the augmentation's random numbers.
    public func trainEpoch(rng: inout RandomGenerator, epoch: Int = 1, resuming: PartialEpoch? = nil, shouldStop: () -> Bool = { false },
                           progress: ((Int, Int) throws -> Void)? = nil) throws -> EpochPass {
        var perm = (0..<Int32(trainCount)).map { $0 }
        rng.shuffle(&perm)
        permutation = perm
        try backend.write(perm, to: order, offset: 0)
        let total = batchesPerEpoch
        let first = resuming?.batchesDone ?? 0
        if let resuming, first > 0 {
            let clips = min(first * batchSize, trainCount)
            guard first <= total, resuming.losses.count == clips, resuming.probabilities.count == clips * probabilityWidth else {
                throw TrainingError.inconsistentPartialEpoch(batchesDone: first, batches: total)
            }
            try backend.write(resuming.losses, to: losses, offset: 0)
            try backend.write(resuming.probabilities, to: probabilities, offset: 0)
        }
        try augmenter?.beginEpoch(epoch)
        allreduceSeconds = 0
        if let group = replicas {
            precondition(first == 0, "a data-parallel epoch is never resumed mid-epoch")
            try trainEpoch(group, progress: progress)
            return .finished(try readMetrics(count: trainCount, labels: perm.map { trainLabels[Int($0)] },
                                             owned: trainingRowsOwned(group)))
        }
        for b in first..<total {
            if b > first && shouldStop() { return .stopped(batchesDone: b) }
            let start = b * batchSize
            let rows = min(batchSize, trainCount - start)
            let (x, y) = try trainingBatch(b, start: start, rows: rows)
            if let stepLearningRate { network.learningRate = stepLearningRate(network.step) }
            try network.trainStep(input: x, labels: y, batch: rows, losses: losses,
                                  probabilities: probabilities, resultOffset: start)
            try progress?(b + 1, total)
            // Keep the device at most `queueAhead` batches behind, so that a stop request is honoured
            // within a few batches even where enqueueing a whole epoch takes no time (OpenCL).
            if (b + 1 - first) % Self.queueAhead == 0 { try backend.finish() }
        }
        if total > first && shouldStop() { return .stopped(batchesDone: total) }
        return .finished(try readMetrics(count: trainCount, labels: perm.map { trainLabels[Int($0)] },
                                         owned: [Bool](repeating: true, count: trainCount)))
    }

    /// The batches of a data-parallel epoch: this rank's share of each (possibly empty), gradients summed
    /// over the ranks, then the optimiser step every rank takes alike.
    private func trainEpoch(_ group: ReplicaGroup, progress: ((Int, Int) throws -> Void)?) throws {
        for b in 0..<batchesPerEpoch {
            let start = b * batchSize
            let rows = min(batchSize, trainCount - start)
            let share = ReplicaShare(rows: rows, rank: group.rank, size: group.size)
            let step = ReplicaStep(group: group, localRows: share.rows, globalRows: rows)
            if share.rows > 0 {
                let first = start + share.offset
                let (x, y) = try trainingBatch(b, start: first, rows: share.rows)
                try network.computeGradients(input: x, labels: y, batch: share.rows, losses: losses, probabilities: probabilities,
                                             resultOffset: first, replicas: step)
            } else {
                try network.participateWithoutExamples(step)
            }
            try backend.finish()
            let t0 = DispatchTime.now().uptimeNanoseconds
            try network.synchronizeGradients(step)
            allreduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if let stepLearningRate { network.learningRate = stepLearningRate(network.step) }
            try network.applyAdam()
            try progress?(b + 1, batchesPerEpoch)
        }
    }

    /// Rows `start ..< start + rows` of batch `b` in the epoch's order, augmented or gathered into the batch
    /// buffers; returns the buffers the network trains on.
    private func trainingBatch(_ b: Int, start: Int, rows: Int) throws -> (x: B.Buffer, y: B.Buffer) {
        if let augmenter {
            return try augmenter.batch(b, start: start, rows: rows, order: order, clipsX: trainX, clipsY: trainY,
                                       batchX: batchX, batchY: batchY)
        }
        try backend.gatherRows(source: trainX, rowLength: clipLength, indices: order, indexOffset: start, rows: rows, into: batchX)
        try backend.gatherRows(source: trainY, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
        return (batchX, batchY)
    }

    /// Which training clips (epoch positions) this rank computed: its share of every batch.
    private func trainingRowsOwned(_ group: ReplicaGroup) -> [Bool] {
        var owned = [Bool](repeating: false, count: trainCount)
        for start in stride(from: 0, to: trainCount, by: batchSize) {
            let share = ReplicaShare(rows: min(batchSize, trainCount - start), rank: group.rank, size: group.size)
            for i in 0..<share.rows { owned[start + share.offset + i] = true }
        }
        return owned
    }

    /// Which validation clips this rank evaluates: every `size`-th batch, from batch `rank`.
    private func validationRowsOwned(_ group: ReplicaGroup?) -> [Bool] {
        guard let group else { return [Bool](repeating: true, count: validationCount) }
        return (0..<validationCount).map { ($0 / batchSize) % group.size == group.rank }
    }

    /// The per-clip results of the first `batchesDone` batches of the current epoch (waits for them), to
    /// store with a stopped epoch.
    public func partialEpoch(batchesDone: Int, seconds: Double) throws -> PartialEpoch {
        let clips = min(batchesDone * batchSize, trainCount)
        return PartialEpoch(batchesDone: batchesDone, losses: try backend.read(losses, offset: 0, count: clips),
                            probabilities: try backend.read(probabilities, offset: 0, count: clips * probabilityWidth),
                            seconds: seconds)
    }

    /// Mean loss of the first `clips` clips of the current training epoch (waits for them): for progress display.
    public func runningTrainLoss(clips: Int) throws -> Double {
        let n = min(clips, trainCount)
        guard n > 0 else { return .nan }
        let values = try backend.read(losses, offset: 0, count: n)
        if let group = replicas {
            // This rank's clips only: a display value, read without waiting for the other ranks.
            let owned = trainingRowsOwned(group).prefix(n)
            let mine = zip(values, owned).filter { $0.1 }.map { Double($0.0) }
            return mine.isEmpty ? .nan : mine.reduce(0, +) / Double(mine.count)
        }
        return values.reduce(0.0) { $0 + Double($1) } / Double(n)
    }

    /// Inference over the validation set (BatchNorm on running statistics).
    public func validate() throws -> ClassificationMetrics {
        try evaluate(x: validationX, y: validationY, order: validationOrder, count: validationCount)
        return try readMetrics(count: validationCount, labels: validationLabels, owned: validationRowsOwned(replicas))
    }

    /// Validation at clip and track level: the clips' metrics, and those of the tracks named by
    /// `tracks` (one per validation clip; a track's probabilities are the mean of its clips').
    public func validate(tracks: [String]) throws -> (clips: ClassificationMetrics, tracks: ClassificationMetrics) {
        precondition(tracks.count == validationCount, "one track per validation clip")
        try evaluate(x: validationX, y: validationY, order: validationOrder, count: validationCount)
        let (l, p) = try readResults(count: validationCount, owned: validationRowsOwned(replicas))
        let clips = ClassificationMetrics(losses: l, probabilities: p, labels: validationLabels, classes: metricClasses)
        return (clips, TrackMetrics.metrics(probabilities: p, labels: validationLabels, tracks: tracks, classes: metricClasses))
    }

    /// Precise BN: re-estimates every batch-norm layer's running statistics over the whole training set,
    /// in dataset order and in this trainer's batches, with the network's current weights
    /// (`Network.accumulateBatchNormStatistics`). Training is unchanged; inference then uses statistics of
    /// the final weights instead of a moving average over the epoch's changing ones.
    public func estimateBatchNormStatistics() throws {
        var start = 0
        while start < trainCount {
            let rows = min(batchSize, trainCount - start)
            try backend.gatherRows(source: trainX, rowLength: clipLength, indices: trainingInOrder, indexOffset: start, rows: rows,
                                   into: batchX)
            try network.accumulateBatchNormStatistics(input: batchX, batch: rows, clipsBefore: start)
            start += rows
        }
    }

    private func evaluate(x: B.Buffer, y: B.Buffer, order: B.IndexBuffer, count: Int) throws {
        var start = 0
        while start < count {
            let rows = min(batchSize, count - start)
            if let group = replicas, (start / batchSize) % group.size != group.rank {
                start += rows
                continue
            }
            try backend.gatherRows(source: x, rowLength: clipLength, indices: order, indexOffset: start, rows: rows, into: batchX)
            try backend.gatherRows(source: y, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
            try network.evaluate(input: batchX, labels: batchY, batch: rows, losses: losses,
                                 probabilities: probabilities, resultOffset: start)
            start += rows
        }
    }

    private func readMetrics(count: Int, labels: [Int], owned: [Bool]) throws -> ClassificationMetrics {
        let (l, p) = try readResults(count: count, owned: owned)
        return ClassificationMetrics(losses: l, probabilities: p, labels: labels, classes: metricClasses)
    }

    /// The per-clip losses and probabilities of `count` clips; with replicas, each rank's `owned` clips
    /// summed over the ranks (the others' positions count as zeros, so the sums are exact copies).
    private func readResults(count: Int, owned: [Bool]) throws -> (losses: [Float], probabilities: [Float]) {
        var l = try backend.read(losses, offset: 0, count: count)
        var p = try backend.read(probabilities, offset: 0, count: count * probabilityWidth)
        guard let group = replicas else { return (l, p) }
        let width = probabilityWidth
        for i in 0..<count where !owned[i] {
            l[i] = 0
            for k in 0..<width { p[i * width + k] = 0 }
        }
        var both = l + p
        try group.sum(&both)
        return (Array(both[..<count]), Array(both[count...]))
    }
}
