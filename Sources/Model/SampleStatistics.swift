import Foundation

/// A sample mean with its two-sided 95 % confidence interval.
public struct MeanInterval: Equatable, Codable, Sendable {
    /// The values the interval is of, in order.
    public var values: [Double]
    public var mean: Double
    /// Half the interval's width: `t(0.975, n − 1) · s / √n` (Student's t-interval); nil for fewer than two values.
    public var halfWidth: Double?
    public var lower: Double? { halfWidth.map { mean - $0 } }
    public var upper: Double? { halfWidth.map { mean + $0 } }

    /// `mean ± halfWidth` with `digits` decimals, or the mean alone for one value; `–` for none.
    public func formatted(_ digits: Int = 3) -> String {
        guard !values.isEmpty else { return "–" }
        let m = String(format: "%.\(digits)f", mean)
        return halfWidth.map { m + " ± " + String(format: "%.\(digits)f", $0) } ?? m
    }
}

/// Small-sample statistics for results over seeds: Student's t-interval and an exact sign-flip test.
public enum SampleStatistics {
    /// The mean of `values` with Student's t 95 % interval (nil half-width below two values); `values`
    /// must be finite.
    public static func meanInterval(_ values: [Double]) -> MeanInterval {
        let n = values.count
        guard n > 0 else { return MeanInterval(values: [], mean: .nan, halfWidth: nil) }
        let mean = values.reduce(0, +) / Double(n)
        guard n > 1 else { return MeanInterval(values: values, mean: mean, halfWidth: nil) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let half = studentTQuantile(0.975, degreesOfFreedom: Double(n - 1)) * (variance / Double(n)).squareRoot()
        return MeanInterval(values: values, mean: mean, halfWidth: half)
    }

    /// The exact one-sided sign-flip (paired permutation) test of "the mean of `differences` is above 0":
    /// the share of the 2ⁿ ways of flipping the differences' signs whose mean is at least the observed
    /// one. With n differences the smallest possible p is 2⁻ⁿ. Nil for no differences or more than 20.
    public static func signFlipPValue(_ differences: [Double]) -> Double? {
        let n = differences.count
        guard n > 0, n <= 20 else { return nil }
        let observed = differences.reduce(0, +)
        // Sums equal to the observed one up to rounding count as "at least" it.
        let slack = 1e-9 * max(1, differences.reduce(0) { $0 + abs($1) })
        var atLeast = 0
        for mask in 0..<(1 << n) {
            var sum = 0.0
            for i in 0..<n { sum += mask & (1 << i) != 0 ? -differences[i] : differences[i] }
            if sum >= observed - slack { atLeast += 1 }
        }
        return Double(atLeast) / Double(1 << n)
    }

    /// Student's t cumulative distribution `P(T ≤ t)` with `df` degrees of freedom, from the regularised
    /// incomplete beta function: `1 − ½·I_{df/(df+t²)}(df/2, ½)` for t ≥ 0.
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        precondition(df > 0, "degrees of freedom must be positive")
        let tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p` quantile of Student's t with `df` degrees of freedom (bisection on `studentTCDF`, to 1e-12).
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1, "p must be in (0, 1)")
        if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: df) }
        var lo = 0.0, hi = 1.0
        while studentTCDF(hi, degreesOfFreedom: df) < p { hi *= 2 }
        for _ in 0..<200 where hi - lo > 1e-12 * max(1, hi) {
            let mid = (lo + hi) / 2
            if studentTCDF(mid, degreesOfFreedom: df) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// `I_x(a, b)` by its continued fraction (modified Lentz), using the symmetry
    /// `I_x(a, b) = 1 − I_{1−x}(b, a)` where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logGammas + logPowers
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...500 {
            let m = Double(m)
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; if abs(d) < tiny { d = tiny }
            c = 1 + even / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; f *= d * c
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; if abs(d) < tiny { d = tiny }
            c = 1 + odd / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(logFront) * f / a
    }
}
