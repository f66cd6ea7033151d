import Foundation

/// Band-limited single-cycle wavetables, built once per process and shared read-only by all threads.
///
/// Each shape has one table per octave band; a note reads the table whose harmonics all stay below
/// ≈ 10.5 kHz at the top of its band, so oscillators are alias-free without per-sample `sin`.
final class Wavetables: Sendable {
    enum Shape: Int, CaseIterable {
        /// Pure sine.
        case sine
        /// Sawtooth (1/h): synth pads, bass, glottal source.
        case saw
        /// Square (odd harmonics, 1/h): synth leads, clarinet-like reeds.
        case square
        /// Bowed string: saw-like with a softened top and a weaker fundamental.
        case bowed
        /// Brass at full blow: slow roll-off (bright).
        case brassBright
        /// Brass at soft blow: steep roll-off (dark).
        case brassDark
        /// Saxophone: strong 2nd–4th harmonics, reedy top.
        case reed
        /// Flute: fundamental with a few weak harmonics.
        case flute
    }

    static let shared = Wavetables()
    static let size = 2048
    static let bands = 10
    private let tables: [[Float]]  // [shape * bands + band], size + 1 samples (guard point)

    private init() {
        var all: [[Float]] = []
        for shape in Shape.allCases {
            for band in 0..<Wavetables.bands {
                let top = 55.0 * pow(2, Double(band))
                let harmonics = max(1, min(160, Int(10_500 / top)))
                all.append(Wavetables.build(shape, harmonics: harmonics))
            }
        }
        tables = all
    }

    private static func amplitude(_ shape: Shape, _ h: Int) -> Double {
        let x = Double(h)
        switch shape {
        case .sine: return h == 1 ? 1 : 0
        case .saw: return 1 / x
        case .square: return h % 2 == 1 ? 1 / x : 0
        case .bowed: return (h == 1 ? 0.6 : 1) / pow(x, 0.95) * (h > 12 ? exp(-Double(h - 12) / 10) : 1)
        case .brassBright: return pow(x, -0.55) * exp(-x / 28)
        case .brassDark: return pow(x, -1.9)
        case .reed:
            let body: [Double] = [0.55, 1.0, 0.85, 0.7, 0.45, 0.5, 0.35, 0.3]
            return h <= body.count ? body[h - 1] : 0.3 * pow(Double(body.count) / x, 1.2)
        case .flute:
            let body: [Double] = [1.0, 0.35, 0.18, 0.08, 0.04, 0.02]
            return h <= body.count ? body[h - 1] : 0
        }
    }

    private static func build(_ shape: Shape, harmonics: Int) -> [Float] {
        var t = [Double](repeating: 0, count: size + 1)
        for h in 1...harmonics {
            let a = amplitude(shape, h)
            if a == 0 { continue }
            let w = 2 * Double.pi * Double(h) / Double(size)
            for i in 0...size { t[i] += a * sin(w * Double(i)) }
        }
        let peak = t.map(abs).max() ?? 1
        return t.map { Float($0 / max(peak, 1e-9)) }
    }

    /// The table for `shape` whose harmonics stay under ≈ 10.5 kHz for fundamentals up to `frequency`.
    func table(_ shape: Shape, for frequency: Double) -> [Float] {
        let band = max(0, min(Wavetables.bands - 1, Int(ceil(log2(max(frequency, 1) / 55)))))
        return tables[shape.rawValue * Wavetables.bands + band]
    }
}

/// A phase-accumulating wavetable reader with linear interpolation.
struct TableOscillator {
    var phase: Float = 0
    @inline(__always)
    static func read(_ t: UnsafePointer<Float>, _ phase: Float) -> Float {
        let x = phase * Float(Wavetables.size)
        let i = Int(x)
        let f = x - Float(i)
        return t[i] + f * (t[i + 1] - t[i])
    }
    /// Returns the sample at the current phase, then advances by `increment` cycles (0…1).
    @inline(__always)
    mutating func tick(_ t: UnsafePointer<Float>, _ increment: Float) -> Float {
        let y = TableOscillator.read(t, phase)
        phase += increment
        if phase >= 1 { phase -= 1 }
        if phase < 0 { phase += 1 }
        return y
    }
}
