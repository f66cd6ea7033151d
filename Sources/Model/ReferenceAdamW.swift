import Foundation

/// AdamW on the host, element by element in `Double`.
extension ReferenceBackend {
    public func adamWStep(parameter: ReferenceBuffer, gradient: ReferenceBuffer, m: ReferenceBuffer,
                          v: ReferenceBuffer, count: Int, step: Int, config: AdamConfig, weightDecay: Float) throws {
        let op = "adamWStep"
        precondition(step >= 1, "\(op): step \(step) must count from 1")
        precondition(count >= 0, "\(op): negative count \(count)")
        require(parameter, count, op: op, role: "parameter")
        require(gradient, count, op: op, role: "gradient")
        require(m, count, op: op, role: "m")
        require(v, count, op: op, role: "v")
        let beta1 = Double(config.beta1), beta2 = Double(config.beta2)
        let lr = Double(config.learningRate), epsilon = Double(config.epsilon)
        let decay = 1 - lr * Double(weightDecay)
        let correction1 = 1 - pow(beta1, Double(step))
        let correction2Root = (1 - pow(beta2, Double(step))).squareRoot()
        let placement = config.placement
        let (w, g, mp, vp) = (parameter.base, gradient.base, m.base, v.base)
        for i in 0..<count {
            let grad = Double(g[i])
            let mi = beta1 * Double(mp[i]) + (1 - beta1) * grad
            let vi = beta2 * Double(vp[i]) + (1 - beta2) * grad * grad
            let update: Double
            switch placement {
            case .keras: update = lr * correction2Root / correction1 * mi / (vi.squareRoot() + epsilon)
            case .pytorch: update = lr / correction1 * mi / (vi.squareRoot() / correction2Root + epsilon)
            }
            mp[i] = Float(mi)
            vp[i] = Float(vi)
            w[i] = Float(Double(w[i]) * decay - update)
        }
    }
}
