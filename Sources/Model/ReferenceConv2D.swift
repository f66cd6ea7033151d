/// Convolution kh×kw, stride 1, zero padding (see `Conv2DShape`), on the host: one parallel job per output
/// plane, each summing in `Double` in a fixed order. Taps that fall into the padding are skipped (they add 0).
extension ReferenceBackend {
    public func conv2dForward(input: ReferenceBuffer, weight: ReferenceBuffer, bias: ReferenceBuffer,
                              output: ReferenceBuffer, shape: Conv2DShape, relu: Bool) throws {
        let op = "conv2dForward"
        let s = validated(shape, op: op)
        require(input, s.input.count, op: op, role: "input")
        require(weight, s.weightCount, op: op, role: "weight")
        require(bias, s.outChannels, op: op, role: "bias")
        require(output, s.output.count, op: op, role: "output")
        let (inC, inH, inW, kh, kw) = (s.input.c, s.input.h, s.input.w, s.kernelH, s.kernelW)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (top, left) = (s.padding.top, s.padding.left)
        let (x, w, b, y) = (input.base, weight.base, bias.base, output.base)

        parallelFor(s.input.n * outC) { job in
            let (n, oc) = job.quotientAndRemainder(dividingBy: outC)
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: outH * outW)
            defer { acc.deallocate() }
            acc.initialize(repeating: Double(b[oc]), count: outH * outW)
            for ic in 0..<inC {
                let plane = x + (n * inC + ic) * inH * inW
                let kernel = w + (oc * inC + ic) * kh * kw
                for ky in 0..<kh {
                    // Output rows whose input row oy + ky − top lies inside the input.
                    let dy = ky - top, rows = span(-dy, outH, inH - dy)
                    for kx in 0..<kw {
                        let dx = kx - left, columns = span(-dx, outW, inW - dx)
                        let wv = Double(kernel[ky * kw + kx])
                        for oy in rows {
                            let src = plane + (oy + dy) * inW + dx
                            let dst = acc + oy * outW
                            for ox in columns { dst[ox] += wv * Double(src[ox]) }
                        }
                    }
                }
            }
            let out = y + (n * outC + oc) * outH * outW
            for i in 0..<outH * outW {
                let v = Float(acc[i])
                out[i] = relu && v < 0 ? 0 : v
            }
        }
    }

    public func conv2dBackwardData(gradOutput: ReferenceBuffer, weight: ReferenceBuffer,
                                   gradInput: ReferenceBuffer, shape: Conv2DShape) throws {
        let op = "conv2dBackwardData"
        let s = validated(shape, op: op)
        require(gradOutput, s.output.count, op: op, role: "gradOutput")
        require(weight, s.weightCount, op: op, role: "weight")
        require(gradInput, s.input.count, op: op, role: "gradInput")
        let (inC, inH, inW, kh, kw) = (s.input.c, s.input.h, s.input.w, s.kernelH, s.kernelW)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (top, left) = (s.padding.top, s.padding.left)
        let (dy, w, dx) = (gradOutput.base, weight.base, gradInput.base)

        // ∂L/∂x[n,ic,oy+ky−top,ox+kx−left] += w[oc,ic,ky,kx]·∂L/∂y[n,oc,oy,ox] where that lies inside the input,
        // scattered into one input plane.
        parallelFor(s.input.n * inC) { job in
            let (n, ic) = job.quotientAndRemainder(dividingBy: inC)
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: inH * inW)
            defer { acc.deallocate() }
            acc.initialize(repeating: 0, count: inH * inW)
            for oc in 0..<outC {
                let gradPlane = dy + (n * outC + oc) * outH * outW
                let kernel = w + (oc * inC + ic) * kh * kw
                for ky in 0..<kh {
                    let sy = ky - top, rows = span(-sy, outH, inH - sy)
                    for kx in 0..<kw {
                        let sx = kx - left, columns = span(-sx, outW, inW - sx)
                        let wv = Double(kernel[ky * kw + kx])
                        for oy in rows {
                            let src = gradPlane + oy * outW
                            let dst = acc + (oy + sy) * inW + sx
                            for ox in columns { dst[ox] += wv * Double(src[ox]) }
                        }
                    }
                }
            }
            let out = dx + (n * inC + ic) * inH * inW
            for i in 0..<inH * inW { out[i] = Float(acc[i]) }
        }
    }

    public func conv2dBackwardWeights(input: ReferenceBuffer, gradOutput: ReferenceBuffer,
                                      gradWeight: ReferenceBuffer, gradBias: ReferenceBuffer,
                                      shape: Conv2DShape) throws {
        let op = "conv2dBackwardWeights"
        let s = validated(shape, op: op)
        require(input, s.input.count, op: op, role: "input")
        require(gradOutput, s.output.count, op: op, role: "gradOutput")
        require(gradWeight, s.weightCount, op: op, role: "gradWeight")
        require(gradBias, s.outChannels, op: op, role: "gradBias")
        let (batch, inC, inH, inW, kh, kw) = (s.input.n, s.input.c, s.input.h, s.input.w, s.kernelH, s.kernelW)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (top, left) = (s.padding.top, s.padding.left)
        let (x, dy, dw, db) = (input.base, gradOutput.base, gradWeight.base, gradBias.base)
        let taps = kh * kw

        // ∂L/∂w[oc,ic,ky,kx] = Σ_n Σ_oy,ox ∂L/∂y[n,oc,oy,ox]·x[n,ic,oy+ky−top,ox+kx−left] (x zero outside): one job
        // per (oc, ic). Each tap keeps a row of partial sums over ox (element-wise updates the compiler can
        // vectorise, instead of one serial chain per tap), summed in order at the end.
        parallelFor(outC * inC) { job in
            let (oc, ic) = job.quotientAndRemainder(dividingBy: inC)
            let rows = UnsafeMutablePointer<Double>.allocate(capacity: taps * outW)
            let g = UnsafeMutablePointer<Double>.allocate(capacity: outW)
            defer { rows.deallocate(); g.deallocate() }
            rows.initialize(repeating: 0, count: taps * outW)
            for n in 0..<batch {
                let gradPlane = dy + (n * outC + oc) * outH * outW
                let plane = x + (n * inC + ic) * inH * inW
                for oy in 0..<outH {
                    for ox in 0..<outW { g[ox] = Double(gradPlane[oy * outW + ox]) }
                    for ky in 0..<kh {
                        let iy = oy + ky - top
                        if iy < 0 || iy >= inH { continue }
                        let src = plane + iy * inW
                        for kx in 0..<kw {
                            let sx = kx - left, columns = span(-sx, outW, inW - sx)
                            let row = rows + (ky * kw + kx) * outW
                            for ox in columns { row[ox] += g[ox] * Double(src[sx + ox]) }
                        }
                    }
                }
            }
            let out = dw + (oc * inC + ic) * taps
            for tap in 0..<taps {
                let row = rows + tap * outW
                var sum = 0.0
                for ox in 0..<outW { sum += row[ox] }
                out[tap] = Float(sum)
            }
        }
        parallelFor(outC) { oc in
            var sum = 0.0
            for n in 0..<batch {
                let gradPlane = dy + (n * outC + oc) * outH * outW
                for i in 0..<outH * outW { sum += Double(gradPlane[i]) }
            }
            db[oc] = Float(sum)
        }
    }

    public func reluBackward(output: ReferenceBuffer, gradient: ReferenceBuffer, count: Int) throws {
        require(output, count, op: "reluBackward", role: "output")
        require(gradient, count, op: "reluBackward", role: "gradient")
        let (y, g) = (output.base, gradient.base)
        for i in 0..<count where !(y[i] > 0) { g[i] = 0 }
    }

    private func validated(_ shape: Conv2DShape, op: String) -> Conv2DShape {
        requirePositive(shape.input, op: op)
        precondition(shape.kernelH > 0 && shape.kernelW > 0 && shape.outChannels > 0,
                     "\(op): kernel \(shape.kernelH)×\(shape.kernelW) and outChannels \(shape.outChannels) must be positive")
        let p = shape.padding
        precondition(p.top >= 0 && p.left >= 0 && p.bottom >= 0 && p.right >= 0, "\(op): negative padding in \(shape)")
        precondition(shape.output.h > 0 && shape.output.w > 0,
                     "\(op): input \(shape.input) with padding is smaller than the \(shape.kernelH)×\(shape.kernelW) kernel")
        return shape
    }
}

/// max(0, lo) ..< min(end, hi), empty where that is negative.
private func span(_ lo: Int, _ end: Int, _ hi: Int) -> Range<Int> {
    let lower = max(0, lo)
    return lower..<max(lower, min(end, hi))
}
