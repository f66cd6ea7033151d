/// What a `Network` is built from: an architecture, the task's head, Adam, and the largest batch.
public struct NetworkConfig: Equatable, Sendable {
    public var architecture: Architecture
    /// 1: one logit, sigmoid + BCE (labels 0/1); N > 1: N logits, softmax + CE (labels are class indices).
    public var classes: Int
    public var adam: AdamConfig
    /// The largest batch `trainStep`/`evaluate`/`predict` accept; activations are allocated for it.
    public var maxBatch: Int
    /// PyTorch's running-variance rule (unbiased batch variance) instead of Keras' (biased).
    public var unbiasedRunningVariance: Bool
    /// Keys dropout masks (the run's seed).
    public var seed: UInt64
    /// The update rule (Adam by default); its learning rate, β and ε are `adam`'s.
    public var optimizer: OptimizerSettings
    /// Per-class loss weights (`max(2, classes)` values, label order) scaling each example's gradient; nil: none.
    public var classWeights: [Float]?

    public init(architecture: Architecture = .paper, classes: Int = 1, adam: AdamConfig = AdamConfig(),
                maxBatch: Int = 32, unbiasedRunningVariance: Bool = false, seed: UInt64 = 0,
                optimizer: OptimizerSettings = OptimizerSettings(), classWeights: [Float]? = nil) {
        self.architecture = architecture; self.classes = classes; self.adam = adam; self.maxBatch = maxBatch
        self.unbiasedRunningVariance = unbiasedRunningVariance; self.seed = seed
        self.optimizer = optimizer; self.classWeights = classWeights
    }

    /// The paper's layer sequence at another size (see `Architecture.paperVariant`),
    /// with `batchNorm`'s momentum and running-variance rule.
    public static func paper(inputHeight: Int = 64, inputWidth: Int = 173, filters: Int = 64, kernel: Int = 5,
                             classes: Int = 1, batchNorm: BatchNormConfig = .keras, adam: AdamConfig = AdamConfig(),
                             maxBatch: Int = 32) -> NetworkConfig {
        let architecture = Architecture.paperVariant(inputHeight: inputHeight, inputWidth: inputWidth, filters: filters, kernel: kernel)
        return NetworkConfig(architecture: architecture.withBatchNormMomentum(batchNorm.momentum), classes: classes, adam: adam,
                             maxBatch: maxBatch, unbiasedRunningVariance: batchNorm.unbiasedRunningVariance)
    }

    /// The architecture's shapes and tensors for this head.
    public func resolved() throws -> ResolvedArchitecture { try architecture.resolved(classes: classes) }

    /// Mel bands and frames of one input example.
    public var inputHeight: Int { architecture.inputHeight }
    public var inputWidth: Int { architecture.inputWidth }
    /// Elements of one input example (mel bands × frames).
    public var inputCount: Int { architecture.inputHeight * architecture.inputWidth }
}

/// A `Network` cannot be built or run as asked.
public enum NetworkError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case batchOutOfRange(batch: Int, maxBatch: Int)

    public var description: String {
        switch self {
        case let .invalidConfiguration(why):
            return "invalid network configuration: \(why)"
        case let .batchOutOfRange(batch, maxBatch):
            return "batch of \(batch) examples is outside 1...\(maxBatch); raise maxBatch in the configuration"
        }
    }
}

/// Any architecture of `Architecture`'s layers, written once against `Backend`: parameters, gradients,
/// Adam's moments and every activation are allocated from shape inference, for `config.maxBatch` examples.
/// `trainStep`, `evaluate` and `predict` only enqueue work (no host reads), so a trainer can queue many
/// batches and read the losses once.
///
/// Tensor names and layouts are PyTorch's (`conv1.weight`, `bn1.running_var`, `fc.weight` …), so a
/// `ParameterSet` of this class loads into the equivalent `torch.nn` module with `strict=True` and back.
public final class Network<B: Backend> {
    public let backend: B
    public let config: NetworkConfig
    public let resolved: ResolvedArchitecture
    /// Optimiser steps taken.
    public private(set) var step: Int
    /// The learning rate of the next optimiser steps (a schedule sets it per epoch); starts at
    /// `config.adam.learningRate`.
    public var learningRate: Float

    private let layers: [Layer<B>]
    /// `resolved.firstTrainableIndex`: the backward pass stops there.
    private let firstTrainable: Int
    private let trainables: [Trainable<B>]
    private let gradLogits: B.Buffer
    private let classWeights: B.Buffer?
    private var logitsBuffer: B.Buffer?

    /// Keras' initialisation from `rng`: Glorot-uniform kernels drawn in layer order (each in PyTorch's
    /// layout), zero biases, batch norm γ = 1, β = 0, running mean 0, variance 1.
    public static func initialParameters(config: NetworkConfig, rng: inout RandomGenerator) throws -> ParameterSet {
        let resolved = try config.resolved()
        return ParameterSet(resolved.tensors.map { t in
            switch t.role {
            case let .kernel(fanIn, fanOut):
                return NamedTensor(name: t.name, shape: t.shape,
                                   values: Initializers.glorotUniform(count: t.count, fanIn: fanIn, fanOut: fanOut, rng: &rng))
            case .zeros, .runningMean: return NamedTensor(name: t.name, shape: t.shape, values: Initializers.zeros(t.count))
            case .ones, .runningVariance: return NamedTensor(name: t.name, shape: t.shape, values: Initializers.ones(t.count))
            case .batchCount: return NamedTensor(name: t.name, shape: [], values: [0], storage: .int64)
            }
        })
    }

    /// A network on `backend` holding `parameters` (every tensor of the resolved architecture), with Adam's
    /// state from `adamState` or fresh (step 0, zero moments).
    public init(backend: B, config: NetworkConfig, parameters: ParameterSet, adamState: AdamState? = nil) throws {
        guard config.maxBatch >= 1 else { throw NetworkError.invalidConfiguration("maxBatch \(config.maxBatch) must be positive") }
        if let problem = config.optimizer.problem { throw NetworkError.invalidConfiguration(problem) }
        if let w = config.classWeights, w.count != max(2, config.classes) || !w.allSatisfy({ $0 >= 0 && $0.isFinite }) {
            throw NetworkError.invalidConfiguration("\(w.count) class weights for \(max(2, config.classes)) classes; each must be finite and ≥ 0")
        }
        self.backend = backend
        self.config = config
        resolved = try config.resolved()
        let firstTrainable = resolved.firstTrainableIndex
        self.firstTrainable = firstTrainable
        var layers: [Layer<B>] = []
        for layer in resolved.layers {
            let needsGrad = layer.index > firstTrainable
            let n = config.maxBatch
            switch layer.spec {
            case .conv2d(let s):
                layers.append(try Conv2DLayer(backend: backend, resolved: layer, spec: s, maxBatch: n,
                                              parameters: parameters, adam: adamState, needsInputGradient: needsGrad))
            case .batchnorm(let s):
                layers.append(try BatchNormLayer(backend: backend, resolved: layer, spec: s,
                                                 unbiasedRunningVariance: config.unbiasedRunningVariance, maxBatch: n,
                                                 parameters: parameters, adam: adamState))
            case .relu:
                layers.append(try ReLULayer(backend: backend, resolved: layer, maxBatch: n))
            case .maxpool(let w):
                layers.append(try PoolLayer(backend: backend, resolved: layer, kind: .max, window: w, maxBatch: n,
                                            needsInputGradient: needsGrad))
            case .avgpool(let w):
                layers.append(try PoolLayer(backend: backend, resolved: layer, kind: .average, window: w, maxBatch: n,
                                            needsInputGradient: needsGrad))
            case .globalmaxpool:
                layers.append(try PoolLayer(backend: backend, resolved: layer, kind: .max, window: nil, maxBatch: n,
                                            needsInputGradient: needsGrad))
            case .globalavgpool:
                layers.append(try PoolLayer(backend: backend, resolved: layer, kind: .average, window: nil, maxBatch: n,
                                            needsInputGradient: needsGrad))
            case .dropout(let rate):
                layers.append(try DropoutLayer(backend: backend, resolved: layer, rate: rate, maxBatch: n,
                                               needsInputGradient: needsGrad))
            case .flatten:
                layers.append(try FlattenLayer(backend: backend, resolved: layer, maxBatch: n, passesInputOn: true))
            case .dense(let s):
                layers.append(try DenseLayer(backend: backend, resolved: layer, spec: s, maxBatch: n,
                                             parameters: parameters, adam: adamState, needsInputGradient: needsGrad))
            }
        }
        let expected = Set(resolved.tensors.map(\.name))
        let extra = parameters.names.filter { !expected.contains($0) }
        guard extra.isEmpty else {
            throw NetworkError.invalidConfiguration("tensors \(extra) are not part of architecture '\(config.architecture.name)'")
        }
        self.layers = layers
        trainables = layers.flatMap(\.trainables)
        gradLogits = try backend.makeBuffer(count: config.maxBatch * config.classes, label: "gradient of logits")
        classWeights = try config.classWeights.map { try backend.makeBuffer($0, label: "class weights") }
        step = adamState?.step ?? 0
        learningRate = config.adam.learningRate
    }

    // MARK: Training and inference

    /// Training labels are soft targets (mixup): with several classes `trainStep`'s `labels` then hold
    /// `batch × classes` target probabilities (softmax cross-entropy against them); a sigmoid output takes
    /// targets in [0, 1] either way. Inference always takes class labels.
    public var softTrainingTargets = false

    /// One training step on `batch` examples: training-mode forward (batch norm on batch statistics, running
    /// statistics updated, dropout active), loss, backward, one Adam step on every trainable tensor.
    ///
    /// `input` holds `batch × inputHeight × inputWidth` values from element 0, `labels` `batch` labels (0/1,
    /// or class indices). Per-example losses and probabilities go to `losses[resultOffset + b]` and
    /// `probabilities[(resultOffset + b)·classes …]`. Enqueues only.
    public func trainStep(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                          probabilities: B.Buffer, resultOffset: Int) throws {
        try computeGradients(input: input, labels: labels, batch: batch, losses: losses,
                             probabilities: probabilities, resultOffset: resultOffset)
        try applyAdam()
    }

    /// The forward, loss and backward passes of `trainStep`, without the Adam step: afterwards
    /// `gradients()` holds ∂(mean loss)/∂parameter. Updates batch norm's running statistics.
    ///
    /// With `replicas` (data-parallel training), `batch` is this replica's share of a global batch and batch
    /// norm is synchronised over the replicas; the gradients are then of this share's mean loss, to be
    /// combined by `synchronizeGradients`.
    public func computeGradients(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                                 probabilities: B.Buffer, resultOffset: Int, replicas: ReplicaStep? = nil) throws {
        try checkBatch(batch)
        // Dropout masks are keyed by position in the batch buffer: each replica keys its share with its own
        // seed, so that shares draw independent masks (rank 0's are one process's).
        let seed = replicas.map { config.seed ^ (UInt64($0.group.rank) &* 0x9E37_79B9_7F4A_7C15) } ?? config.seed
        let logits = try forward(input: input, pass: ForwardPass(batch: batch, training: true, step: step + 1, seed: seed,
                                                                 replicas: replicas))
        try loss(logits: logits, labels: labels, batch: batch, losses: losses, probabilities: probabilities,
                 resultOffset: resultOffset, soft: softTrainingTargets)
        var gradient = gradLogits
        for (i, layer) in layers.enumerated().reversed() {
            guard let next = try layer.backward(gradient, batch: batch, needInput: i > firstTrainable) else { break }
            gradient = next
        }
    }

    /// A data-parallel step's part for a replica whose share of the global batch is empty: the collective
    /// calls of synchronised batch norm that `computeGradients` would make, with nothing to contribute.
    public func participateWithoutExamples(_ replicas: ReplicaStep) throws {
        precondition(replicas.localRows == 0, "participateWithoutExamples is for an empty share")
        let pass = ForwardPass(batch: 0, training: true, step: step + 1, seed: config.seed, replicas: replicas)
        let norms = layers.enumerated().filter { $0.element is BatchNormLayer<B> }
        for (_, layer) in norms { _ = try layer.forward(gradLogits, pass) }
        for (i, layer) in norms.reversed() where i >= firstTrainable {
            _ = try layer.backward(gradLogits, batch: 0, needInput: i > firstTrainable)
        }
    }

    /// Replaces every replica's gradients by those of the global batch's mean loss: each replica's gradients,
    /// weighted by its share of the batch, are staged into one host buffer (`gradientCount` floats, in
    /// `state_dict` order) and summed over the replicas in rank order with one collective call.
    public func synchronizeGradients(_ replicas: ReplicaStep) throws {
        var fused = [Float](repeating: 0, count: gradientCount)
        if replicas.localRows > 0 {
            let weight = Float(replicas.weight)
            var offset = 0
            for t in trainables {
                let g = try backend.read(t.gradient, offset: 0, count: t.count)
                for i in 0..<t.count { fused[offset + i] = g[i] * weight }
                offset += t.count
            }
        }
        try replicas.group.sum(&fused)
        var offset = 0
        for t in trainables {
            try backend.write(Array(fused[offset..<offset + t.count]), to: t.gradient, offset: 0)
            offset += t.count
        }
    }

    /// Trained values, hence gradient values, in one step: what data-parallel training reduces per step.
    public var gradientCount: Int { trainables.reduce(0) { $0 + $1.count } }

    /// One optimiser step (`config.optimizer`, at `learningRate`) with the current gradients. SGD keeps its
    /// momentum buffer where Adam keeps m (`adamState().m`).
    public func applyAdam() throws {
        step += 1
        var adam = config.adam
        adam.learningRate = learningRate
        let o = config.optimizer
        let sgd = SGDConfig(learningRate: learningRate, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay)
        for t in trainables {
            switch o.kind {
            case .adam:
                try backend.adamStep(parameter: t.value, gradient: t.gradient, m: t.m, v: t.v, count: t.count,
                                     step: step, config: adam)
            case .adamw:
                try backend.adamWStep(parameter: t.value, gradient: t.gradient, m: t.m, v: t.v, count: t.count,
                                      step: step, config: adam, weightDecay: o.weightDecay)
            case .sgd:
                try backend.sgdStep(parameter: t.value, gradient: t.gradient, momentum: t.m, count: t.count, config: sgd)
            }
        }
    }

    /// Inference (batch norm on running statistics, no dropout), with losses and probabilities as
    /// `trainStep` writes them; no parameter or statistic changes. Enqueues only.
    public func evaluate(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                         probabilities: B.Buffer, resultOffset: Int) throws {
        try checkBatch(batch)
        let logits = try forward(input: input, pass: ForwardPass(batch: batch, training: false, step: step, seed: config.seed))
        try loss(logits: logits, labels: labels, batch: batch, losses: losses, probabilities: probabilities,
                 resultOffset: resultOffset)
    }

    /// One batch of "precise BN" (Wu & Johnson, *Rethinking "Batch" in BatchNorm*, 2021): a forward pass
    /// in which every batch-norm layer normalises with the batch's statistics and folds them into its
    /// running statistics as a running average over the `clipsBefore` examples of earlier batches (the
    /// first batch, `clipsBefore` 0, replaces them). Over a whole set, the running mean and variance become
    /// the example-weighted means of the batch means and batch variances under the current weights.
    /// Dropout is off; no parameter, Adam state or `num_batches_tracked` changes. Enqueues only.
    public func accumulateBatchNormStatistics(input: B.Buffer, batch: Int, clipsBefore: Int) throws {
        try checkBatch(batch)
        let momentum = Float(Double(clipsBefore) / Double(clipsBefore + batch))
        _ = try forward(input: input, pass: ForwardPass(batch: batch, training: false, step: step, seed: config.seed,
                                                        statisticsMomentum: momentum))
    }

    /// Whether any layer is a batch norm (whose running statistics inference uses).
    public var hasBatchNorm: Bool { layers.contains { $0 is BatchNormLayer<B> } }

    /// Inference without labels: returns the buffer holding the `batch × classes` logits (valid until the
    /// next forward pass). Enqueues only.
    public func predict(input: B.Buffer, batch: Int) throws -> B.Buffer {
        try checkBatch(batch)
        return try forward(input: input, pass: ForwardPass(batch: batch, training: false, step: step, seed: config.seed))
    }

    private func checkBatch(_ batch: Int) throws {
        guard batch >= 1, batch <= config.maxBatch else {
            throw NetworkError.batchOutOfRange(batch: batch, maxBatch: config.maxBatch)
        }
    }

    private func forward(input: B.Buffer, pass: ForwardPass) throws -> B.Buffer {
        var x = input
        for layer in layers { x = try layer.forward(x, pass) }
        logitsBuffer = x
        return x
    }

    private func loss(logits: B.Buffer, labels: B.Buffer, batch n: Int, losses: B.Buffer, probabilities: B.Buffer,
                      resultOffset: Int, soft: Bool = false) throws {
        if soft && config.classes > 1 {
            try backend.softmaxCrossEntropySoft(logits: logits, targets: labels, batch: n, classes: config.classes,
                                                gradLogits: gradLogits, losses: losses, probabilities: probabilities,
                                                resultOffset: resultOffset)
        } else if config.classes == 1 {
            try backend.sigmoidBinaryCrossEntropy(logits: logits, labels: labels, classWeights: classWeights, batch: n,
                                                  gradLogits: gradLogits,
                                                  losses: losses, probabilities: probabilities, resultOffset: resultOffset)
        } else {
            try backend.softmaxCrossEntropy(logits: logits, labels: labels, classWeights: classWeights, batch: n,
                                            classes: config.classes,
                                            gradLogits: gradLogits, losses: losses, probabilities: probabilities,
                                            resultOffset: resultOffset)
        }
    }

    // MARK: Reading state back (waits for queued work)

    /// Every tensor of the architecture (`state_dict` order), copied to the host.
    public func parameters() throws -> ParameterSet {
        ParameterSet(try layers.flatMap { try $0.state() })
    }

    /// The gradients of the last `trainStep`/`computeGradients`, named as their parameters.
    public func gradients() throws -> ParameterSet {
        ParameterSet(try trainables.map { try download($0.gradient, $0) })
    }

    /// Adam's step count and moments, for resuming training exactly.
    public func adamState() throws -> AdamState {
        AdamState(step: step, m: ParameterSet(try trainables.map { try download($0.m, $0) }),
                  v: ParameterSet(try trainables.map { try download($0.v, $0) }))
    }

    /// The logits (`batch × classes`) of the last forward pass.
    public func logits(batch: Int) throws -> [Float] {
        try checkBatch(batch)
        guard let logitsBuffer else { return [] }
        return try backend.read(logitsBuffer, offset: 0, count: batch * config.classes)
    }

    private func download(_ buffer: B.Buffer, _ t: Trainable<B>) throws -> NamedTensor {
        NamedTensor(name: t.name, shape: t.spec.shape, values: try backend.read(buffer, offset: 0, count: t.count))
    }
}
