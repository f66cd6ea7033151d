import Foundation

/// AdamW on the host, element by element in `Double`: Adam's update after the decoupled decay w ← w·(1 − lr·λ).
extension ReferenceBackend {
    public func adamWStep(parameter: ReferenceBuffer, gradient: ReferenceBuffer, m: ReferenceBuffer,
                          v: ReferenceBuffer, count: Int, step: Int, config: AdamConfig, weightDecay: Float) throws {
        adamUpdate(op: "adamWStep", parameter: parameter, gradient: gradient, m: m, v: v, count: count, step: step,
                   config: config, decay: 1 - Double(config.learningRate) * Double(weightDecay))
    }
}
