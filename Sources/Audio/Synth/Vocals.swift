import Foundation

/// A source–filter voice: a band-limited glottal buzz plus breath noise through three parallel
/// formant resonators (one vowel per syllable), with an optional fricative burst at the onset.
/// Sung notes are legato with vibrato; rapped syllables are short, spoken-pitch and consonant-heavy.
enum Vocals {
    /// (F1, F2, F3) in Hz of the vowels a, e, i, o, u (adult male averages; scaled per singer).
    static let vowels: [(Double, Double, Double)] = [
        (730, 1090, 2440), (530, 1840, 2480), (270, 2290, 3010), (570, 840, 2410), (300, 870, 2240),
    ]

    struct Singer {
        /// Formant scale: ≈ 1.0 male, ≈ 1.17 female.
        var formantScale: Double
        var vibratoDepth: Double
        var vibratoRate: Double
        var breath: Float
        /// Level of the fricative burst at each onset (0 = none).
        var consonant: Float
        var attack: Double
    }

    static func syllable(_ note: Note, vowel: Int, singer: Singer, into bus: inout [Float], rng: inout SynthRandom) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let held = max(1, Int(note.duration * sr)), rel = Int(0.06 * sr)
        let total = min(bus.count - start, held + rel)
        guard total > 0 else { return }
        let (f1, f2, f3) = vowels[vowel % vowels.count]
        let k = singer.formantScale
        var r1 = Biquad.bandpass(f1 * k, q: 6), r2 = Biquad.bandpass(f2 * k, q: 9), r3 = Biquad.bandpass(f3 * k, q: 11)
        var fric = Biquad.highpass(4200 * k, q: 0.8)
        let f0 = note.frequency
        let saw = Wavetables.shared.table(.saw, for: f0 * 1.1)
        var osc = TableOscillator(phase: 0)
        let attackN = max(1, Int(singer.attack * sr))
        let consN = Int(0.035 * sr)
        var vib = rng.uniform()
        let vibInc = singer.vibratoRate / sr * 32
        var tilt = OnePole(cutoff: 1400)
        saw.withUnsafeBufferPointer { t in
            bus.withUnsafeMutableBufferPointer { b in
                let tp = t.baseAddress!, out = b.baseAddress! + start
                var i = 0
                var inc: Float = 0
                while i < total {
                    let vibAmt = min(1, Double(i) / (0.35 * sr))
                    inc = Float(f0 * pow(2, singer.vibratoDepth * vibAmt * sin(2 * Double.pi * vib) / 12) / sr)
                    vib += vibInc
                    let end = min(total, i + 32)
                    while i < end {
                        let env: Float = i < held ? min(1, Float(i) / Float(attackN)) : 1 - Float(i - held) / Float(rel)
                        let src = tilt.lowpass(osc.tick(tp, inc)) * 2.5 + singer.breath * rng.noise()
                        var y = r1.tick(src) + 0.6 * r2.tick(src) + 0.3 * r3.tick(src)
                        if i < consN && singer.consonant > 0 {
                            y += singer.consonant * fric.tick(rng.noise()) * (1 - Float(i) / Float(consN))
                        }
                        out[i] += note.velocity * env * y
                        i += 1
                    }
                }
            }
        }
    }
}
