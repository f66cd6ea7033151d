/// Keras' default initialisers, drawn from a `RandomGenerator` so that a seed fixes them.
public enum Initializers {
    /// Glorot (Xavier) uniform: `count` values uniform in [−l, l), l = √(6/(fanIn + fanOut)), drawn in
    /// storage order with `RandomGenerator.uniform`. Keras' fans: conv `fanIn = inC·k·k`,
    /// `fanOut = outC·k·k`; dense `fanIn = in`, `fanOut = out`. (Keras draws in its own `k×k×in×out`
    /// layout from its own generator; the distribution is the same, the values are not.)
    public static func glorotUniform(count: Int, fanIn: Int, fanOut: Int, rng: inout RandomGenerator) -> [Float] {
        precondition(fanIn > 0 && fanOut > 0, "glorotUniform: fanIn \(fanIn) and fanOut \(fanOut) must be positive")
        let limit = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
        return (0..<count).map { _ in rng.uniform(-limit, limit) }
    }

    /// A conv weight `outC×inC×k×k` (PyTorch's layout) with Keras' Glorot-uniform fans.
    public static func convWeight(outChannels: Int, inChannels: Int, kernel: Int,
                                  rng: inout RandomGenerator) -> [Float] {
        glorotUniform(count: outChannels * inChannels * kernel * kernel,
                      fanIn: inChannels * kernel * kernel, fanOut: outChannels * kernel * kernel, rng: &rng)
    }

    /// A dense weight `out×in` (PyTorch's layout) with Keras' Glorot-uniform fans.
    public static func denseWeight(outFeatures: Int, inFeatures: Int, rng: inout RandomGenerator) -> [Float] {
        glorotUniform(count: outFeatures * inFeatures, fanIn: inFeatures, fanOut: outFeatures, rng: &rng)
    }

    /// Zero biases (Keras' default), BatchNorm's β and running mean.
    public static func zeros(_ count: Int) -> [Float] { [Float](repeating: 0, count: count) }

    /// BatchNorm's γ and running variance.
    public static func ones(_ count: Int) -> [Float] { [Float](repeating: 1, count: count) }
}
