/// `relu`: a standalone ReLU (for conv → batchnorm → relu orders).
final class ReLULayer<B: Backend>: Layer<B> {
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
