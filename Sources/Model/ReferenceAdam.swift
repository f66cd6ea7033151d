import Foundation

/// Adam on the host, element by element in `Double`.
extension ReferenceBackend {
    /// Elements per parallel job.
    private static let adamChunk = 1 << 16

    public func adamStep(parameter: ReferenceBuffer, gradient: ReferenceBuffer, m: ReferenceBuffer,
                         v: ReferenceBuffer, count: Int, step: Int, config: AdamConfig) throws {
        adamUpdate(op: "adamStep", parameter: parameter, gradient: gradient, m: m, v: v, count: count, step: step,
                   config: config, decay: nil)
    }

    /// Adam's moment and parameter update; with `decay` (AdamW's 1 − lr·λ) the parameter is first scaled by it.
    func adamUpdate(op: String, parameter: ReferenceBuffer, gradient: ReferenceBuffer, m: ReferenceBuffer,
                    v: ReferenceBuffer, count: Int, step: Int, config: AdamConfig, decay: Double?) {
        precondition(step >= 1, "\(op): step \(step) must count from 1")
        precondition(count >= 0, "\(op): negative count \(count)")
        require(parameter, count, op: op, role: "parameter")
        require(gradient, count, op: op, role: "gradient")
        require(m, count, op: op, role: "m")
        require(v, count, op: op, role: "v")
        let beta1 = Double(config.beta1), beta2 = Double(config.beta2)
        let lr = Double(config.learningRate), epsilon = Double(config.epsilon)
        let correction1 = 1 - pow(beta1, Double(step))
        let correction2Root = (1 - pow(beta2, Double(step))).squareRoot()
        let placement = config.placement
        let (w, g, mp, vp) = (parameter.base, gradient.base, m.base, v.base)

        parallelFor((count + Self.adamChunk - 1) / Self.adamChunk) { chunk in
            for i in chunk * Self.adamChunk..<Swift.min(count, (chunk + 1) * Self.adamChunk) {
                let grad = Double(g[i])
                let mi = beta1 * Double(mp[i]) + (1 - beta1) * grad
                let vi = beta2 * Double(vp[i]) + (1 - beta2) * grad * grad
                let update: Double
                switch placement {
                case .keras:
                    update = lr * correction2Root / correction1 * mi / (vi.squareRoot() + epsilon)
                case .pytorch:
                    update = lr / correction1 * mi / (vi.squareRoot() / correction2Root + epsilon)
                }
                mp[i] = Float(mi)
                vp[i] = Float(vi)
                if let decay { w[i] = Float(Double(w[i]) * decay - update) } else { w[i] = Float(Double(w[i]) - update) }
            }
        }
    }
}
