/// `relu`: a standalone ReLU (for conv → batchnorm → relu orders).
final class ReLULayer<B: Backend>: Layer<B> {
    let output: B.Buffer

    override init(backend: B, resolved: ResolvedLayer, maxBatch: Int) throws {
        output = try backend.makeBuffer(count: maxBatch * resolved.output.count, label: "layer \(resolved.index + 1) (relu) output")
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch)
    }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        try backend.reluForward(input: input, output: output, count: pass.batch * resolved.output.count)
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        guard needInput else { return nil }
        try backend.reluBackward(output: output, gradient: gradOutput, count: batch * resolved.output.count)
        return gradOutput
    }
}
