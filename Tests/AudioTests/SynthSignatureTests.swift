@testable import Audio
import Foundation
import XCTest

/// Sanity of the genre signatures, measured from the samples with FFT-free statistics:
/// percussive onset strength (positive flux of 5.8-ms high-passed frame energies) and the share of
/// energy above 4 kHz. Averages over several tracks so no single random draw decides.
final class SynthSignatureTests: XCTestCase {
    private func tracks(_ genre: SynthGenre, count: Int = 3) -> [[Float]] {
        (0..<count).map { TrackRenderer.render(genre: genre, index: $0, seed: 21, seconds: 4) }
    }

    /// Percussive onset strength, an FFT-free spectral flux: the signal is split into five bands
    /// (second-order band-passes, 100 Hz…10 kHz); in each, the mean positive jump of the log energy
    /// of 46-ms frames (dB) is taken; the result is their mean. Drums make it large, sustained
    /// tones small.
    private func onsetStrength(_ x: [Float]) -> Double {
        let bands: [(Double, Double)] = [(100, 300), (300, 800), (800, 2000), (2000, 5000), (5000, 10_000)]
        let frame = 1024
        var total = 0.0
        for (lo, hi) in bands {
            let center = (lo * hi).squareRoot()
            var bp = Biquad.bandpass(center, q: center / (hi - lo))
            var y = x
            bp.process(&y)
            var previous: Double? = nil
            var flux = 0.0
            let frames = y.count / frame
            for k in 0..<frames {
                var e = 0.0
                for i in (k * frame)..<((k + 1) * frame) { e += Double(y[i] * y[i]) }
                let db = 10 * log10(e / Double(frame) + 1e-10)
                if let p = previous { flux += max(0, db - p) }
                previous = db
            }
            total += flux / Double(frames - 1)
        }
        return total / Double(bands.count)
    }

    /// Fraction of the energy above 4 kHz (fourth-order high-pass).
    private func highShare(_ x: [Float]) -> Double {
        var a = Biquad.highpass(4000), b = Biquad.highpass(4000)
        var y = x
        a.process(&y); b.process(&y)
        let hi = y.reduce(0.0) { $0 + Double($1 * $1) }, all = x.reduce(0.0) { $0 + Double($1 * $1) }
        return hi / all
    }

    private func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    func testClassicalHasFarLessPercussiveOnsetEnergyThanMetal() {
        let classical = mean(tracks(.classical).map(onsetStrength))
        let metal = mean(tracks(.metal).map(onsetStrength))
        XCTAssertGreaterThan(metal, 1.5 * classical, "onset strength metal \(metal) vs classical \(classical)")
    }

    func testMetalHasMoreHighFrequencyEnergyThanJazz() {
        let metal = mean(tracks(.metal).map(highShare))
        let jazz = mean(tracks(.jazz).map(highShare))
        XCTAssertGreaterThan(metal, 2 * jazz, "energy share above 4 kHz: metal \(metal) vs jazz \(jazz)")
    }

    func testHipHopHasMoreSubBassThanClassical() {
        func lowShare(_ x: [Float]) -> Double {
            var a = Biquad.lowpass(120), b = Biquad.lowpass(120)
            var y = x
            a.process(&y); b.process(&y)
            return y.reduce(0.0) { $0 + Double($1 * $1) } / x.reduce(0.0) { $0 + Double($1 * $1) }
        }
        let hiphop = mean(tracks(.hiphop).map(lowShare))
        let classical = mean(tracks(.classical).map(lowShare))
        XCTAssertGreaterThan(hiphop, 2 * classical, "energy share below 120 Hz: hip hop \(hiphop) vs classical \(classical)")
    }

    func testTempoRangesFollowTheRecipes() {
        for genre in SynthGenre.allCases {
            let recipe = GenreRecipe.recipe(for: genre)
            for i in 0..<20 {
                var rng = SynthRandom.track(seed: 3, genre: i, index: i)
                let plan = TrackPlan.draw(genre, rng: &rng)
                XCTAssertTrue(recipe.tempo.contains(plan.timeline.bpm), "\(genre): tempo \(plan.timeline.bpm)")
                XCTAssertEqual(plan.groove == nil, genre == .classical, "\(genre): drums only where the recipe has them")
            }
        }
    }
}
