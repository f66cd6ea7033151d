import Foundation

/// Part writing shared by several genres: melodies, chord voicings, guitar strums, pads.
enum Parts {
    // MARK: Melody

    /// How a melodic line moves.
    struct MelodyStyle {
        /// Pitch classes relative to the tonic (e.g. major, minor pentatonic, blues scale).
        var scale: [Int]
        var range: ClosedRange<Int>
        /// Rhythmic slot in beats (0.5 = 8ths, 0.25 = 16ths).
        var slot: Double
        /// Probability of an onset on a slot (downbeats are more likely).
        var density: Double
        /// Bars per phrase and the rest (beats) that ends each phrase: breathing, never a long gap.
        var phraseBars: Int = 2
        var restBeats: Double = 1
        /// Fraction of the time to the next onset a note sounds.
        var legato: Double = 0.9
        /// Largest step in scale degrees.
        var maxStep: Int = 2
        var velocity: Float = 0.8
    }

    static let major = [0, 2, 4, 5, 7, 9, 11]
    static let minor = [0, 2, 3, 5, 7, 8, 10]
    static let dorian = [0, 2, 3, 5, 7, 9, 10]
    static let majorPentatonic = [0, 2, 4, 7, 9]
    static let minorPentatonic = [0, 3, 5, 7, 10]
    static let blues = [0, 3, 5, 6, 7, 10]
    static let bebopDominant = [0, 2, 4, 5, 7, 9, 10, 11]

    static func melody(spans: [ChordSpan], tonic: Int, timeline: Timeline, style: MelodyStyle,
                       rng: inout SynthRandom) -> [Note] {
        let pitches = style.range.filter { style.scale.contains((($0 - tonic) % 12 + 12) % 12) }
        guard !pitches.isEmpty, let last = spans.last else { return [] }
        let totalBeats = last.startBeat + last.beats
        let phraseBeats = Double(style.phraseBars * timeline.beatsPerBar)
        let center = pitches.count / 2
        var index = center
        var onsets: [(beat: Double, pitch: Int, vel: Float)] = []
        var spanIndex = 0
        var beat = 0.0
        while beat < totalBeats {
            while spanIndex + 1 < spans.count && spans[spanIndex + 1].startBeat <= beat { spanIndex += 1 }
            let inPhrase = beat.truncatingRemainder(dividingBy: phraseBeats)
            let resting = inPhrase >= phraseBeats - style.restBeats
            let strong = beat.truncatingRemainder(dividingBy: 1) == 0
            if !resting && rng.chance(strong ? min(1, style.density * 1.3) : style.density) {
                if strong {
                    // Land on the chord tone nearest a small move.
                    let span = spans[spanIndex]
                    let target = index + rng.int(-1...1)
                    var best = index, bestCost = Int.max
                    for (j, p) in pitches.enumerated() where span.pitchClasses.contains(p % 12) {
                        let cost = abs(j - target) * 2 + abs(j - center) / 3
                        if cost < bestCost { bestCost = cost; best = j }
                    }
                    index = best
                } else {
                    var step = rng.int(1...style.maxStep) * (rng.chance(0.5) ? 1 : -1)
                    // Drift back towards the middle of the range.
                    if index > center + pitches.count / 4 { step = -abs(step) }
                    if index < center - pitches.count / 4 { step = abs(step) }
                    index = max(0, min(pitches.count - 1, index + step))
                }
                onsets.append((beat, pitches[index], style.velocity * Float(strong ? 1 : 0.85)))
            }
            beat += style.slot
        }
        var notes: [Note] = []
        for (k, o) in onsets.enumerated() {
            let nextBeat = k + 1 < onsets.count ? onsets[k + 1].beat : o.beat + 1
            let gap = min(nextBeat - o.beat, 2)
            let t = timeline.humanTime(o.beat, rng: &rng)
            let end = timeline.time(o.beat + gap * style.legato)
            notes.append(Note(start: t, duration: max(0.04, end - t), pitch: Double(o.pitch), velocity: o.vel))
        }
        return notes
    }

    // MARK: Voicings

    /// A six-string barre-style guitar voicing with the root in the low E–A string range.
    static func guitarVoicing(_ span: ChordSpan, low: Int = 40) -> [Int] {
        let r = span.pitch(0, atOrAbove: low)
        let q = span.quality.intervals
        if span.quality == .power { return [r, r + 7, r + 12] }
        let third = q.count > 1 ? q[1] : 4
        let seventh = q.first(where: { $0 == 10 || $0 == 11 })
        return [r, r + 7, seventh.map { r + $0 } ?? r + 12, r + 12 + third, r + 19, r + 24]
    }

    /// Close position voicing of all chord tones (without the root when `rootless`) around `center`.
    static func closeVoicing(_ span: ChordSpan, center: Int, rootless: Bool = false) -> [Int] {
        var tones = span.quality.intervals.map { $0 % 12 }
        if rootless && tones.count > 3 { tones.removeFirst() }
        var pitches = tones.map { span.nearest($0, to: center) }
        pitches.sort()
        // Remove unisons.
        var out: [Int] = []
        for p in pitches where !out.contains(p) { out.append(p) }
        return out
    }

    // MARK: Guitar

    /// Strums `pitches` on Karplus–Strong strings: down-strokes low→high, up-strokes high→low,
    /// `spread` seconds between strings.
    static func strum(_ pitches: [Int], at time: Double, duration: Double, down: Bool, spread: Double,
                      velocity: Float, tone: Instruments.PluckTone, into bus: inout [Float], rng: inout SynthRandom) {
        let order = down ? pitches : pitches.reversed()
        for (i, p) in order.enumerated() {
            let t = time + Double(i) * spread
            let v = velocity * Float(rng.uniform(0.75, 1.0)) * (down ? 1 : 0.8)
            Instruments.pluck(Note(start: t, duration: max(0.02, duration - Double(i) * spread), pitch: Double(p),
                                   velocity: v), tone: tone, into: &bus, rng: &rng)
        }
    }

    // MARK: Pads

    /// Holds each chord as a sustained voicing (synth pad, organ, string section) in `tone`.
    static func pad(spans: [ChordSpan], timeline: Timeline, center: Int, tone: Instruments.SustainTone,
                    velocity: Float, into bus: inout [Float], rng: inout SynthRandom) {
        for span in spans {
            let t = timeline.time(span.startBeat)
            let d = timeline.time(span.startBeat + span.beats) - t
            for p in closeVoicing(span, center: center) {
                Instruments.sustain(Note(start: t, duration: d, pitch: Double(p), velocity: velocity),
                                    tone: tone, into: &bus, rng: &rng)
            }
        }
    }
}
