import Foundation

/// One pitched event of a part: when, how long, which pitch (MIDI, fractional allowed), how loud.
struct Note {
    /// Onset in seconds from the start of the track.
    var start: Double
    /// Sounding length in seconds (until the release begins).
    var duration: Double
    /// MIDI pitch (69 = A4 = 440 Hz).
    var pitch: Double
    /// Linear velocity, about 0…1.
    var velocity: Float

    var frequency: Double { 440 * pow(2, (pitch - 69) / 12) }
}

/// Equal-tempered frequency of a MIDI pitch.
@inline(__always) func midiFrequency(_ pitch: Double) -> Double { 440 * pow(2, (pitch - 69) / 12) }
