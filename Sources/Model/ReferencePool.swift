/// Average pooling over any `PoolShape` on the host: one parallel job per (sample, channel) plane, sums in
/// `Double`.
extension ReferenceBackend {
    public func avgPoolForward(input: ReferenceBuffer, output: ReferenceBuffer, shape: PoolShape) throws {
        let op = "avgPoolForward"
        validate(shape, op: op)
        require(input, shape.input.count, op: op, role: "input")
        require(output, shape.output.count, op: op, role: "output")
        let (inH, inW, outH, outW) = (shape.input.h, shape.input.w, shape.output.h, shape.output.w)
        let (x, y) = (input.base, output.base)
        let area = Double(shape.sizeH * shape.sizeW)
        parallelFor(shape.input.n * shape.input.c) { plane in
            let src = x + plane * inH * inW
            let dst = y + plane * outH * outW
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let window = src + oy * shape.strideH * inW + ox * shape.strideW
                    var sum = 0.0
                    for r in 0..<shape.sizeH { for c in 0..<shape.sizeW { sum += Double(window[r * inW + c]) } }
                    dst[oy * outW + ox] = Float(sum / area)
                }
            }
        }
    }

    public func avgPoolBackward(gradOutput: ReferenceBuffer, gradInput: ReferenceBuffer, shape: PoolShape) throws {
        let op = "avgPoolBackward"
        validate(shape, op: op)
        require(gradOutput, shape.output.count, op: op, role: "gradOutput")
        require(gradInput, shape.input.count, op: op, role: "gradInput")
        let (inH, inW, outH, outW) = (shape.input.h, shape.input.w, shape.output.h, shape.output.w)
        let (dy, dx) = (gradOutput.base, gradInput.base)
        let area = Double(shape.sizeH * shape.sizeW)
        parallelFor(shape.input.n * shape.input.c) { plane in
            let grad = dy + plane * outH * outW
            let dst = dx + plane * inH * inW
            var sums = [Double](repeating: 0, count: inH * inW)
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let corner = oy * shape.strideH * inW + ox * shape.strideW
                    let g = Double(grad[oy * outW + ox])
                    for r in 0..<shape.sizeH { for c in 0..<shape.sizeW { sums[corner + r * inW + c] += g } }
                }
            }
            for i in 0..<inH * inW { dst[i] = Float(sums[i] / area) }
        }
    }
}
