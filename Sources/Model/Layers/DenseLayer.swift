/// `dense`: `output = input·Wᵀ + b` over the flattened (C, H, W) input, optional ReLU. The head (the last
/// layer) has the task's outputs and no activation.
final class DenseLayer<B: Backend>: Layer<B> {
    let spec: DenseLayerSpec

    init(backend: B, resolved: ResolvedLayer, spec: DenseLayerSpec, maxBatch: Int,
         parameters: ParameterSet, adam: AdamState?, needsInputGradient: Bool) throws {
        self.spec = spec
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch, needsInputGradient: needsInputGradient,
                       parameters: parameters, adam: adam)
    }

    private var inFeatures: Int { resolved.input.count }
    private var outFeatures: Int { resolved.output.count }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        lastInput = input
        try backend.denseForward(input: input, weight: trainables[0].value, bias: trainables[1].value, output: output,
                                 batch: pass.batch, inFeatures: inFeatures, outFeatures: outFeatures)
        if spec.relu { try backend.reluForward(input: output, output: output, count: pass.batch * outFeatures) }
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        if spec.relu { try backend.reluBackward(output: output, gradient: gradOutput, count: batch * outFeatures) }
        let target = needInput ? gradInput : nil
        try backend.denseBackward(input: input(), weight: trainables[0].value, gradOutput: gradOutput,
                                  gradInput: target, gradWeight: trainables[0].gradient,
                                  gradBias: trainables[1].gradient, batch: batch,
                                  inFeatures: inFeatures, outFeatures: outFeatures)
        return target
    }
}
