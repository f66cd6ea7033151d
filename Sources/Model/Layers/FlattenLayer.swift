/// `flatten`: [N, C, H, W] → [N, C·H·W] in (C, H, W) order, which NCHW storage already is: no work.
final class FlattenLayer<B: Backend>: Layer<B> {
    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer { input }
    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        needInput ? gradOutput : nil
    }
}
