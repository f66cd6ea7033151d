/// Batch normalisation over channels on the host: one parallel job per channel, statistics in `Double`
/// (two passes: mean, then the sum of squared deviations).
extension ReferenceBackend {
    public func batchNormTrainingForward(input: ReferenceBuffer, output: ReferenceBuffer,
                                         gamma: ReferenceBuffer, beta: ReferenceBuffer,
                                         runningMean: ReferenceBuffer, runningVariance: ReferenceBuffer,
                                         saveMean: ReferenceBuffer, saveInvStd: ReferenceBuffer,
                                         shape: Shape4, config: BatchNormConfig) throws {
        let op = "batchNormTrainingForward"
        requirePositive(shape, op: op)
        require(input, shape.count, op: op, role: "input")
        require(output, shape.count, op: op, role: "output")
        for (buffer, role) in [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"),
                               (runningVariance, "runningVariance"), (saveMean, "saveMean"),
                               (saveInvStd, "saveInvStd")] {
            require(buffer, shape.c, op: op, role: role)
        }
        let (channels, plane) = (shape.c, shape.h * shape.w)
        let m = shape.n * plane
        precondition(!config.unbiasedRunningVariance || m > 1,
                     "\(op): the unbiased running variance needs more than one value per channel (\(shape))")
        let (x, y) = (input.base, output.base)
        let (g, b, rm, rv, sm, si) = (gamma.base, beta.base, runningMean.base, runningVariance.base,
                                      saveMean.base, saveInvStd.base)
        let momentum = Double(config.momentum), epsilon = Double(config.epsilon)

        parallelFor(channels) { c in
            var sum = 0.0
            for n in 0..<shape.n {
                let src = x + (n * channels + c) * plane
                for i in 0..<plane { sum += Double(src[i]) }
            }
            let mean = sum / Double(m)
            var squares = 0.0
            for n in 0..<shape.n {
                let src = x + (n * channels + c) * plane
                for i in 0..<plane {
                    let d = Double(src[i]) - mean
                    squares += d * d
                }
            }
            let variance = squares / Double(m)
            let invStd = 1 / (variance + epsilon).squareRoot()
            let scale = Double(g[c]) * invStd, shift = Double(b[c])
            for n in 0..<shape.n {
                let src = x + (n * channels + c) * plane
                let dst = y + (n * channels + c) * plane
                for i in 0..<plane { dst[i] = Float((Double(src[i]) - mean) * scale + shift) }
            }
            sm[c] = Float(mean)
            si[c] = Float(invStd)
            let runningBatchVariance = config.unbiasedRunningVariance ? squares / Double(m - 1) : variance
            rm[c] = Float(Double(rm[c]) * momentum + mean * (1 - momentum))
            rv[c] = Float(Double(rv[c]) * momentum + runningBatchVariance * (1 - momentum))
        }
    }

    public func batchNormInferenceForward(input: ReferenceBuffer, output: ReferenceBuffer,
                                          gamma: ReferenceBuffer, beta: ReferenceBuffer,
                                          runningMean: ReferenceBuffer, runningVariance: ReferenceBuffer,
                                          shape: Shape4, config: BatchNormConfig) throws {
        let op = "batchNormInferenceForward"
        requirePositive(shape, op: op)
        require(input, shape.count, op: op, role: "input")
        require(output, shape.count, op: op, role: "output")
        for (buffer, role) in [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"),
                               (runningVariance, "runningVariance")] {
            require(buffer, shape.c, op: op, role: role)
        }
        let (channels, plane) = (shape.c, shape.h * shape.w)
        let (x, y, g, b, rm, rv) = (input.base, output.base, gamma.base, beta.base,
                                    runningMean.base, runningVariance.base)
        let epsilon = Double(config.epsilon)
        parallelFor(shape.n * channels) { job in
            let c = job % channels
            let scale = Double(g[c]) / (Double(rv[c]) + epsilon).squareRoot()
            let mean = Double(rm[c]), shift = Double(b[c])
            let src = x + job * plane, dst = y + job * plane
            for i in 0..<plane { dst[i] = Float((Double(src[i]) - mean) * scale + shift) }
        }
    }

    public func batchNormBackward(input: ReferenceBuffer, gradOutput: ReferenceBuffer,
                                  gamma: ReferenceBuffer, saveMean: ReferenceBuffer,
                                  saveInvStd: ReferenceBuffer, gradInput: ReferenceBuffer,
                                  gradGamma: ReferenceBuffer, gradBeta: ReferenceBuffer,
                                  shape: Shape4) throws {
        let op = "batchNormBackward"
        requirePositive(shape, op: op)
        require(input, shape.count, op: op, role: "input")
        require(gradOutput, shape.count, op: op, role: "gradOutput")
        require(gradInput, shape.count, op: op, role: "gradInput")
        for (buffer, role) in [(gamma, "gamma"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd"),
                               (gradGamma, "gradGamma"), (gradBeta, "gradBeta")] {
            require(buffer, shape.c, op: op, role: role)
        }
        let (channels, plane) = (shape.c, shape.h * shape.w)
        let m = Double(shape.n * plane)
        let (x, dy, dx) = (input.base, gradOutput.base, gradInput.base)
        let (g, sm, si, dg, db) = (gamma.base, saveMean.base, saveInvStd.base, gradGamma.base, gradBeta.base)

        // With x̂ = (x − μ)·σ⁻¹: ∂L/∂β = Σ dy, ∂L/∂γ = Σ dy·x̂,
        // ∂L/∂x = γ·σ⁻¹·(dy − ∂L/∂β/m − x̂·∂L/∂γ/m)  (μ and σ depend on x; sums over n, h, w).
        parallelFor(channels) { c in
            let mean = Double(sm[c]), invStd = Double(si[c])
            var sumDy = 0.0, sumDyXhat = 0.0
            for n in 0..<shape.n {
                let src = x + (n * channels + c) * plane, grad = dy + (n * channels + c) * plane
                for i in 0..<plane {
                    let d = Double(grad[i])
                    sumDy += d
                    sumDyXhat += d * (Double(src[i]) - mean) * invStd
                }
            }
            let scale = Double(g[c]) * invStd
            let meanDy = sumDy / m, meanDyXhat = sumDyXhat / m
            for n in 0..<shape.n {
                let src = x + (n * channels + c) * plane, grad = dy + (n * channels + c) * plane
                let dst = dx + (n * channels + c) * plane
                for i in 0..<plane {
                    let xhat = (Double(src[i]) - mean) * invStd
                    dst[i] = Float(scale * (Double(grad[i]) - meanDy - xhat * meanDyXhat))
                }
            }
            dg[c] = Float(sumDyXhat)
            db[c] = Float(sumDy)
        }
    }
}
