/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3"
/// (SC 2011), with the Random123 constants: a pure function of a 128-bit counter and a 64-bit key, so any
/// element's random word can be computed independently (on the host, in a kernel, or in numpy).
public enum Philox4x32 {
    public static let multiplier0: UInt32 = 0xD251_1F53
    public static let multiplier1: UInt32 = 0xCD9E_8D57
    public static let weyl0: UInt32 = 0x9E37_79B9
    public static let weyl1: UInt32 = 0xBB67_AE85

    /// The four output words of 10 rounds on `counter` under `key`.
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 { k0 &+= weyl0; k1 &+= weyl1 }
            let p0 = UInt64(multiplier0) * UInt64(c0), p1 = UInt64(multiplier1) * UInt64(c2)
            (c0, c1, c2, c3) = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0, UInt32(truncatingIfNeeded: p1),
                                UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1, UInt32(truncatingIfNeeded: p0))
        }
        return (c0, c1, c2, c3)
    }
}

/// Names one dropout mask: the run's seed, the layer (its index in the architecture), the training step.
public struct DropoutKey: Equatable, Sendable {
    public var seed: UInt64
    public var layer: UInt32
    public var step: UInt64
    public init(seed: UInt64, layer: UInt32, step: UInt64) { self.seed = seed; self.layer = layer; self.step = step }
}

/// The dropout mask shared by every backend and by `scripts/gcnn_philox.py` (PyTorch fixtures).
///
/// Element `i` (i < 2³²) draws word 0 of Philox4x32-10 with key `(seed & 0xffffffff, seed >> 32)` and counter
/// `(i, layer, step & 0xffffffff, step >> 32)`; `u = (word0 >> 8)·2⁻²⁴ ∈ [0, 1)` and the element is kept iff
/// `u ≥ rate`. Kept elements are scaled by `Float(1)/(Float(1) − rate)`, computed in float32.
public enum DropoutMask {
    /// Whether element `i` is kept.
    @inline(__always)
    public static func keep(_ i: Int, rate: Float, key: DropoutKey) -> Bool {
        let word = Philox4x32.block(
            counter: (UInt32(truncatingIfNeeded: i), key.layer, UInt32(truncatingIfNeeded: key.step),
                      UInt32(truncatingIfNeeded: key.step >> 32)),
            key: (UInt32(truncatingIfNeeded: key.seed), UInt32(truncatingIfNeeded: key.seed >> 32))).0
        return uniform(word) >= rate
    }

    /// `(word >> 8)·2⁻²⁴`: exact in `Float`.
    @inline(__always)
    public static func uniform(_ word: UInt32) -> Float { Float(word >> 8) * 0x1p-24 }

    /// The factor kept elements are multiplied by.
    public static func scale(rate: Float) -> Float { Float(1) / (Float(1) - rate) }
}
