/// Fully connected layer on the host, weight `out×in` (PyTorch's layout), sums in `Double`.
extension ReferenceBackend {
    /// Features per parallel job of the weight gradient, so that a one-output layer still uses every core.
    private static let featureChunk = 4096

    public func denseForward(input: ReferenceBuffer, weight: ReferenceBuffer, bias: ReferenceBuffer,
                             output: ReferenceBuffer, batch: Int, inFeatures: Int, outFeatures: Int) throws {
        let op = "denseForward"
        validate(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, op: op)
        require(input, batch * inFeatures, op: op, role: "input")
        require(weight, outFeatures * inFeatures, op: op, role: "weight")
        require(bias, outFeatures, op: op, role: "bias")
        require(output, batch * outFeatures, op: op, role: "output")
        let (x, w, b, y) = (input.base, weight.base, bias.base, output.base)
        parallelFor(batch * outFeatures) { job in
            let (n, o) = job.quotientAndRemainder(dividingBy: outFeatures)
            let row = x + n * inFeatures, weights = w + o * inFeatures
            var sum = Double(b[o])
            for i in 0..<inFeatures { sum += Double(row[i]) * Double(weights[i]) }
            y[job] = Float(sum)
        }
    }

    public func denseBackward(input: ReferenceBuffer, weight: ReferenceBuffer, gradOutput: ReferenceBuffer,
                              gradInput: ReferenceBuffer?, gradWeight: ReferenceBuffer,
                              gradBias: ReferenceBuffer, batch: Int, inFeatures: Int,
                              outFeatures: Int) throws {
        let op = "denseBackward"
        validate(batch: batch, inFeatures: inFeatures, outFeatures: outFeatures, op: op)
        require(input, batch * inFeatures, op: op, role: "input")
        require(weight, outFeatures * inFeatures, op: op, role: "weight")
        require(gradOutput, batch * outFeatures, op: op, role: "gradOutput")
        require(gradWeight, outFeatures * inFeatures, op: op, role: "gradWeight")
        require(gradBias, outFeatures, op: op, role: "gradBias")
        let (x, w, dy, dw, db) = (input.base, weight.base, gradOutput.base, gradWeight.base, gradBias.base)

        // ∂L/∂x[n, i] = Σ_o ∂L/∂y[n, o]·w[o, i]
        if let gradInput {
            require(gradInput, batch * inFeatures, op: op, role: "gradInput")
            let dx = gradInput.base
            parallelFor(batch) { n in
                let acc = UnsafeMutablePointer<Double>.allocate(capacity: inFeatures)
                defer { acc.deallocate() }
                acc.initialize(repeating: 0, count: inFeatures)
                for o in 0..<outFeatures {
                    let g = Double(dy[n * outFeatures + o]), weights = w + o * inFeatures
                    for i in 0..<inFeatures { acc[i] += g * Double(weights[i]) }
                }
                let dst = dx + n * inFeatures
                for i in 0..<inFeatures { dst[i] = Float(acc[i]) }
            }
        }

        // ∂L/∂w[o, i] = Σ_n ∂L/∂y[n, o]·x[n, i], in chunks of features.
        let chunks = (inFeatures + Self.featureChunk - 1) / Self.featureChunk
        parallelFor(outFeatures * chunks) { job in
            let (o, chunk) = job.quotientAndRemainder(dividingBy: chunks)
            let start = chunk * Self.featureChunk
            let length = Swift.min(Self.featureChunk, inFeatures - start)
            let acc = UnsafeMutablePointer<Double>.allocate(capacity: length)
            defer { acc.deallocate() }
            acc.initialize(repeating: 0, count: length)
            for n in 0..<batch {
                let g = Double(dy[n * outFeatures + o]), row = x + n * inFeatures + start
                for i in 0..<length { acc[i] += g * Double(row[i]) }
            }
            let dst = dw + o * inFeatures + start
            for i in 0..<length { dst[i] = Float(acc[i]) }
        }

        // ∂L/∂b[o] = Σ_n ∂L/∂y[n, o]
        for o in 0..<outFeatures {
            var sum = 0.0
            for n in 0..<batch { sum += Double(dy[n * outFeatures + o]) }
            db[o] = Float(sum)
        }
    }

    private func validate(batch: Int, inFeatures: Int, outFeatures: Int, op: String) {
        precondition(batch > 0 && inFeatures > 0 && outFeatures > 0,
                     "\(op): batch \(batch), inFeatures \(inFeatures), outFeatures \(outFeatures) must be positive")
    }
}
