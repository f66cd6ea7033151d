/// The paper's CNN (Mersy & Lyk), written once against `Backend`:
/// Conv k×k×F + ReLU (fused) → BatchNorm → MaxPool 2×2 → Conv k×k×F + ReLU → MaxPool 2×2 →
/// Flatten (C, H, W) → Dense(classes), with sigmoid + BCE (1 class) or softmax + CE (N classes),
/// trained with Adam.
///
/// It owns device buffers for the parameters, their gradients, Adam's moments and every activation,
/// sized for `config.maxBatch`. `trainStep` and `evaluate` only enqueue work (no host reads), so a
/// trainer can queue many batches and read the losses once.
///
/// Tensor names and layouts are PyTorch's (`conv1.weight`, `bn1.running_var`, `fc.weight` …) so that a
/// `ParameterSet` from this class loads into `torch.nn` code and back.
public final class PaperCNN<B: Backend> {
    public let backend: B
    public let config: PaperCNNConfig
    /// Adam steps taken.
    public private(set) var step: Int
    /// Training-mode forward passes (PyTorch's `bn1.num_batches_tracked`).
    public private(set) var batchesTracked: Int

    /// A trainable tensor with its gradient and Adam moments.
    private struct Trainable {
        let name: String
        let shape: [Int]
        let value: B.Buffer
        let gradient: B.Buffer
        let m: B.Buffer
        let v: B.Buffer
        var count: Int { shape.reduce(1, *) }
    }

    private let conv1Weight, conv1Bias, bnGamma, bnBeta, conv2Weight, conv2Bias, fcWeight, fcBias: Trainable
    private let runningMean, runningVariance: B.Buffer
    /// In the order of `Self.stateNames`, without BatchNorm's buffers.
    private var trainables: [Trainable] {
        [conv1Weight, conv1Bias, bnGamma, bnBeta, conv2Weight, conv2Bias, fcWeight, fcBias]
    }

    // Activations and their gradients, for `maxBatch` examples.
    private let conv1Out, bnOut, pool1Out, conv2Out, pool2Out, logitsBuffer: B.Buffer
    private let saveMean, saveInvStd: B.Buffer
    private let gradLogits, gradPool2, gradConv2, gradPool1, gradBN, gradConv1: B.Buffer

    /// The `state_dict` names, in PyTorch's order.
    public static var stateNames: [String] {
        ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
         "bn1.num_batches_tracked", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]
    }

    /// Shapes of every tensor of `stateNames` for `config` (`[]`: a scalar).
    public static func stateShapes(config: PaperCNNConfig) -> [(name: String, shape: [Int])] {
        let (f, k) = (config.filters, config.kernel)
        return [("conv1.weight", [f, 1, k, k]), ("conv1.bias", [f]), ("bn1.weight", [f]), ("bn1.bias", [f]),
                ("bn1.running_mean", [f]), ("bn1.running_var", [f]), ("bn1.num_batches_tracked", []),
                ("conv2.weight", [f, f, k, k]), ("conv2.bias", [f]),
                ("fc.weight", [config.classes, config.flattenFeatures]), ("fc.bias", [config.classes])]
    }

    /// Keras' initialisation: Glorot-uniform kernels drawn from `rng` in the order conv1, conv2, fc
    /// (each in PyTorch's layout), zero biases, BatchNorm γ = 1, β = 0, running mean 0, variance 1.
    public static func initialParameters(config: PaperCNNConfig, rng: inout RandomGenerator) throws -> ParameterSet {
        try config.validate()
        let (f, k) = (config.filters, config.kernel)
        let conv1 = Initializers.convWeight(outChannels: f, inChannels: 1, kernel: k, rng: &rng)
        let conv2 = Initializers.convWeight(outChannels: f, inChannels: f, kernel: k, rng: &rng)
        let fc = Initializers.denseWeight(outFeatures: config.classes, inFeatures: config.flattenFeatures, rng: &rng)
        let values: [String: [Float]] = [
            "conv1.weight": conv1, "conv1.bias": Initializers.zeros(f),
            "bn1.weight": Initializers.ones(f), "bn1.bias": Initializers.zeros(f),
            "bn1.running_mean": Initializers.zeros(f), "bn1.running_var": Initializers.ones(f),
            "bn1.num_batches_tracked": [0],
            "conv2.weight": conv2, "conv2.bias": Initializers.zeros(f),
            "fc.weight": fc, "fc.bias": Initializers.zeros(config.classes),
        ]
        return ParameterSet(stateShapes(config: config).map { name, shape in
            NamedTensor(name: name, shape: shape, values: values[name]!,
                        storage: name == "bn1.num_batches_tracked" ? .int64 : .float32)
        })
    }

    /// A network on `backend` holding `parameters` (every name of `stateNames`, shapes per `config`),
    /// with Adam's state from `adamState` or fresh (step 0, zero moments).
    public init(backend: B, config: PaperCNNConfig, parameters: ParameterSet, adamState: AdamState? = nil) throws {
        try config.validate()
        self.backend = backend
        self.config = config
        let shapes = Dictionary(uniqueKeysWithValues: Self.stateShapes(config: config).map { ($0.name, $0.shape) })

        func trainable(_ name: String) throws -> Trainable {
            let shape = shapes[name]!
            let values = try parameters.values(of: name, shape: shape)
            let m = try adamState.map { try $0.m.values(of: name, shape: shape) } ?? Initializers.zeros(values.count)
            let v = try adamState.map { try $0.v.values(of: name, shape: shape) } ?? Initializers.zeros(values.count)
            return Trainable(name: name, shape: shape,
                             value: try backend.makeBuffer(values, label: name),
                             gradient: try backend.makeBuffer(count: values.count, label: "gradient of \(name)"),
                             m: try backend.makeBuffer(m, label: "Adam m of \(name)"),
                             v: try backend.makeBuffer(v, label: "Adam v of \(name)"))
        }
        conv1Weight = try trainable("conv1.weight")
        conv1Bias = try trainable("conv1.bias")
        bnGamma = try trainable("bn1.weight")
        bnBeta = try trainable("bn1.bias")
        conv2Weight = try trainable("conv2.weight")
        conv2Bias = try trainable("conv2.bias")
        fcWeight = try trainable("fc.weight")
        fcBias = try trainable("fc.bias")
        runningMean = try backend.makeBuffer(try parameters.values(of: "bn1.running_mean", shape: [config.filters]),
                                             label: "bn1.running_mean")
        runningVariance = try backend.makeBuffer(try parameters.values(of: "bn1.running_var", shape: [config.filters]),
                                                 label: "bn1.running_var")
        batchesTracked = Int(try parameters.values(of: "bn1.num_batches_tracked", shape: [])[0])
        step = adamState?.step ?? 0

        let n = config.maxBatch
        func activation(_ count: Int, _ label: String) throws -> B.Buffer {
            try backend.makeBuffer(count: count, label: label)
        }
        conv1Out = try activation(config.conv1(batch: n).output.count, "conv1 output")
        bnOut = try activation(config.conv1(batch: n).output.count, "bn1 output")
        pool1Out = try activation(config.pool1(batch: n).output.count, "pool1 output")
        conv2Out = try activation(config.conv2(batch: n).output.count, "conv2 output")
        pool2Out = try activation(config.pool2(batch: n).output.count, "pool2 output")
        logitsBuffer = try activation(n * config.classes, "logits")
        saveMean = try activation(config.filters, "bn1 batch mean")
        saveInvStd = try activation(config.filters, "bn1 batch inverse std")
        gradLogits = try activation(n * config.classes, "gradient of logits")
        gradPool2 = try activation(config.pool2(batch: n).output.count, "gradient of pool2 output")
        gradConv2 = try activation(config.conv2(batch: n).output.count, "gradient of conv2 output")
        gradPool1 = try activation(config.pool1(batch: n).output.count, "gradient of pool1 output")
        gradBN = try activation(config.conv1(batch: n).output.count, "gradient of bn1 output")
        gradConv1 = try activation(config.conv1(batch: n).output.count, "gradient of conv1 output")
    }

    // MARK: Training and evaluation

    /// One training step on `batch` examples: training-mode forward (BatchNorm on batch statistics,
    /// running statistics updated), loss, backward, one Adam step on every trainable tensor.
    ///
    /// `input` holds `batch × 1 × inputHeight × inputWidth` values from element 0, `labels` `batch`
    /// labels (0/1, or class indices). Per-example losses and probabilities go to
    /// `losses[resultOffset + b]` and `probabilities[(resultOffset + b)·classes …]`. Enqueues only.
    public func trainStep(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                          probabilities: B.Buffer, resultOffset: Int) throws {
        try computeGradients(input: input, labels: labels, batch: batch, losses: losses,
                             probabilities: probabilities, resultOffset: resultOffset)
        try applyAdam()
    }

    /// The forward, loss and backward passes of `trainStep`, without the Adam step: afterwards
    /// `gradients()` holds ∂(mean loss)/∂parameter. Updates BatchNorm's running statistics.
    public func computeGradients(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                                 probabilities: B.Buffer, resultOffset: Int) throws {
        try checkBatch(batch)
        try forward(input: input, batch: batch, training: true)
        batchesTracked += 1
        try loss(labels: labels, batch: batch, losses: losses, probabilities: probabilities,
                 resultOffset: resultOffset)
        try backward(input: input, batch: batch)
    }

    /// One Adam step with the current gradients.
    public func applyAdam() throws {
        step += 1
        for t in trainables {
            try backend.adamStep(parameter: t.value, gradient: t.gradient, m: t.m, v: t.v, count: t.count,
                                 step: step, config: config.adam)
        }
    }

    /// Inference: BatchNorm on its running statistics, losses and probabilities as `trainStep` writes
    /// them; no parameter or statistic changes. Enqueues only.
    public func evaluate(input: B.Buffer, labels: B.Buffer, batch: Int, losses: B.Buffer,
                         probabilities: B.Buffer, resultOffset: Int) throws {
        try checkBatch(batch)
        try forward(input: input, batch: batch, training: false)
        try loss(labels: labels, batch: batch, losses: losses, probabilities: probabilities,
                 resultOffset: resultOffset)
    }

    private func checkBatch(_ batch: Int) throws {
        guard batch >= 1, batch <= config.maxBatch else {
            throw PaperCNNError.batchOutOfRange(batch: batch, maxBatch: config.maxBatch)
        }
    }

    private func forward(input: B.Buffer, batch n: Int, training: Bool) throws {
        let conv1 = config.conv1(batch: n), conv2 = config.conv2(batch: n)
        try backend.conv2dForward(input: input, weight: conv1Weight.value, bias: conv1Bias.value,
                                  output: conv1Out, shape: conv1, relu: true)
        if training {
            try backend.batchNormTrainingForward(input: conv1Out, output: bnOut, gamma: bnGamma.value,
                                                 beta: bnBeta.value, runningMean: runningMean,
                                                 runningVariance: runningVariance, saveMean: saveMean,
                                                 saveInvStd: saveInvStd, shape: conv1.output,
                                                 config: config.batchNorm)
        } else {
            try backend.batchNormInferenceForward(input: conv1Out, output: bnOut, gamma: bnGamma.value,
                                                  beta: bnBeta.value, runningMean: runningMean,
                                                  runningVariance: runningVariance, shape: conv1.output,
                                                  config: config.batchNorm)
        }
        try backend.maxPoolForward(input: bnOut, output: pool1Out, shape: config.pool1(batch: n))
        try backend.conv2dForward(input: pool1Out, weight: conv2Weight.value, bias: conv2Bias.value,
                                  output: conv2Out, shape: conv2, relu: true)
        try backend.maxPoolForward(input: conv2Out, output: pool2Out, shape: config.pool2(batch: n))
        try backend.denseForward(input: pool2Out, weight: fcWeight.value, bias: fcBias.value,
                                 output: logitsBuffer, batch: n, inFeatures: config.flattenFeatures,
                                 outFeatures: config.classes)
    }

    private func loss(labels: B.Buffer, batch n: Int, losses: B.Buffer, probabilities: B.Buffer,
                      resultOffset: Int) throws {
        if config.classes == 1 {
            try backend.sigmoidBinaryCrossEntropy(logits: logitsBuffer, labels: labels, batch: n,
                                                  gradLogits: gradLogits, losses: losses,
                                                  probabilities: probabilities, resultOffset: resultOffset)
        } else {
            try backend.softmaxCrossEntropy(logits: logitsBuffer, labels: labels, batch: n,
                                            classes: config.classes, gradLogits: gradLogits, losses: losses,
                                            probabilities: probabilities, resultOffset: resultOffset)
        }
    }

    private func backward(input: B.Buffer, batch n: Int) throws {
        let conv1 = config.conv1(batch: n), conv2 = config.conv2(batch: n)
        try backend.denseBackward(input: pool2Out, weight: fcWeight.value, gradOutput: gradLogits,
                                  gradInput: gradPool2, gradWeight: fcWeight.gradient, gradBias: fcBias.gradient,
                                  batch: n, inFeatures: config.flattenFeatures, outFeatures: config.classes)
        try backend.maxPoolBackward(input: conv2Out, gradOutput: gradPool2, gradInput: gradConv2,
                                    shape: config.pool2(batch: n))
        try backend.reluBackward(output: conv2Out, gradient: gradConv2, count: conv2.output.count)
        try backend.conv2dBackwardWeights(input: pool1Out, gradOutput: gradConv2, gradWeight: conv2Weight.gradient,
                                          gradBias: conv2Bias.gradient, shape: conv2)
        try backend.conv2dBackwardData(gradOutput: gradConv2, weight: conv2Weight.value, gradInput: gradPool1,
                                       shape: conv2)
        try backend.maxPoolBackward(input: bnOut, gradOutput: gradPool1, gradInput: gradBN,
                                    shape: config.pool1(batch: n))
        try backend.batchNormBackward(input: conv1Out, gradOutput: gradBN, gamma: bnGamma.value,
                                      saveMean: saveMean, saveInvStd: saveInvStd, gradInput: gradConv1,
                                      gradGamma: bnGamma.gradient, gradBeta: bnBeta.gradient,
                                      shape: conv1.output)
        try backend.reluBackward(output: conv1Out, gradient: gradConv1, count: conv1.output.count)
        try backend.conv2dBackwardWeights(input: input, gradOutput: gradConv1, gradWeight: conv1Weight.gradient,
                                          gradBias: conv1Bias.gradient, shape: conv1)
    }

    // MARK: Reading state back (waits for queued work)

    /// Every tensor of `stateNames`, copied to the host.
    public func parameters() throws -> ParameterSet {
        var set = ParameterSet()
        for t in trainables.prefix(4) { set.append(try download(t.value, t)) }
        set.append(NamedTensor(name: "bn1.running_mean", shape: [config.filters],
                               values: try backend.read(runningMean, offset: 0, count: config.filters)))
        set.append(NamedTensor(name: "bn1.running_var", shape: [config.filters],
                               values: try backend.read(runningVariance, offset: 0, count: config.filters)))
        set.append(NamedTensor(name: "bn1.num_batches_tracked", shape: [], values: [Float(batchesTracked)],
                               storage: .int64))
        for t in trainables.dropFirst(4) { set.append(try download(t.value, t)) }
        return set
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
        return try backend.read(logitsBuffer, offset: 0, count: batch * config.classes)
    }

    private func download(_ buffer: B.Buffer, _ t: Trainable) throws -> NamedTensor {
        NamedTensor(name: t.name, shape: t.shape, values: try backend.read(buffer, offset: 0, count: t.count))
    }
}
