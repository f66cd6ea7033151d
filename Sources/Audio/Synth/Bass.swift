import Foundation

/// The bass behaviours of the corpus.
enum BassStyle: String {
    /// Jazz walking bass: a quarter note per beat, chord tones on strong beats, chromatic approach
    /// into each new root.
    case walking
    /// Country root–fifth "boom" on beats 1 and 3 with walk-ups into chord changes.
    case rootFifth
    /// Hip hop 808 sub-bass: long sine notes on the chord root, a syncopated re-strike, octave drops.
    case sub808
    /// Disco octave bass: 8th notes alternating the root and its upper octave.
    case discoOctave
    /// Reggae one-drop bass: a melodic riff that rests on beat 1, deep and round.
    case reggaeRiff
    /// Rock: driving straight 8ths on the root.
    case rockEighths
    /// Metal: 16th chugs doubling the guitar riff.
    case metalChug
    /// Blues boogie: root–3–5–6–♭7–6–5–3 on shuffled 8ths.
    case boogie
    /// Pop: root on syncopated 8ths (dotted-quarter feel).
    case popSyncopated
}

/// Writes bass lines from a chord progression.
enum Bass {
    static func line(_ style: BassStyle, spans: [ChordSpan], timeline: Timeline,
                     low: Int, rng: inout SynthRandom) -> [Note] {
        var notes: [Note] = []
        func add(_ beat: Double, _ beats: Double, _ pitch: Int, _ vel: Float) {
            let t = timeline.humanTime(beat, rng: &rng)
            let end = timeline.time(beat + beats)
            notes.append(Note(start: t, duration: max(0.03, end - t), pitch: Double(pitch), velocity: vel))
        }
        for (k, span) in spans.enumerated() {
            let root = span.pitch(0, atOrAbove: low)
            let next = k + 1 < spans.count ? spans[k + 1] : span
            let nextRoot = next.pitch(0, atOrAbove: low)
            let fifth = root + 7 > low + 14 ? root - 5 : root + 7
            let beats = Int(span.beats.rounded())
            switch style {
            case .walking:
                var p = root
                for b in 0..<max(1, beats) {
                    let beat = span.startBeat + Double(b)
                    if b == 0 { p = root }
                    else if b == beats - 1 { p = nextRoot + (rng.chance(0.6) ? (rng.chance(0.5) ? 1 : -1) : 7) }
                    else {
                        let targets = span.quality.intervals.map { span.nearest($0, to: p + rng.int(-4...5)) }
                        p = rng.pick(targets)
                    }
                    while p < low { p += 12 }
                    while p > low + 19 { p -= 12 }
                    add(beat, 0.92, p, b % 2 == 0 ? 0.9 : 0.75)
                }
            case .rootFifth:
                var b = 0
                while b < beats {
                    let beat = span.startBeat + Double(b)
                    let walkUp = b + 2 >= beats && next.root != span.root && rng.chance(0.5)
                    if walkUp && b + 1 < beats {
                        add(beat, 0.7, root, 0.85)
                        let steps = [nextRoot - 3, nextRoot - 1].map { $0 < low ? $0 + 12 : $0 }
                        add(beat + 1, 0.45, steps[0], 0.7)
                        add(beat + 1.5, 0.45, steps[1], 0.7)
                    } else {
                        add(beat, 0.8, (b / 2) % 2 == 0 ? root : fifth, 0.85)
                    }
                    b += 2
                }
            case .sub808:
                let r = root + (root < low + 5 ? 12 : 0)
                add(span.startBeat, min(span.beats, rng.pick([1.5, 2.5, 3.5])), r, 1.0)
                if span.beats >= 4 {
                    add(span.startBeat + 2.5, 1.2, rng.chance(0.3) ? r + 12 : r, 0.9)
                }
            case .discoOctave:
                for e in 0..<(beats * 2) {
                    let beat = span.startBeat + Double(e) / 2
                    let pitch = e % 2 == 0 ? root : root + 12
                    add(beat, 0.42, e == beats * 2 - 1 && rng.chance(0.3) ? fifth + 12 : pitch, e % 2 == 0 ? 0.95 : 0.8)
                }
            case .reggaeRiff:
                let positions = rng.pick([[0.5, 1.0, 1.5, 2.5, 3.0], [1.0, 1.5, 2.0, 3.0, 3.5], [0.5, 1.5, 2.0, 2.5, 3.5]])
                for bar in 0..<max(1, beats / 4) {
                    for (j, pos) in positions.enumerated() {
                        let interval = [0, span.third, 7, 12, span.third][j % 5]
                        let len = (j + 1 < positions.count ? positions[j + 1] : 4.0) - pos
                        add(span.startBeat + Double(bar * 4) + pos, len * 0.9, root + interval, j == 0 ? 1 : 0.85)
                    }
                }
            case .rockEighths:
                for e in 0..<(beats * 2) {
                    let last = e == beats * 2 - 1 && next.root != span.root && rng.chance(0.4)
                    add(span.startBeat + Double(e) / 2, 0.45, last ? nextRoot - 1 : root, e % 2 == 0 ? 0.95 : 0.8)
                }
            case .metalChug:
                for s in 0..<(beats * 4) where s % 4 != 3 || rng.chance(0.5) {
                    add(span.startBeat + Double(s) / 4, 0.22, root, s % 4 == 0 ? 1 : 0.8)
                }
            case .boogie:
                let third = span.third
                let figure = [0, third, 7, 9, 10, 9, 7, third]
                for e in 0..<(beats * 2) {
                    add(span.startBeat + Double(e) / 2, 0.45, root + figure[e % figure.count], e % 2 == 0 ? 0.95 : 0.75)
                }
            case .popSyncopated:
                let positions: [Double] = [0, 1.5, 3, 3.5]
                for bar in 0..<max(1, beats / 4) {
                    for (j, pos) in positions.enumerated() {
                        let pitch = j == 3 && rng.chance(0.4) ? root + 12 : root
                        add(span.startBeat + Double(bar * 4) + pos, j == 1 ? 1.3 : 0.45, pitch, 0.9)
                    }
                }
            }
        }
        return notes
    }
}
