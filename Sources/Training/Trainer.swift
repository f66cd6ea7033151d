import Model

/// Errors that stop a training run.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteLoss(epoch: Int, phase: String)
    case emptySet(String)
    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, phase):
            return "the \(phase) loss of epoch \(epoch) is NaN or infinite; training stopped and the last good checkpoint is kept (try a lower --lr)"
        case let .emptySet(name): return "the \(name) set holds no clips"
        }
    }
}

/// Runs epochs of a `PaperCNN` over a dataset that stays on the device: features and labels are uploaded
/// once; each epoch uploads one shuffled index permutation and gathers every batch on the device, and
/// the per-clip losses and probabilities are read back once, at the end of the epoch.
public final class Trainer<B: Backend> {
    public let network: PaperCNN<B>
    public let batchSize: Int
    public let trainCount: Int
    public let validationCount: Int
    private let backend: B
    private let trainLabels: [Int], validationLabels: [Int]
    private let clipLength: Int
    private let trainX, trainY, validationX, validationY: B.Buffer
    private let order: B.IndexBuffer, validationOrder: B.IndexBuffer
    private let batchX, batchY: B.Buffer
    private let losses, probabilities: B.Buffer
    private var permutation: [Int32] = []

    /// Probability values per clip as the network writes them: 1 (sigmoid) or the number of classes.
    private var probabilityWidth: Int { network.config.classes }
    /// Classes as the metrics count them (a sigmoid output is a two-class task).
    private var metricClasses: Int { max(2, network.config.classes) }

    public init(network: PaperCNN<B>, train: LabeledClips, validation: LabeledClips, batchSize: Int) throws {
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
        batchX = try backend.makeBuffer(count: batchSize * clipLength, label: "batch clips")
        batchY = try backend.makeBuffer(count: batchSize, label: "batch labels")
        let most = max(train.count, validation.count)
        losses = try backend.makeBuffer(count: most, label: "per-clip losses")
        probabilities = try backend.makeBuffer(count: most * network.config.classes, label: "per-clip probabilities")
    }

    /// Batches in one training epoch.
    public var batchesPerEpoch: Int { (trainCount + batchSize - 1) / batchSize }

    /// One epoch over the training set in an order drawn from `rng` (Fisher–Yates over clip indices).
    /// `progress(done, total)` is called after each batch is enqueued.
    public func trainEpoch(rng: inout RandomGenerator, progress: ((Int, Int) throws -> Void)? = nil) throws -> ClassificationMetrics {
        var perm = (0..<Int32(trainCount)).map { $0 }
        rng.shuffle(&perm)
        permutation = perm
        try backend.write(perm, to: order, offset: 0)
        let total = batchesPerEpoch
        for b in 0..<total {
            let start = b * batchSize
            let rows = min(batchSize, trainCount - start)
            try backend.gatherRows(source: trainX, rowLength: clipLength, indices: order, indexOffset: start, rows: rows, into: batchX)
            try backend.gatherRows(source: trainY, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
            try network.trainStep(input: batchX, labels: batchY, batch: rows, losses: losses,
                                  probabilities: probabilities, resultOffset: start)
            try progress?(b + 1, total)
        }
        return try readMetrics(count: trainCount, labels: perm.map { trainLabels[Int($0)] })
    }

    /// Mean loss of the first `clips` clips of the current training epoch (waits for them): for progress display.
    public func runningTrainLoss(clips: Int) throws -> Double {
        let n = min(clips, trainCount)
        guard n > 0 else { return .nan }
        return try backend.read(losses, offset: 0, count: n).reduce(0.0) { $0 + Double($1) } / Double(n)
    }

    /// Inference over the validation set (BatchNorm on running statistics).
    public func validate() throws -> ClassificationMetrics {
        try evaluate(x: validationX, y: validationY, order: validationOrder, count: validationCount)
        return try readMetrics(count: validationCount, labels: validationLabels)
    }

    /// Per-clip probabilities of the validation set, `classes` (or 1) per clip, in validation order.
    public func validationProbabilities() throws -> [Float] {
        try evaluate(x: validationX, y: validationY, order: validationOrder, count: validationCount)
        return try backend.read(probabilities, offset: 0, count: validationCount * probabilityWidth)
    }

    private func evaluate(x: B.Buffer, y: B.Buffer, order: B.IndexBuffer, count: Int) throws {
        var start = 0
        while start < count {
            let rows = min(batchSize, count - start)
            try backend.gatherRows(source: x, rowLength: clipLength, indices: order, indexOffset: start, rows: rows, into: batchX)
            try backend.gatherRows(source: y, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
            try network.evaluate(input: batchX, labels: batchY, batch: rows, losses: losses,
                                 probabilities: probabilities, resultOffset: start)
            start += rows
        }
    }

    private func readMetrics(count: Int, labels: [Int]) throws -> ClassificationMetrics {
        let l = try backend.read(losses, offset: 0, count: count)
        let p = try backend.read(probabilities, offset: 0, count: count * probabilityWidth)
        return ClassificationMetrics(losses: l, probabilities: p, labels: labels, classes: metricClasses)
    }
}
