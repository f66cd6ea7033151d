import Foundation

/// The random numbers of data augmentation, drawn on the host once per epoch and uploaded as small tables that
/// the augmentation kernels read (one upload per epoch, like the shuffled order): every backend applies the
/// same crops, masks and mixing coefficients, bit for bit, and a resumed run draws what an uninterrupted one
/// drew, because each draw is a pure function of the run's seed, the epoch and the clip (or batch).
///
/// Draw `index` of `item` in `epoch` for `stream` is word 0 of Philox4x32-10 (`Philox4x32`) with key
/// `(seed & 0xffffffff, seed >> 32)` and counter `(item, index, epoch, stream)`: the dropout generator's, under
/// counters no dropout mask uses (dropout's second word is a layer index, its last two a step; these streams
/// are told apart by the last word, whose values 0xA0C0_0001… a dropout step would reach only after 2⁶³ steps).
public struct AugmentationDraws: Sendable {
    /// What a draw is for; the counter's last word.
    public enum Stream: UInt32, Sendable {
        case crop = 0xA0C0_0001
        case specAugment = 0xA0C0_0002
        case mixup = 0xA0C0_0003
    }

    public let seed: UInt64
    public let epoch: UInt32
    public let stream: Stream
    public let item: UInt32

    public init(seed: UInt64, epoch: Int, stream: Stream, item: Int) {
        self.seed = seed; self.epoch = UInt32(truncatingIfNeeded: epoch); self.stream = stream
        self.item = UInt32(truncatingIfNeeded: item)
    }

    /// Word `index` of this item's sequence.
    public func word(_ index: Int) -> UInt32 {
        Philox4x32.block(counter: (item, UInt32(truncatingIfNeeded: index), epoch, stream.rawValue),
                         key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))).0
    }

    /// An integer uniform in `0..<n` from word `index` (`⌊word·n / 2³²⌋`, exact in integers; n ≥ 1).
    public func below(_ n: Int, _ index: Int) -> Int {
        precondition(n >= 1 && n <= Int(UInt32.max), "range \(n) is outside 1…2³²−1")
        return Int((UInt64(word(index)) * UInt64(n)) >> 32)
    }

    /// A uniform in (0, 1) from word `index` (`(word + 0.5)·2⁻³²`, never 0 or 1).
    public func open01(_ index: Int) -> Double { (Double(word(index)) + 0.5) * 0x1p-32 }
}

/// A sequence of draws of one item, consumed in order (for samplers that use a varying number of words).
public struct AugmentationDrawSequence {
    public let draws: AugmentationDraws
    public private(set) var next = 0
    public init(_ draws: AugmentationDraws) { self.draws = draws }
    public mutating func open01() -> Double { defer { next += 1 }; return draws.open01(next) }
    public mutating func below(_ n: Int) -> Int { defer { next += 1 }; return draws.below(n, next) }

    /// A standard normal (Box–Muller on two uniforms).
    public mutating func normal() -> Double {
        let u1 = open01(), u2 = open01()
        return (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); for shape < 1, Gamma(shape + 1)·U^(1/shape).
    public mutating func gamma(_ shape: Double) -> Double {
        precondition(shape > 0, "gamma shape \(shape) must be positive")
        if shape < 1 { return gamma(shape + 1) * Foundation.pow(open01(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = open01()
            if u < 1 - 0.0331 * x * x * x * x || Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) {
                return d * v
            }
        }
    }

    /// Beta(a, b) = X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a), y = gamma(b)
        return x + y > 0 ? x / (x + y) : 0.5
    }
}
