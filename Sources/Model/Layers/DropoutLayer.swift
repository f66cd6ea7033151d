/// `dropout`: inverted dropout while training, the identity at inference. Masks are Philox draws keyed by
/// the run's seed, the layer's index and the Adam step, so both backends and a resumed run draw the same.
final class DropoutLayer<B: Backend>: Layer<B> {
    let rate: Float
    private var lastKey: DropoutKey?

    init(backend: B, resolved: ResolvedLayer, rate: Float, maxBatch: Int, needsInputGradient: Bool) throws {
        self.rate = rate
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch, needsInputGradient: needsInputGradient)
    }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        guard pass.training else { return input }
        let key = DropoutKey(seed: pass.seed, layer: UInt32(resolved.index), step: UInt64(pass.step))
        lastKey = key
        try backend.dropoutForward(input: input, output: output, count: pass.batch * resolved.output.count,
                                   rate: rate, key: key)
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        guard needInput, let gradInput else { return nil }
        guard let lastKey else { preconditionFailure("dropout layer \(resolved.index + 1): backward before a training forward") }
        try backend.dropoutBackward(gradOutput: gradOutput, gradInput: gradInput, count: batch * resolved.output.count,
                                    rate: rate, key: lastKey)
        return gradInput
    }
}
