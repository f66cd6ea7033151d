import Foundation

/// Adam's bias corrections folded into two scalars, computed in double precision on the host:
/// the update is `w −= stepSize · m / (√v / vScale + ε)`.
/// - Keras:   `stepSize = lr·√(1−β2ᵗ)/(1−β1ᵗ)`, `vScale = 1`.
/// - PyTorch: `stepSize = lr/(1−β1ᵗ)`, `vScale = √(1−β2ᵗ)`.
enum AdamScalars {
    static func make(step: Int, config: AdamConfig) -> (stepSize: Float, vScale: Float) {
        let t = Double(max(step, 1))
        let c1 = 1 - pow(Double(config.beta1), t)
        let c2 = 1 - pow(Double(config.beta2), t)
        switch config.placement {
        case .keras: return (Float(Double(config.learningRate) * c2.squareRoot() / c1), 1)
        case .pytorch: return (Float(Double(config.learningRate) / c1), Float(c2.squareRoot()))
        }
    }

    /// AdamW's decoupled decay factor `1 − lr·λ`, in double precision (as torch.optim.AdamW's `1 - lr * weight_decay`).
    static func decoupledDecay(config: AdamConfig, weightDecay: Float) -> Float {
        Float(1 - Double(config.learningRate) * Double(weightDecay))
    }
}
