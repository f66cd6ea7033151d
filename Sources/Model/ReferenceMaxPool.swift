/// Max pooling over any `PoolShape` on the host: one parallel job per (sample, channel) plane.
extension ReferenceBackend {
    public func maxPoolForward(input: ReferenceBuffer, output: ReferenceBuffer, shape: PoolShape) throws {
        let op = "maxPoolForward"
        validate(shape, op: op)
        require(input, shape.input.count, op: op, role: "input")
        require(output, shape.output.count, op: op, role: "output")
        let (inH, inW, outH, outW) = (shape.input.h, shape.input.w, shape.output.h, shape.output.w)
        let (x, y) = (input.base, output.base)
        let twoByTwo = shape.isTwoByTwoStrideTwo
        parallelFor(shape.input.n * shape.input.c) { plane in
            let src = x + plane * inH * inW
            let dst = y + plane * outH * outW
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let window = src + oy * shape.strideH * inW + ox * shape.strideW
                    let offset = twoByTwo ? Self.firstMaximum(window, rowStride: inW)
                        : Self.firstMaximum(window, rowStride: inW, sizeH: shape.sizeH, sizeW: shape.sizeW)
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
        let twoByTwo = shape.isTwoByTwoStrideTwo, overlap = shape.windowsOverlap
        parallelFor(shape.input.n * shape.input.c) { plane in
            let src = x + plane * inH * inW
            let grad = dy + plane * outH * outW
            let dst = dx + plane * inH * inW
            // Overlapping windows may route several gradients to one input: summed in Double, rounded once.
            var sums = overlap ? [Double](repeating: 0, count: inH * inW) : []
            dst.update(repeating: 0, count: inH * inW)
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let corner = oy * shape.strideH * inW + ox * shape.strideW
                    let offset = twoByTwo ? Self.firstMaximum(src + corner, rowStride: inW)
                        : Self.firstMaximum(src + corner, rowStride: inW, sizeH: shape.sizeH, sizeW: shape.sizeW)
                    if overlap {
                        sums[corner + offset] += Double(grad[oy * outW + ox])
                    } else {
                        dst[corner + offset] = grad[oy * outW + ox]
                    }
                }
            }
            if overlap { for i in 0..<inH * inW { dst[i] = Float(sums[i]) } }
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

    /// The same rule over a `sizeH×sizeW` window.
    @inline(__always)
    static func firstMaximum(_ window: UnsafeMutablePointer<Float>, rowStride: Int, sizeH: Int, sizeW: Int) -> Int {
        var best = 0
        for r in 0..<sizeH {
            for c in 0..<sizeW {
                let at = r * rowStride + c
                if window[at] > window[best] || window[at].isNaN { best = at }
            }
        }
        return best
    }

    func validate(_ shape: PoolShape, op: String) {
        requirePositive(shape.input, op: op)
        precondition(shape.sizeH > 0 && shape.sizeW > 0 && shape.strideH > 0 && shape.strideW > 0,
                     "\(op): window \(shape.sizeH)×\(shape.sizeW) and strides \(shape.strideH)×\(shape.strideW) "
                     + "must be positive")
        precondition(shape.output.h > 0 && shape.output.w > 0,
                     "\(op): input \(shape.input) is smaller than the \(shape.sizeH)×\(shape.sizeW) window")
    }
}
