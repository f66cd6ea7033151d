import Foundation

/// Chord qualities as semitone stacks above the root.
enum ChordQuality {
    case major, minor, diminished, power, dominant7, major7, minor7, halfDiminished7
    case dominant9, dominant13, dominant7flat9, major9, sixNine, minor9, minor6, add9, sus4

    var intervals: [Int] {
        switch self {
        case .major: return [0, 4, 7]
        case .minor: return [0, 3, 7]
        case .diminished: return [0, 3, 6]
        case .power: return [0, 7, 12]
        case .dominant7: return [0, 4, 7, 10]
        case .major7: return [0, 4, 7, 11]
        case .minor7: return [0, 3, 7, 10]
        case .halfDiminished7: return [0, 3, 6, 10]
        case .dominant9: return [0, 4, 7, 10, 14]
        case .dominant13: return [0, 4, 10, 14, 21]
        case .dominant7flat9: return [0, 4, 7, 10, 13]
        case .major9: return [0, 4, 7, 11, 14]
        case .sixNine: return [0, 4, 7, 9, 14]
        case .minor9: return [0, 3, 7, 10, 14]
        case .minor6: return [0, 3, 7, 9]
        case .add9: return [0, 4, 7, 14]
        case .sus4: return [0, 5, 7]
        }
    }

    var isMinorThird: Bool { intervals.count > 1 && intervals[1] == 3 }
}

/// A chord sounding over a span of beats.
struct ChordSpan {
    /// Root as a MIDI pitch class 0…11.
    var root: Int
    var quality: ChordQuality
    var startBeat: Double
    var beats: Double
    /// Bass note above the root for inversions (0 root position, 3/4 first inversion, 7 second).
    var bassInterval: Int = 0

    var pitchClasses: [Int] { quality.intervals.map { (root + $0) % 12 } }
    var third: Int { quality.intervals.count > 1 ? quality.intervals[1] : 4 }

    /// The chord tone nearest to `center` with the given interval above the root.
    func nearest(_ interval: Int, to center: Int) -> Int {
        let pc = (root + interval) % 12
        var p = center - ((center - pc) % 12 + 12) % 12
        if center - p > 6 { p += 12 }
        return p
    }

    /// The lowest pitch ≥ `low` whose pitch class is the root plus `interval`.
    func pitch(_ interval: Int, atOrAbove low: Int) -> Int {
        let pc = ((root + interval) % 12 + 12) % 12
        return low + ((pc - low) % 12 + 12) % 12
    }
}

/// The chord-progression families of the corpus.
enum HarmonyStyle: String {
    /// 12-bar blues in dominant 7ths (I7–IV7–V7), optional quick change, V7 turnaround.
    case blues12
    /// Jazz ii–V–I cycles with extended chords (m9, 13, 7♭9, maj9, 6/9), 1–2 chords per bar.
    case jazzTwoFiveOne
    /// The pop "axis" loop I–V–vi–IV and its rotations, triads with added 9ths.
    case popAxis
    /// Rock: I–IV–V, mixolydian I–♭VII–IV, and the axis loop; power chords or triads.
    case rock
    /// Metal: minor/phrygian riffs over i, ♭II, ♭VI, ♭VII, iv, v as power chords.
    case metal
    /// Country: I–IV–V in major triads, one or two bars per chord.
    case country
    /// Classical: functional tonic → predominant → dominant → tonic phrases with cadences.
    case classical
    /// Disco: minor-7th vamps (i7–iv7, Dorian i7–IV7, ii7–V7).
    case disco
    /// Hip hop: looped minor progressions with 7ths/9ths (i–♭VI, i–iv, i–♭VII–♭VI).
    case hiphop
    /// Reggae: one- and two-chord vamps (I–IV, I–V, i–iv, i–♭VII).
    case reggae
}

/// Writes chord progressions in a key.
enum Harmony {
    typealias Step = (offset: Int, quality: ChordQuality, beats: Double)

    static func progression(_ style: HarmonyStyle, tonic: Int, minor: Bool, beatsPerBar: Int, bars: Int,
                            rng: inout SynthRandom) -> [ChordSpan] {
        let bar = Double(beatsPerBar)
        var loop: [Step]
        switch style {
        case .blues12:
            let ext: ChordQuality = rng.chance(0.5) ? .dominant9 : .dominant7
            let quick = rng.chance(0.5)
            let degrees = [0, quick ? 5 : 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7]
            loop = degrees.map { ($0, ext, bar) }
        case .jazzTwoFiveOne:
            let ii: ChordQuality = rng.chance(0.5) ? .minor9 : .minor7
            let v: ChordQuality = rng.pick([.dominant13, .dominant9, .dominant7flat9])
            let i: ChordQuality = rng.chance(0.5) ? .major9 : .sixNine
            let forms: [[Step]] = [
                [(2, ii, bar), (7, v, bar), (0, i, bar), (9, .dominant7flat9, bar)],
                [(0, i, bar / 2), (9, .dominant7flat9, bar / 2), (2, ii, bar / 2), (7, v, bar / 2)],
                [(4, .minor7, bar / 2), (9, .dominant13, bar / 2), (2, ii, bar / 2), (7, v, bar / 2), (0, i, 2 * bar)],
                [(2, .halfDiminished7, bar), (7, .dominant7flat9, bar), (0, .minor9, bar), (0, .minor6, bar)],
                [(2, ii, bar), (7, v, bar), (0, i, bar), (0, i, bar), (0, .minor7, bar), (5, .dominant13, bar),
                 (10, .major9, bar), (10, .major9, bar)],
            ]
            loop = forms[minor ? 3 : rng.pick([0, 1, 2, 4])]
        case .popAxis:
            let add: ChordQuality = rng.chance(0.4) ? .add9 : .major
            let forms: [[Step]] = [
                [(0, add, bar), (7, .major, bar), (9, .minor, bar), (5, add, bar)],
                [(9, .minor, bar), (5, add, bar), (0, add, bar), (7, .major, bar)],
                [(0, add, bar), (9, .minor, bar), (5, add, bar), (7, .major, bar)],
                [(5, add, bar), (0, add, bar), (7, .major, bar), (9, .minor, bar)],
            ]
            loop = rng.pick(forms)
        case .rock:
            let q: ChordQuality = rng.chance(0.5) ? .power : .major
            let forms: [[Step]] = [
                [(0, q, bar), (5, q, bar), (7, q, bar), (5, q, bar)],
                [(0, q, bar), (10, q, bar), (5, q, bar), (0, q, bar)],
                [(0, q, bar), (7, q, bar), (9, q == .power ? .power : .minor, bar), (5, q, bar)],
                [(0, q, 2 * bar), (5, q, bar), (7, q, bar)],
                [(0, q, bar), (0, q, bar), (5, q, bar), (7, q, bar)],
            ]
            loop = rng.pick(forms)
        case .metal:
            var steps: [Step] = [(0, .power, bar)]
            let pool = [1, 8, 10, 5, 7, 3]
            for _ in 0..<(rng.chance(0.5) ? 3 : 7) {
                steps.append((rng.chance(0.35) ? 0 : rng.pick(pool), .power, rng.chance(0.3) ? bar / 2 : bar))
            }
            loop = steps
        case .country:
            let forms: [[Step]] = [
                [(0, .major, bar), (5, .major, bar), (0, .major, bar), (7, .major, bar)],
                [(0, .major, bar), (5, .major, bar), (7, .major, bar), (0, .major, bar)],
                [(0, .major, 2 * bar), (7, .major, bar), (0, .major, bar)],
                [(0, .major, bar), (0, .major, bar), (5, .major, bar), (7, .dominant7, bar)],
                [(0, .major, bar), (9, .minor, bar), (5, .major, bar), (7, .major, bar)],
            ]
            loop = rng.pick(forms)
        case .classical:
            loop = classicalPhrase(minor: minor, bar: bar, rng: &rng)
        case .disco:
            let forms: [[Step]] = [
                [(0, .minor7, bar), (5, .minor7, bar)],
                [(0, .minor7, bar), (5, .dominant9, bar)],
                [(2, .minor7, bar), (7, .dominant9, bar)],
                [(0, .minor9, 2 * bar), (5, .minor7, 2 * bar)],
            ]
            loop = rng.pick(forms)
        case .hiphop:
            let forms: [[Step]] = [
                [(0, .minor7, bar), (8, .major7, bar)],
                [(0, .minor9, bar), (5, .minor7, bar)],
                [(0, .minor, bar), (10, .major, bar), (8, .major7, bar), (10, .major, bar)],
                [(0, .minor7, bar), (5, .minor9, bar), (7, .minor7, bar), (8, .major7, bar)],
            ]
            loop = rng.pick(forms)
        case .reggae:
            let forms: [[Step]] = minor
                ? [[(0, .minor, bar), (5, .minor, bar)], [(0, .minor, bar), (10, .major, bar)]]
                : [[(0, .major, bar), (5, .major, bar)], [(0, .major, bar), (7, .major, bar)],
                   [(0, .major, bar), (5, .major, bar), (7, .major, bar), (5, .major, bar)]]
            loop = rng.pick(forms)
        }
        var spans: [ChordSpan] = []
        var beat = 0.0
        let end = Double(bars * beatsPerBar)
        var k = 0
        while beat < end {
            if style == .classical && k > 0 && k % loop.count == 0 { loop = classicalPhrase(minor: minor, bar: bar, rng: &rng) }
            let step = loop[k % loop.count]
            var span = ChordSpan(root: ((tonic + step.offset) % 12 + 12) % 12, quality: step.quality,
                                 startBeat: beat, beats: step.beats)
            if style == .classical, let inv = classicalInversion(step, rng: &rng) { span.bassInterval = inv }
            spans.append(span)
            beat += step.beats
            k += 1
        }
        return spans
    }

    /// One 4-bar phrase by the functional grammar T → (S) → D → T, ending in an authentic or half cadence.
    private static func classicalPhrase(minor: Bool, bar: Double, rng: inout SynthRandom) -> [Step] {
        // Diatonic triads by function (offset, quality).
        let tonic: [Step] = minor ? [(0, .minor, 0), (8, .major, 0)] : [(0, .major, 0), (9, .minor, 0), (4, .minor, 0)]
        let predominant: [Step] = minor ? [(5, .minor, 0), (2, .diminished, 0)] : [(5, .major, 0), (2, .minor, 0), (2, .minor7, 0)]
        let dominant: [Step] = [(7, .major, 0), (7, .dominant7, 0), (11, .diminished, 0)]
        var chords: [Step] = [minor ? (0, .minor, 0) : (0, .major, 0)]
        let slots = 7  // two chords per bar over 4 bars, the last slot is the cadence goal
        var function = 0  // 0 T, 1 S, 2 D
        while chords.count < slots - 2 {
            switch function {
            case 0: function = rng.chance(0.6) ? 1 : (rng.chance(0.5) ? 2 : 0)
            case 1: function = rng.chance(0.7) ? 2 : 1
            default: function = rng.chance(0.75) ? 0 : 2
            }
            chords.append(rng.pick([tonic, predominant, dominant][function]))
        }
        let half = rng.chance(0.3)
        chords.append(predominant[0])
        chords.append(half ? (7, .major, 0) : (7, .dominant7, 0))
        if !half { chords.append(minor ? (0, .minor, 0) : (0, .major, 0)) }
        // Rhythm: mostly two chords per bar; the goal chord gets the rest of the phrase.
        let slot = bar / 2
        var steps: [Step] = chords.map { ($0.offset, $0.quality, slot) }
        let used = Double(steps.count) * slot
        steps[steps.count - 1].beats += max(0, 4 * bar - used)
        return steps
    }

    private static func classicalInversion(_ step: Step, rng: inout SynthRandom) -> Int? {
        guard step.quality != .dominant7 || rng.chance(0.5) else { return nil }
        if rng.chance(0.25) { return step.quality.intervals[1] }  // first inversion (6 chord)
        return nil
    }
}
