/// Convolution k×k, stride 1, valid, on the host: one parallel job per output plane, each summing
/// in `Double` in a fixed order.
extension ReferenceBackend {
    public func conv2dForward(input: ReferenceBuffer, weight: ReferenceBuffer, bias: ReferenceBuffer,
                              output: ReferenceBuffer, shape: Conv2DShape, relu: Bool) throws {
        let op = "conv2dForward"
        let s = validated(shape, op: op)
        require(input, s.input.count, op: op, role: "input")
        require(weight, s.weightCount, op: op, role: "weight")
        require(bias, s.outChannels, op: op, role: "bias")
        require(output, s.output.count, op: op, role: "output")
        let (inC, inH, inW, k) = (s.input.c, s.input.h, s.input.w, s.kernel)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (x, w, b, y) = (input.base, weight.base, bias.base, output.base)

        parallelFor(s.input.n * outC) { job in
            let (n, oc) = job.quotientAndRemainder(dividingBy: outC)
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: outH * outW)
            defer { acc.deallocate() }
            acc.initialize(repeating: Double(b[oc]), count: outH * outW)
            for ic in 0..<inC {
                let plane = x + (n * inC + ic) * inH * inW
                let kernel = w + (oc * inC + ic) * k * k
                for ky in 0..<k {
                    for kx in 0..<k {
                        let wv = Double(kernel[ky * k + kx])
                        for oy in 0..<outH {
                            let src = plane + (oy + ky) * inW + kx
                            let dst = acc + oy * outW
                            for ox in 0..<outW { dst[ox] += wv * Double(src[ox]) }
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
        let (inC, inH, inW, k) = (s.input.c, s.input.h, s.input.w, s.kernel)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (dy, w, dx) = (gradOutput.base, weight.base, gradInput.base)

        // ∂L/∂x[n,ic,oy+ky,ox+kx] += w[oc,ic,ky,kx]·∂L/∂y[n,oc,oy,ox], scattered into one input plane.
        parallelFor(s.input.n * inC) { job in
            let (n, ic) = job.quotientAndRemainder(dividingBy: inC)
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: inH * inW)
            defer { acc.deallocate() }
            acc.initialize(repeating: 0, count: inH * inW)
            for oc in 0..<outC {
                let gradPlane = dy + (n * outC + oc) * outH * outW
                let kernel = w + (oc * inC + ic) * k * k
                for ky in 0..<k {
                    for kx in 0..<k {
                        let wv = Double(kernel[ky * k + kx])
                        for oy in 0..<outH {
                            let src = gradPlane + oy * outW
                            let dst = acc + (oy + ky) * inW + kx
                            for ox in 0..<outW { dst[ox] += wv * Double(src[ox]) }
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
        let (batch, inC, inH, inW, k) = (s.input.n, s.input.c, s.input.h, s.input.w, s.kernel)
        let (outC, outH, outW) = (s.outChannels, s.output.h, s.output.w)
        let (x, dy, dw, db) = (input.base, gradOutput.base, gradWeight.base, gradBias.base)

        // ∂L/∂w[oc,ic,ky,kx] = Σ_n Σ_oy,ox ∂L/∂y[n,oc,oy,ox]·x[n,ic,oy+ky,ox+kx]: one job per (oc, ic). Each tap
        // keeps a row of partial sums over ox (element-wise updates the compiler can vectorise, instead of one
        // serial chain per tap), summed in order at the end.
        parallelFor(outC * inC) { job in
            let (oc, ic) = job.quotientAndRemainder(dividingBy: inC)
            let rows = UnsafeMutablePointer<Double>.allocate(capacity: k * k * outW)
            let g = UnsafeMutablePointer<Double>.allocate(capacity: outW)
            defer { rows.deallocate(); g.deallocate() }
            rows.initialize(repeating: 0, count: k * k * outW)
            for n in 0..<batch {
                let gradPlane = dy + (n * outC + oc) * outH * outW
                let plane = x + (n * inC + ic) * inH * inW
                for oy in 0..<outH {
                    for ox in 0..<outW { g[ox] = Double(gradPlane[oy * outW + ox]) }
                    for ky in 0..<k {
                        let src = plane + (oy + ky) * inW
                        for kx in 0..<k {
                            let row = rows + (ky * k + kx) * outW
                            for ox in 0..<outW { row[ox] += g[ox] * Double(src[kx + ox]) }
                        }
                    }
                }
            }
            let out = dw + (oc * inC + ic) * k * k
            for tap in 0..<k * k {
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
        precondition(shape.kernel > 0 && shape.outChannels > 0,
                     "\(op): kernel \(shape.kernel) and outChannels \(shape.outChannels) must be positive")
        precondition(shape.output.h > 0 && shape.output.w > 0,
                     "\(op): input \(shape.input) is smaller than the \(shape.kernel)×\(shape.kernel) kernel")
        return shape
    }
}
