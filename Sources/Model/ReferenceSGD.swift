/// SGD on the host, element by element in `Double` (`SGDConfig`'s torch.optim.SGD form).
extension ReferenceBackend {
    public func sgdStep(parameter: ReferenceBuffer, gradient: ReferenceBuffer, momentum: ReferenceBuffer, count: Int,
                        config: SGDConfig) throws {
        let op = "sgdStep"
        precondition(count >= 0, "\(op): negative count \(count)")
        require(parameter, count, op: op, role: "parameter")
        require(gradient, count, op: op, role: "gradient")
        require(momentum, count, op: op, role: "momentum")
        let lr = Double(config.learningRate), mu = Double(config.momentum), lambda = Double(config.weightDecay)
        let (w, g, b) = (parameter.base, gradient.base, momentum.base)
        for i in 0..<count {
            var grad = Double(g[i]) + lambda * Double(w[i])
            if mu != 0 {
                let buffer = mu * Double(b[i]) + grad
                b[i] = Float(buffer)
                grad = config.nesterov ? grad + mu * buffer : buffer
            }
            w[i] = Float(Double(w[i]) - lr * grad)
        }
    }
}
