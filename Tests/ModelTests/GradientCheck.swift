import Model
import XCTest

/// Central differences, evaluated in `Double` from `Float` function values: for each element,
/// (L(x + h) − L(x − h)) / (x₊ − x₋), with x₊ and x₋ the `Float`s actually probed.
func numericalGradient(of x: [Float], step h: Float, loss: ([Float]) throws -> Double) rethrows -> [Double] {
    var probe = x
    var gradient = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let plus = x[i] + h, minus = x[i] - h
        probe[i] = plus
        let lossPlus = try loss(probe)
        probe[i] = minus
        let lossMinus = try loss(probe)
        probe[i] = x[i]
        gradient[i] = (lossPlus - lossMinus) / (Double(plus) - Double(minus))
    }
    return gradient
}

/// `max |analytic − numerical| ≤ rtol · max |numerical|`, and the gradient is not identically zero.
func assertGradient(_ what: String, analytic: [Float], numerical: [Double], rtol: Double,
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(analytic.count, numerical.count, "\(what): element count", file: file, line: line)
    let scale = numerical.map { abs($0) }.max() ?? 0
    let error = zip(analytic, numerical).map { abs(Double($0) - $1) }.max() ?? 0
    XCTAssertGreaterThan(scale, 0, "\(what): the numerical gradient is zero, the check means nothing", file: file, line: line)
    XCTAssertLessThanOrEqual(error, rtol * scale,
                             "\(what): max |analytic − numerical| = \(error), max |gradient| = \(scale), rtol \(rtol)",
                             file: file, line: line)
}

/// Σ weights·values in `Double`: a scalar loss whose gradient with respect to `values` is `weights`.
func weightedSum(_ values: [Float], _ weights: [Float]) -> Double {
    zip(values, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// `count` values uniform in [lo, hi) from `rng`.
func randomValues(_ count: Int, _ lo: Float, _ hi: Float, _ rng: inout RandomGenerator) -> [Float] {
    (0..<count).map { _ in rng.uniform(lo, hi) }
}
