import Foundation

/// The synthetic corpus's pseudo-random generator: SplitMix64 (Steele, Lea & Flood 2014).
///
/// Small, fast, seedable and identical on every platform, so a track depends only on its seed.
/// Each track gets its own generator derived from `(seed, genre, index)`, which is what makes the
/// corpus bit-identical whatever the number of threads rendering it.
public struct SynthRandom: Sendable {
    private var state: UInt64

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// SplitMix64's output function: a bijective 64-bit mixer.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The generator of one track: depends on all three coordinates, on nothing else.
    public static func track(seed: UInt64, genre: Int, index: Int) -> SynthRandom {
        var h = mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        h = mix(h ^ (UInt64(truncatingIfNeeded: genre) &* 0xD6E8_FEB8_6659_FD93))
        h = mix(h ^ (UInt64(truncatingIfNeeded: index) &* 0xA076_1D64_78BD_642F))
        return SynthRandom(seed: h)
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SynthRandom.mix(state)
    }

    /// An independent generator for a sub-task (one part of a track), so adding draws to one part
    /// does not shift the random choices of another.
    public mutating func fork() -> SynthRandom { SynthRandom(seed: SynthRandom.mix(next() ^ 0x5851_F42D_4C95_7F2D)) }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    @inline(__always)
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    /// Uniform float noise in [-1, 1).
    @inline(__always)
    public mutating func noise() -> Float { Float(Int32(truncatingIfNeeded: next() >> 32)) * 0x1.0p-31 }

    /// Uniform integer in `range` (unbiased enough: multiply-high, 64-bit).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let n = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: n).high)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Standard normal (Box–Muller; one value per call, deterministic).
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// One element, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// One element, with the given (unnormalised) weights.
    public mutating func pick<T>(_ items: [T], weights: [Double]) -> T {
        let total = weights.reduce(0, +)
        var r = uniform() * total
        for (item, w) in zip(items, weights) {
            if r < w { return item }
            r -= w
        }
        return items[items.count - 1]
    }
}
