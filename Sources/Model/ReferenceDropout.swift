/// Inverted dropout on the host, the mask from `DropoutMask` (Philox4x32-10, recomputed per element).
extension ReferenceBackend {
    public func dropoutForward(input: ReferenceBuffer, output: ReferenceBuffer, count: Int, rate: Float,
                               key: DropoutKey) throws {
        require(input, count, op: "dropoutForward", role: "input")
        require(output, count, op: "dropoutForward", role: "output")
        applyDropout(input.base, output.base, count: count, rate: rate, key: key, op: "dropoutForward")
    }

    public func dropoutBackward(gradOutput: ReferenceBuffer, gradInput: ReferenceBuffer, count: Int, rate: Float,
                                key: DropoutKey) throws {
        require(gradOutput, count, op: "dropoutBackward", role: "gradOutput")
        require(gradInput, count, op: "dropoutBackward", role: "gradInput")
        applyDropout(gradOutput.base, gradInput.base, count: count, rate: rate, key: key, op: "dropoutBackward")
    }

    /// `y[i] = keep(i) ? x[i]·scale : 0`, in chunks of elements across cores.
    private func applyDropout(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                              rate: Float, key: DropoutKey, op: String) {
        precondition(rate >= 0 && rate <= 1, "\(op): rate \(rate) is outside [0, 1]")
        precondition(count >= 0 && UInt64(count) <= UInt64(UInt32.max) + 1, "\(op): count \(count) is outside 0…2³²")
        let scale = DropoutMask.scale(rate: rate), chunk = 4096
        parallelFor((count + chunk - 1) / chunk) { part in
            for i in part * chunk..<min(count, (part + 1) * chunk) {
                y[i] = DropoutMask.keep(i, rate: rate, key: key) ? x[i] * scale : 0
            }
        }
    }
}
