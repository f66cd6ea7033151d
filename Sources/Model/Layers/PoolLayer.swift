/// `maxpool`, `avgpool` (any window and stride, floor) and `globalmaxpool`, `globalavgpool` (one window
/// over each whole plane: [N, C, H, W] → [N, C]).
final class PoolLayer<B: Backend>: Layer<B> {
    enum Kind { case max, average }
    let kind: Kind
    /// nil: global pooling.
    let window: PoolWindow?

    init(backend: B, resolved: ResolvedLayer, kind: Kind, window: PoolWindow?, maxBatch: Int,
         needsInputGradient: Bool) throws {
        self.kind = kind; self.window = window
        try super.init(backend: backend, resolved: resolved, maxBatch: maxBatch, needsInputGradient: needsInputGradient)
    }

    func shape(batch n: Int) -> PoolShape {
        window?.shape(input: resolved.input.batch(n)) ?? .global(input: resolved.input.batch(n))
    }

    override func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer {
        lastInput = input
        let s = shape(batch: pass.batch)
        switch kind {
        case .max: try backend.maxPoolForward(input: input, output: output, shape: s)
        case .average: try backend.avgPoolForward(input: input, output: output, shape: s)
        }
        return output
    }

    override func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        guard needInput, let gradInput else { return nil }
        let s = shape(batch: batch)
        switch kind {
        case .max: try backend.maxPoolBackward(input: input(), gradOutput: gradOutput, gradInput: gradInput, shape: s)
        case .average: try backend.avgPoolBackward(gradOutput: gradOutput, gradInput: gradInput, shape: s)
        }
        return gradInput
    }
}
