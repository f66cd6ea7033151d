import Foundation

/// Musical time of one track: tempo, meter, swing and human timing, mapping beats to seconds.
struct Timeline {
    /// Quarter-note beats per minute.
    var bpm: Double
    /// Beats per bar (3 for waltz-time classical pieces, otherwise 4).
    var beatsPerBar: Int
    /// Where the off-beat 8th (or 16th) falls, as a fraction of its pair: 0.5 straight, 0.667 triplet swing.
    var swing: Double
    /// Swing the 16ths (hip hop, reggae) instead of the 8ths (jazz, blues).
    var swingSixteenths: Bool
    /// Seconds of the first downbeat (negative: the excerpt starts inside a bar, as GTZAN excerpts do).
    var offset: Double
    /// Standard deviation of human timing error, seconds (0 for drum machines).
    var humanize: Double

    var secondsPerBeat: Double { 60 / bpm }
    var secondsPerBar: Double { secondsPerBeat * Double(beatsPerBar) }

    /// Bars needed to cover `seconds` of audio (plus one for the pre-roll).
    func bars(covering seconds: Double) -> Int { Int(ceil((seconds - offset) / secondsPerBar)) + 1 }

    /// Seconds of a position in beats from the first downbeat, with swing applied.
    func time(_ beat: Double) -> Double {
        let whole = beat.rounded(.down)
        var frac = beat - whole
        if swing != 0.5 {
            if swingSixteenths {
                let half = frac >= 0.5 ? 0.5 : 0
                frac = half + 0.5 * Timeline.warp((frac - half) * 2, swing)
            } else {
                frac = Timeline.warp(frac, swing)
            }
        }
        return offset + (whole + frac) * secondsPerBeat
    }

    /// Like `time(_:)`, plus human timing error drawn from `rng`.
    func humanTime(_ beat: Double, rng: inout SynthRandom) -> Double {
        humanize > 0 ? time(beat) + humanize * rng.gaussian() : time(beat)
    }

    /// Maps a straight position 0…1 within a pair of subdivisions so that 0.5 lands on `s`.
    private static func warp(_ f: Double, _ s: Double) -> Double {
        f < 0.5 ? f * 2 * s : s + (f - 0.5) * 2 * (1 - s)
    }
}
