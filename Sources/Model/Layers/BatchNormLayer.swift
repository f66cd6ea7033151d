/// `batchnorm`: per channel on feature maps, per feature on vectors; batch statistics while training
/// (running statistics updated, Keras' momentum), running statistics at inference.
final class BatchNormLayer<B: Backend>: Layer<B> {
    let spec: BatchNormLayerSpec
    let config: BatchNormConfig
    private let runningMean: B.Buffer, runningVariance: B.Buffer
    private let saveMean: B.Buffer, saveInvStd: B.Buffer
    /// Synchronised batch norm: the global batch variance, and the per-channel scale and shift of ∂L/∂x's correction.
    private var synchronized: (variance: B.Buffer, scale: B.Buffer, shift: B.Buffer)?
    /// The replica step of the last training pass, and its global σ⁻¹ per channel (for the backward pass).
    private var lastReplicas: (step: ReplicaStep, invStd: [Double])?
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
        lastReplicas = nil
        let shape = resolved.input.batch(pass.batch)
        if let momentum = pass.statisticsMomentum {
            var accumulating = config
            accumulating.momentum = momentum
            try backend.batchNormTrainingForward(input: input, output: output, gamma: trainables[0].value,
                                                 beta: trainables[1].value, runningMean: runningMean,
                                                 runningVariance: runningVariance, saveMean: saveMean,
                                                 saveInvStd: saveInvStd, shape: shape, config: accumulating)
        } else if pass.training, let replicas = pass.replicas {
            try synchronizedForward(input, shape: shape, replicas)
            batchesTracked += 1
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
        if let (step, invStd) = lastReplicas {
            return try synchronizedBackward(gradOutput, step: step, invStd: invStd, needInput: needInput)
        }
        let target = gradInput!
        try backend.batchNormBackward(input: input(), gradOutput: gradOutput, gamma: trainables[0].value,
                                      saveMean: saveMean, saveInvStd: saveInvStd, gradInput: target,
                                      gradGamma: trainables[0].gradient, gradBeta: trainables[1].gradient,
                                      shape: resolved.input.batch(batch))
        return needInput ? target : nil
    }

    // MARK: Synchronised batch norm (data-parallel training)

    /// A training forward pass on this replica's share of a global batch (possibly empty) that normalises
    /// with the global batch's statistics: each replica's per-channel mean and variance are reduced over the
    /// replicas (as count-weighted first and second moments, in `Double`), running statistics are updated
    /// with the global ones exactly as one process would, and the share is normalised with them.
    private func synchronizedForward(_ input: B.Buffer, shape: Shape4, _ replicas: ReplicaStep) throws {
        let channels = shape.c, plane = shape.h * shape.w
        let buffers = try synchronizedBuffers(channels)
        let epsilon = Double(config.epsilon)
        let localCount = Double(replicas.localRows * plane), globalCount = Double(replicas.globalRows * plane)
        var moments = [Double](repeating: 0, count: 2 * channels)
        if replicas.localRows > 0 {
            var local = config
            local.momentum = 1
            local.unbiasedRunningVariance = false
            try backend.batchNormTrainingForward(input: input, output: output, gamma: trainables[0].value, beta: trainables[1].value,
                                                 runningMean: runningMean, runningVariance: runningVariance, saveMean: saveMean,
                                                 saveInvStd: saveInvStd, shape: shape, config: local)
            let mean = try backend.read(saveMean, offset: 0, count: channels)
            let invStd = try backend.read(saveInvStd, offset: 0, count: channels)
            for c in 0..<channels {
                let mu = Double(mean[c]), s = Double(invStd[c])
                moments[c] = localCount * mu
                moments[channels + c] = localCount * (max(0, 1 / (s * s) - epsilon) + mu * mu)
            }
        }
        try replicas.group.sum(&moments)
        var mean = [Double](repeating: 0, count: channels), variance = mean, invStd = mean
        for c in 0..<channels {
            mean[c] = moments[c] / globalCount
            variance[c] = max(0, moments[channels + c] / globalCount - mean[c] * mean[c])
            invStd[c] = 1 / (variance[c] + epsilon).squareRoot()
        }
        let momentum = Double(config.momentum)
        let runningBatchVariance = config.unbiasedRunningVariance && globalCount > 1
            ? variance.map { $0 * globalCount / (globalCount - 1) } : variance
        let oldMean = try backend.read(runningMean, offset: 0, count: channels)
        let oldVariance = try backend.read(runningVariance, offset: 0, count: channels)
        try backend.write((0..<channels).map { Float(Double(oldMean[$0]) * momentum + mean[$0] * (1 - momentum)) },
                          to: runningMean, offset: 0)
        try backend.write((0..<channels).map { Float(Double(oldVariance[$0]) * momentum + runningBatchVariance[$0] * (1 - momentum)) },
                          to: runningVariance, offset: 0)
        try backend.write(mean.map(Float.init), to: saveMean, offset: 0)
        try backend.write(invStd.map(Float.init), to: saveInvStd, offset: 0)
        try backend.write(variance.map(Float.init), to: buffers.variance, offset: 0)
        if replicas.localRows > 0 {
            try backend.batchNormInferenceForward(input: input, output: output, gamma: trainables[0].value, beta: trainables[1].value,
                                                  runningMean: saveMean, runningVariance: buffers.variance, shape: shape, config: config)
        }
        lastReplicas = (replicas, invStd)
    }

    /// The backward pass of `synchronizedForward`. The local op gives ∂L/∂γ = Σ dy·x̂ and ∂L/∂β = Σ dy over
    /// the share (reduced with the other gradients later) and ∂L/∂x as if the share were the batch; ∂L/∂x
    /// needs the global sums instead, which differ by a per-channel affine function of x̂ that is added:
    /// γ·σ⁻¹/m·((S₁ − S₁ᵍ) + x̂·(S₂ − S₂ᵍ)), with Sᵍ the replicas' sums weighted by their share of the batch.
    private func synchronizedBackward(_ gradOutput: B.Buffer, step: ReplicaStep, invStd: [Double],
                                      needInput: Bool) throws -> B.Buffer? {
        lastReplicas = nil
        let target = gradInput!
        let shape = resolved.input.batch(max(1, step.localRows))
        let channels = shape.c, plane = shape.h * shape.w
        if step.localRows > 0 {
            try backend.batchNormBackward(input: input(), gradOutput: gradOutput, gamma: trainables[0].value,
                                          saveMean: saveMean, saveInvStd: saveInvStd, gradInput: target,
                                          gradGamma: trainables[0].gradient, gradBeta: trainables[1].gradient, shape: shape)
        }
        guard needInput else { return nil }
        var sums = [Double](repeating: 0, count: 2 * channels), local = sums
        if step.localRows > 0 {
            let dBeta = try backend.read(trainables[1].gradient, offset: 0, count: channels)
            let dGamma = try backend.read(trainables[0].gradient, offset: 0, count: channels)
            for c in 0..<channels {
                local[c] = Double(dBeta[c]); local[channels + c] = Double(dGamma[c])
                sums[c] = step.weight * local[c]; sums[channels + c] = step.weight * local[channels + c]
            }
        }
        try step.group.sum(&sums)
        guard step.localRows > 0 else { return target }
        let buffers = try synchronizedBuffers(channels)
        let gamma = try backend.read(trainables[0].value, offset: 0, count: channels)
        let count = Double(step.localRows * plane)
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            let k = Double(gamma[c]) * invStd[c] / count
            shift[c] = Float(k * (local[c] - sums[c]))
            scale[c] = Float(k * (local[channels + c] - sums[channels + c]))
        }
        try backend.write(scale, to: buffers.scale, offset: 0)
        try backend.write(shift, to: buffers.shift, offset: 0)
        // The output buffer is free here: the layers after this one have finished their backward passes.
        try backend.batchNormInferenceForward(input: input(), output: output, gamma: buffers.scale, beta: buffers.shift,
                                              runningMean: saveMean, runningVariance: buffers.variance, shape: shape, config: config)
        try backend.addInPlace(output, to: target, count: shape.count)
        return target
    }

    private func synchronizedBuffers(_ channels: Int) throws -> (variance: B.Buffer, scale: B.Buffer, shift: B.Buffer) {
        if let synchronized { return synchronized }
        let made = (try backend.makeBuffer(count: channels, label: "\(layerLabel) global batch variance"),
                    try backend.makeBuffer(count: channels, label: "\(layerLabel) synchronised gradient scale"),
                    try backend.makeBuffer(count: channels, label: "\(layerLabel) synchronised gradient shift"))
        synchronized = made
        return made
    }

    override func state() throws -> [NamedTensor] {
        let t = resolved.tensors
        return [try download(trainables[0].value, t[0]), try download(trainables[1].value, t[1]),
                try download(runningMean, t[2]), try download(runningVariance, t[3]),
                NamedTensor(name: t[4].name, shape: [], values: [Float(batchesTracked)], storage: .int64)]
    }
}
