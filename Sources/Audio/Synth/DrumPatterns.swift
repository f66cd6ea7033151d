import Foundation

/// One bar of drumming on a step grid: for each voice a string with one character per step
/// (`X` accent, `x` normal, `o` ghost, `.` rest).
struct DrumPattern {
    var stepsPerBeat: Int
    var lanes: [(DrumVoice, String)]

    static func velocity(_ c: Character) -> Float? {
        switch c {
        case "X": return 1.0
        case "x": return 0.75
        case "o": return 0.32
        default: return nil
        }
    }
}

/// The grooves of the corpus: the drum patterns that carry each genre's meter and feel.
enum Groove: String, CaseIterable {
    /// Rock backbeat: kick on 1 and 3 (with pickups), snare on 2 and 4, straight 8th hats or ride.
    case rockBackbeat
    /// Country two-beat / train beat: kick on 1 and 3, cross-stick or brush on 2 and 4, shuffled 16ths on snare.
    case countryTrain
    /// 12/8 blues shuffle: kick 1 and 3, snare 2 and 4, hats on the 1st and 3rd triplet of each beat.
    case bluesShuffle
    /// Jazz swing: ride "spang-a-lang", hi-hat foot on 2 and 4, feathered kick, sparse snare comping.
    case jazzSwing
    /// Metal: 16th double kick, snare backbeat, crash/china on quarters.
    case metalDoubleKick
    /// Metal blast beat: kick and snare alternating 16ths under a ride/crash wash.
    case metalBlast
    /// Four-on-the-floor: kick every beat, clap/snare 2 and 4, open hat on the off-beats, 16th closed hats.
    case fourOnTheFloor
    /// Pop drum-machine backbeat: syncopated kick, clap+snare on 2 and 4, 8th hats.
    case popBackbeat
    /// Boom-bap: swung 16ths, syncopated kick, hard snare on 2 and 4, 8th/16th hats with ghosts.
    case boomBap
    /// Trap-style hats (16ths with rolls) over a sparse kick and a snare/clap on beat 3 of a half-time bar.
    case trapHalfTime
    /// Reggae one-drop: kick and rim-shot together on beat 3 only, swung hats.
    case oneDrop
    /// Reggae steppers: kick on every beat, rim on 3.
    case steppers

    func pattern(variant: Int) -> DrumPattern {
        switch self {
        case .rockBackbeat:
            let kicks = ["x.......x.......", "x.......x.x.....", "x......xx.x.....", "x.x.....x.x....."]
            let hat = variant % 3 == 2 ? (DrumVoice.ride, "x.x.x.x.x.x.x.x.") : (DrumVoice.closedHat, "X.x.X.x.X.x.X.x.")
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, kicks[variant % kicks.count]),
                                                        (.snare, "....X.......X..."), hat])
        case .countryTrain:
            if variant % 2 == 0 {
                return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "x.......x......."), (.rim, "....x.......x..."),
                                                            (.closedHat, "x.x.x.x.x.x.x.x."), (.shaker, "xoxoxoxoxoxoxoxo")])
            }
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "x.......x......."), (.snare, "oooxoooXoooxoooX"),
                                                        (.closedHat, "x.x.x.x.x.x.x.x.")])
        case .bluesShuffle:
            let top = variant % 2 == 0 ? DrumVoice.closedHat : .ride
            return DrumPattern(stepsPerBeat: 3, lanes: [(.kick, "x.....x....."), (.snare, "...X.....X.."),
                                                        (top, "x.xx.xx.xx.x"), (.pedalHat, "...x.....x..")])
        case .jazzSwing:
            return DrumPattern(stepsPerBeat: 3, lanes: [(.ride, "X..x.xX..x.x"), (.pedalHat, "...x.....x.."),
                                                        (.kick, "o..o..o..o..")])
        case .metalDoubleKick:
            let kicks = ["xxxxxxxxxxxxxxxx", "x.xxx.xxx.xxx.xx", "xxx.xxx.xxx.xxx."]
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, kicks[variant % kicks.count]), (.snare, "....X.......X..."),
                                                        (.crash, "x...x...x...x..."), (.closedHat, "..x...x...x...x.")])
        case .metalBlast:
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "x.x.x.x.x.x.x.x."), (.snare, ".x.x.x.x.x.x.x.x"),
                                                        (.ride, "xxxxxxxxxxxxxxxx"), (.crash, "x.......x.......")])
        case .fourOnTheFloor:
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "X...X...X...X..."),
                                                        (variant % 2 == 0 ? .clap : .snare, "....x.......x..."),
                                                        (.openHat, "..x...x...x...x."), (.closedHat, "xoxoxoxoxoxoxoxo"),
                                                        (.shaker, variant % 3 == 0 ? "oxoxoxoxoxoxoxox" : "................")])
        case .popBackbeat:
            let kicks = ["x......x..x.....", "x.....x.x.......", "x..x......x....."]
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, kicks[variant % kicks.count]), (.clap, "....x.......x..."),
                                                        (.snare, "....x.......x..."), (.closedHat, "x.x.x.x.x.x.x.x."),
                                                        (.shaker, variant % 2 == 0 ? "oxoxoxoxoxoxoxox" : "................")])
        case .boomBap:
            let kicks = ["x.........x.x...", "x......x..x.....", "x.x.......x..x..", "x..x......x....."]
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, kicks[variant % kicks.count]), (.snare, "....X.......X..."),
                                                        (.closedHat, variant % 2 == 0 ? "x.x.x.x.x.x.x.x." : "xoxoxoxoxoxoxoxo"),
                                                        (.rim, "......o.......o.")])
        case .trapHalfTime:
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "x......x..x....."), (.clap, "........X......."),
                                                        (.snare, "........x......."), (.closedHat, "xxxxxxxxxxxxxxxx")])
        case .oneDrop:
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "........X......."), (.rim, "........X......."),
                                                        (.closedHat, variant % 2 == 0 ? "x.x.x.x.x.x.x.x." : "..x...x...x...x."),
                                                        (.openHat, variant % 3 == 1 ? "..............x." : "................")])
        case .steppers:
            return DrumPattern(stepsPerBeat: 4, lanes: [(.kick, "x...x...x...x..."), (.rim, "........X......."),
                                                        (.closedHat, "x.x.x.x.x.x.x.x.")])
        }
    }
}

/// A drummer: plays a groove bar after bar on a kit, with crashes at phrase starts, fills at phrase
/// ends, velocity and timing variation, and (jazz) improvised snare comping.
struct Drummer {
    var groove: Groove
    var kit: DrumKit
    var variant: Int
    /// Bars per phrase: a crash on the first bar, a fill on the last.
    var phrase: Int = 8
    var crashes: Bool = true
    var fills: Bool = true
    var velocityJitter: Float = 0.08

    func play(_ swungTimeline: Timeline, seconds: Double, into bus: inout [Float], rng: inout SynthRandom) {
        let pattern = groove.pattern(variant: variant)
        // Triplet-grid grooves already carry their swing; do not warp them again.
        var timeline = swungTimeline
        if pattern.stepsPerBeat == 3 { timeline.swing = 0.5 }
        let steps = pattern.stepsPerBeat * timeline.beatsPerBar
        let bars = timeline.bars(covering: seconds)
        for bar in 0..<bars {
            let isFill = fills && bar % phrase == phrase - 1
            for (voice, lane) in pattern.lanes {
                let chars = Array(lane)
                for s in 0..<steps {
                    guard let v = DrumPattern.velocity(chars[s % chars.count]) else { continue }
                    let beat = Double(s) / Double(pattern.stepsPerBeat)
                    // The fill replaces the second half of the bar (except the kick's downbeats).
                    if isFill && beat >= Double(timeline.beatsPerBar) / 2 && voice != .kick && voice != .pedalHat { continue }
                    let t = timeline.humanTime(Double(bar * timeline.beatsPerBar) + beat, rng: &rng)
                    let vel = v * Float(1 + Double(velocityJitter) * rng.gaussian())
                    kit.strike(voice, at: t, velocity: max(0.05, vel), into: &bus)
                }
            }
            if crashes && bar % phrase == 0 && groove != .jazzSwing {
                kit.strike(.crash, at: timeline.humanTime(Double(bar * timeline.beatsPerBar), rng: &rng),
                           velocity: 0.8, into: &bus)
            }
            if isFill { fill(bar: bar, timeline, into: &bus, rng: &rng) }
            if groove == .jazzSwing { comp(bar: bar, timeline, into: &bus, rng: &rng) }
        }
    }

    /// Snare and toms on 8ths or 16ths through the second half of the bar.
    private func fill(bar: Int, _ timeline: Timeline, into bus: inout [Float], rng: inout SynthRandom) {
        let half = Double(timeline.beatsPerBar) / 2
        let sub = groove == .metalDoubleKick || groove == .metalBlast || rng.chance(0.5) ? 4.0 : 2.0
        let count = Int(half * sub)
        let voices: [DrumVoice] = [.snare, .tomHigh, .tomLow]
        for k in 0..<count {
            let beat = Double(bar * timeline.beatsPerBar) + half + Double(k) / sub
            let voice = voices[min(2, k * 3 / count)]
            kit.strike(voice, at: timeline.humanTime(beat, rng: &rng), velocity: Float(rng.uniform(0.6, 0.95)), into: &bus)
        }
    }

    /// Jazz snare comping: a few soft triplet-grid strokes ("chatter") per bar, and a kick "bomb" now and then.
    private func comp(bar: Int, _ timeline: Timeline, into bus: inout [Float], rng: inout SynthRandom) {
        let hits = rng.int(1...4)
        for _ in 0..<hits {
            let pos = Double(rng.int(0...(timeline.beatsPerBar * 3 - 1))) / 3
            let t = timeline.humanTime(Double(bar * timeline.beatsPerBar) + pos, rng: &rng)
            kit.strike(.snare, at: t, velocity: Float(rng.uniform(0.15, 0.45)), into: &bus)
        }
        if rng.chance(0.2) {
            let pos = Double(rng.int(0...(timeline.beatsPerBar * 3 - 1))) / 3
            kit.strike(.kick, at: timeline.humanTime(Double(bar * timeline.beatsPerBar) + pos, rng: &rng),
                       velocity: 0.55, into: &bus)
        }
    }
}
