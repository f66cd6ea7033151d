/// `batchnorm`: per channel on feature maps, per feature on vectors; batch statistics while training
/// (running statistics updated, Keras' momentum), running statistics at inference.
final class BatchNormLayer<B: Backend>: Layer<B> {
    let spec: BatchNormLayerSpec
    let config: BatchNormConfig
    private let runningMean: B.Buffer, runningVariance: B.Buffer
    private let saveMean: B.Buffer, saveInvStd: B.Buffer
    /// Training-mode forward passes (PyTorch's `num_batches_tracked`).
    private(set) var batchesTracked: Int

    init(backend: B, resolved: ResolvedLayer, spec: BatchNormLayerSpec, unbiasedRunningVariance: Bool, maxBatch: Int,
         parameters: ParameterSet, adam: AdamState?) throws {
        self.spec = spec
        config = BatchNormConfig(momentum: spec.momentum, epsilon: spec.epsilon,
                                 unbiasedRunningVariance: unbiasedRunningVariance)
        let t = resolved.tensors, c = t[0].count
        runningMean = try backend.makeBuffer(try parameters.values(of: t[2].name, shape: t[2].shape), label: t[2].name)
        runningVariance = try backend.makeBuffer(try parameters.values(of: t[3].name, shape: t[3].shape), label: t[3].name)
        batchesTracked = Int(try parameters.values(of: t[4].name, shape: [])[0])
        saveMean = try backend.makeBuffer(count: c, label: "\(spec.name) batch mean")
        saveInvStd = try backend.makeBuffer(count: c, label: "\(spec.name) batch inverse std")
        // The backward op always writes ∂L/∂input, so even a first layer, which needs none, has the buffer.
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch, needsInputGradient: true,
                       parameters: parameters, adam: adam, trainableCount: 2)
    }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        lastInput = input
        let shape = resolved.input.batch(pass.batch)
        if let momentum = pass.statisticsMomentum {
            var accumulating = config
            accumulating.momentum = momentum
            try backend.batchNormTrainingForward(input: input, output: output, gamma: trainables[0].value,
                                                 beta: trainables[1].value, runningMean: runningMean,
                                                 runningVariance: runningVariance, saveMean: saveMean,
                                                 saveInvStd: saveInvStd, shape: shape, config: accumulating)
        } else if pass.training {
            try backend.batchNormTrainingForward(input: input, output: output, gamma: trainables[0].value,
                                                 beta: trainables[1].value, runningMean: runningMean,
                                                 runningVariance: runningVariance, saveMean: saveMean,
                                                 saveInvStd: saveInvStd, shape: shape, config: config)
            batchesTracked += 1
        } else {
            try backend.batchNormInferenceForward(input: input, output: output, gamma: trainables[0].value,
                                                  beta: trainables[1].value, runningMean: runningMean,
                                                  runningVariance: runningVariance, shape: shape, config: config)
        }
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        let target = gradInput!
        try backend.batchNormBackward(input: input(), gradOutput: gradOutput, gamma: trainables[0].value,
                                      saveMean: saveMean, saveInvStd: saveInvStd, gradInput: target,
                                      gradGamma: trainables[0].gradient, gradBeta: trainables[1].gradient,
                                      shape: resolved.input.batch(batch))
        return needInput ? target : nil
    }

    override func state() throws -> [NamedTensor] {
        let t = resolved.tensors
        return [try download(trainables[0].value, t[0]), try download(trainables[1].value, t[1]),
                try download(runningMean, t[2]), try download(runningVariance, t[3]),
                NamedTensor(name: t[4].name, shape: [], values: [Float(batchesTracked)], storage: .int64)]
    }
}
