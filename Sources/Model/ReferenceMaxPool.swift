/// Max pooling 2×2, stride 2, on the host: one parallel job per (sample, channel) plane.
extension ReferenceBackend {
    public func maxPoolForward(input: ReferenceBuffer, output: ReferenceBuffer, shape: PoolShape) throws {
        let op = "maxPoolForward"
        validate(shape, op: op)
        require(input, shape.input.count, op: op, role: "input")
        require(output, shape.output.count, op: op, role: "output")
        let (inH, inW, outH, outW) = (shape.input.h, shape.input.w, shape.output.h, shape.output.w)
        let (x, y) = (input.base, output.base)
        parallelFor(shape.input.n * shape.input.c) { plane in
            let src = x + plane * inH * inW
            let dst = y + plane * outH * outW
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let window = src + 2 * oy * inW + 2 * ox
                    let offset = Self.firstMaximum(window, rowStride: inW)
                    dst[oy * outW + ox] = window[offset]
                }
            }
        }
    }

    public func maxPoolBackward(input: ReferenceBuffer, gradOutput: ReferenceBuffer,
                                gradInput: ReferenceBuffer, shape: PoolShape) throws {
        let op = "maxPoolBackward"
        validate(shape, op: op)
        require(input, shape.input.count, op: op, role: "input")
        require(gradOutput, shape.output.count, op: op, role: "gradOutput")
        require(gradInput, shape.input.count, op: op, role: "gradInput")
        let (inH, inW, outH, outW) = (shape.input.h, shape.input.w, shape.output.h, shape.output.w)
        let (x, dy, dx) = (input.base, gradOutput.base, gradInput.base)
        parallelFor(shape.input.n * shape.input.c) { plane in
            let src = x + plane * inH * inW
            let grad = dy + plane * outH * outW
            let dst = dx + plane * inH * inW
            dst.update(repeating: 0, count: inH * inW)
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let corner = 2 * oy * inW + 2 * ox
                    dst[corner + Self.firstMaximum(src + corner, rowStride: inW)] = grad[oy * outW + ox]
                }
            }
        }
    }

    /// Offset (from `window`) of the first maximum of a 2×2 window scanned row-major, as PyTorch: a
    /// later element wins only if strictly greater, or if it is NaN (NaN propagates).
    @inline(__always)
    static func firstMaximum(_ window: UnsafeMutablePointer<Float>, rowStride: Int) -> Int {
        var best = 0
        if window[1] > window[best] || window[1].isNaN { best = 1 }
        if window[rowStride] > window[best] || window[rowStride].isNaN { best = rowStride }
        if window[rowStride + 1] > window[best] || window[rowStride + 1].isNaN { best = rowStride + 1 }
        return best
    }

    private func validate(_ shape: PoolShape, op: String) {
        requirePositive(shape.input, op: op)
        precondition(shape.output.h > 0 && shape.output.w > 0,
                     "\(op): input \(shape.input) is smaller than the 2×2 window")
    }
}
