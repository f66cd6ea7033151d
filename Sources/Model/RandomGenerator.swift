import Foundation

/// A seedable, portable pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018) seeded by
/// SplitMix64, so a seed fixes every weight, shuffle and synthetic sample of a run on any machine.
///
/// Every derived draw is specified bit for bit here (and re-implemented in
/// `Tests/ModelTests/Fixtures/make_fixtures.py`), never delegated to the standard library:
/// - `next()`: the next 64-bit output of xoshiro256**;
/// - `nextFloat()`: the top 24 bits of `next()` times 2⁻²⁴, uniform in [0, 1);
/// - `nextDouble()`: the top 53 bits of `next()` times 2⁻⁵³, uniform in [0, 1);
/// - `uniform(lo, hi)`: `lo + (hi − lo)·nextFloat()` in `Float` arithmetic, in [lo, hi);
/// - `normal()`: Box–Muller's cosine branch from two `nextDouble()`s (one value per call);
/// - `next(below:)`: Lemire's multiply-shift with rejection, unbiased;
/// - `shuffle(_:)`: Fisher–Yates from the last element down, swapping `i` with `next(below: i + 1)`.
///
/// `state` snapshots the stream (Codable) and `init(state:)` resumes it exactly.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose four state words are the first four outputs of SplitMix64 from `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Resumes the stream captured by `state`.
    public init(state: State) {
        s = (state.words[0], state.words[1], state.words[2], state.words[3])
    }

    /// The generator's position in its stream.
    public var state: State { State(words: [s.0, s.1, s.2, s.3]) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotateLeft(s.3, 45)
        return result
    }

    /// Uniform in [0, 1), a multiple of 2⁻²⁴.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1), a multiple of 2⁻⁵³.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lo, hi): `lo + (hi − lo)·nextFloat()`, in `Float` arithmetic; a result that rounds
    /// up to `hi` is replaced by the largest `Float` below it.
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        precondition(lo < hi, "RandomGenerator.uniform: empty range \(lo)..<\(hi)")
        let value = lo + (hi - lo) * nextFloat()
        return value < hi ? value : hi.nextDown
    }

    /// Standard normal (mean 0, variance 1) by Box–Muller: √(−2·ln(1 − u₁))·cos(2π·u₂).
    public mutating func normal() -> Double {
        let u1 = nextDouble(), u2 = nextDouble()
        return (-2 * log(1 - u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Uniform in 0..<bound, without bias (Lemire's method).
    public mutating func next(below bound: Int) -> Int {
        precondition(bound > 0, "RandomGenerator.next(below:): bound \(bound) must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// Shuffles `elements` in place (Fisher–Yates, last element first).
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            elements.swapAt(i, next(below: i + 1))
        }
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A snapshot of the generator: its four xoshiro256** state words. Encoded as 16-digit hexadecimal
    /// strings so that no JSON reader rounds them through a `Double`.
    public struct State: Codable, Equatable, Sendable {
        public var words: [UInt64]

        public init(words: [UInt64]) {
            precondition(words.count == 4, "RandomGenerator.State needs 4 words, got \(words.count)")
            precondition(words.contains { $0 != 0 }, "RandomGenerator.State: the all-zero state is invalid")
            self.words = words
        }

        enum CodingKeys: String, CodingKey { case algorithm, words }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let algorithm = try container.decode(String.self, forKey: .algorithm)
            guard algorithm == Self.algorithm else {
                throw DecodingError.dataCorruptedError(
                    forKey: .algorithm, in: container,
                    debugDescription: "random generator state is for '\(algorithm)', expected '\(Self.algorithm)'")
            }
            let text = try container.decode([String].self, forKey: .words)
            let words = text.compactMap { UInt64($0, radix: 16) }
            guard words.count == 4, text.count == 4, words.contains(where: { $0 != 0 }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .words, in: container,
                    debugDescription: "random generator state needs 4 non-zero-in-total hexadecimal words, got \(text)")
            }
            self.words = words
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Self.algorithm, forKey: .algorithm)
            try container.encode(words.map { hex16($0) }, forKey: .words)
        }

        static let algorithm = "xoshiro256**"

        private func hex16(_ word: UInt64) -> String {
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }
}
