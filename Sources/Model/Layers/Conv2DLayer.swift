/// `conv2d`: kh×kw convolution, stride 1, valid or "same" zero padding, bias, optional fused ReLU.
final class Conv2DLayer<B: Backend>: Layer<B> {
    let spec: Conv2DLayerSpec

    init(backend: B, resolved: ResolvedLayer, spec: Conv2DLayerSpec, maxBatch: Int,
         parameters: ParameterSet, adam: AdamState?, needsInputGradient: Bool) throws {
        self.spec = spec
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch, needsInputGradient: needsInputGradient,
                       parameters: parameters, adam: adam)
    }

    func shape(batch n: Int) -> Conv2DShape { spec.shape(input: resolved.input.batch(n)) }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        lastInput = input
        try backend.conv2dForward(input: input, weight: trainables[0].value, bias: trainables[1].value,
                                  output: output, shape: shape(batch: pass.batch), relu: spec.relu)
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        let s = shape(batch: batch)
        if spec.relu { try backend.reluBackward(output: output, gradient: gradOutput, count: s.output.count) }
        try backend.conv2dBackwardWeights(input: input(), gradOutput: gradOutput, gradWeight: trainables[0].gradient,
                                          gradBias: trainables[1].gradient, shape: s)
        guard needInput, let gradInput else { return nil }
        try backend.conv2dBackwardData(gradOutput: gradOutput, weight: trainables[0].value, gradInput: gradInput, shape: s)
        return gradInput
    }
}
