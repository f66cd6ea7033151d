import Foundation

/// The mix buses of a track; each part renders into one, effects apply per bus, the master sums them.
struct Buses {
    var drums, bass, guitar, keys, pad, lead, vocal: [Float]
    init(count: Int) {
        let z = [Float](repeating: 0, count: count)
        drums = z; bass = z; guitar = z; keys = z; pad = z; lead = z; vocal = z
    }
}

/// Turns a `TrackPlan` into parts: one arranger per genre, written from the genre's traits
/// (see `docs/synthetic-corpus.md`). Each part uses its own forked generator.
enum Arrangement {
    struct Context {
        var plan: TrackPlan
        var seconds: Double
        var spans: [ChordSpan]
        var timeline: Timeline { plan.timeline }
        var tonic: Int { plan.tonic }
    }

    /// Renders `seconds` of music after the plan's pre-roll (the buses hold pre-roll + `seconds`).
    static func render(_ plan: TrackPlan, seconds excerpt: Double, rng: inout SynthRandom) -> Buses {
        let count = Int((excerpt * sr).rounded()) + Int((plan.preroll * sr).rounded())
        let seconds = Double(count) / sr
        var buses = Buses(count: count)
        let recipe = GenreRecipe.recipe(for: plan.genre)
        var harmonyRNG = rng.fork()
        let bars = plan.timeline.bars(covering: seconds) + 1
        let spans = Harmony.progression(recipe.harmony, tonic: plan.tonic, minor: plan.minor,
                                        beatsPerBar: plan.timeline.beatsPerBar, bars: bars, rng: &harmonyRNG)
        let ctx = Context(plan: plan, seconds: seconds, spans: spans)
        if let groove = plan.groove, let kind = plan.kit {
            var kitRNG = rng.fork()
            let used = Set(groove.pattern(variant: plan.grooveVariant).lanes.map(\.0))
                .union([.kick, .snare, .crash, .tomHigh, .tomLow])
            let kit = DrumKit(kind: kind, voices: used, rng: &kitRNG)
            let drummer = Drummer(groove: groove, kit: kit, variant: plan.grooveVariant,
                                  phrase: kitRNG.pick([4, 8]), crashes: plan.genre != .reggae,
                                  fills: kitRNG.chance(0.7), velocityJitter: plan.timeline.humanize > 0.004 ? 0.1 : 0.03)
            var drumRNG = rng.fork()
            drummer.play(plan.timeline, seconds: seconds, into: &buses.drums, rng: &drumRNG)
        }
        var partRNG = rng.fork()
        switch plan.genre {
        case .blues: blues(ctx, &buses, &partRNG)
        case .classical: classical(ctx, &buses, &partRNG)
        case .country: country(ctx, &buses, &partRNG)
        case .disco: disco(ctx, &buses, &partRNG)
        case .hiphop: hiphop(ctx, &buses, &partRNG)
        case .jazz: jazz(ctx, &buses, &partRNG)
        case .metal: metal(ctx, &buses, &partRNG)
        case .pop: pop(ctx, &buses, &partRNG)
        case .reggae: reggae(ctx, &buses, &partRNG)
        case .rock: rock(ctx, &buses, &partRNG)
        }
        return buses
    }

    // MARK: Shared helpers

    private static func bassLine(_ c: Context, low: Int, _ rng: inout SynthRandom) -> [Note] {
        guard let style = c.plan.bass else { return [] }
        return Bass.line(style, spans: c.spans, timeline: c.timeline, low: low, rng: &rng)
    }

    private static func pluckBass(_ notes: [Note], brightness: Double, t60: Double, into bus: inout [Float],
                                  _ rng: inout SynthRandom) {
        let tone = Instruments.PluckTone(t60: t60, brightness: brightness, release: 0.04, pickPosition: 0.2)
        for n in notes { Instruments.pluck(n, tone: tone, into: &bus, rng: &rng) }
    }

    private static func lowpass(_ bus: inout [Float], _ f: Double) { var bq = Biquad.lowpass(f); bq.process(&bus) }
    private static func highpass(_ bus: inout [Float], _ f: Double) { var bq = Biquad.highpass(f); bq.process(&bus) }

    private static func singer(_ rng: inout SynthRandom, female: Bool, vibrato: Double, consonant: Float,
                               breath: Float = 0.04) -> Vocals.Singer {
        Vocals.Singer(formantScale: (female ? 1.17 : 1.0) * rng.uniform(0.94, 1.06), vibratoDepth: vibrato,
                      vibratoRate: rng.uniform(4.8, 6.2), breath: breath, consonant: consonant,
                      attack: rng.uniform(0.02, 0.06))
    }

    /// A sung line: the melody generator's notes, one vowel per syllable.
    private static func sing(_ c: Context, style: Parts.MelodyStyle, singer: Vocals.Singer, into bus: inout [Float],
                             _ rng: inout SynthRandom) {
        let notes = Parts.melody(spans: c.spans, tonic: c.tonic, timeline: c.timeline, style: style, rng: &rng)
        for n in notes { Vocals.syllable(n, vowel: rng.int(0...4), singer: singer, into: &bus, rng: &rng) }
    }

    /// Rap: spoken-pitch syllables on 16ths, falling through each bar, with fricative onsets.
    private static func rap(_ c: Context, female: Bool, into bus: inout [Float], _ rng: inout SynthRandom) {
        let s = singer(&rng, female: female, vibrato: 0, consonant: Float(rng.uniform(0.6, 1.2)), breath: 0.08)
        let center = Double(female ? 57 : 48) + rng.uniform(-2, 2)
        let density = rng.uniform(0.55, 0.85)
        let bar = c.timeline.beatsPerBar
        let totalBeats = Double(c.timeline.bars(covering: c.seconds) * bar)
        var beat = 0.0
        while beat < totalBeats {
            let inBar = beat.truncatingRemainder(dividingBy: Double(bar))
            let barIndex = Int(beat) / bar
            let breathing = barIndex % 4 == 3 && inBar >= Double(bar) - 1
            if !breathing && rng.chance(inBar.truncatingRemainder(dividingBy: 1) == 0 ? 0.95 : density) {
                let pitch = center + 2.5 - 5 * inBar / Double(bar) + rng.uniform(-1.5, 1.5)
                let t = c.timeline.humanTime(beat, rng: &rng)
                let d = c.timeline.time(beat + 0.22) - c.timeline.time(beat)
                Vocals.syllable(Note(start: t, duration: d, pitch: pitch, velocity: Float(rng.uniform(0.7, 1.0))),
                                vowel: rng.int(0...4), singer: s, into: &bus, rng: &rng)
            }
            beat += 0.25
        }
    }

    private static func melodyNotes(_ c: Context, _ style: Parts.MelodyStyle, _ rng: inout SynthRandom) -> [Note] {
        Parts.melody(spans: c.spans, tonic: c.tonic, timeline: c.timeline, style: style, rng: &rng)
    }

    private static func bowed(vibrato: Double, attack: Double, unison: Int) -> Instruments.SustainTone {
        Instruments.SustainTone(shape: .bowed, attack: attack, decay: 0.1, sustain: 0.9, release: 0.25,
                                vibratoRate: 5.6, vibratoDepth: vibrato, vibratoDelay: 0.15, unison: unison,
                                detuneCents: 7, noise: 0.03)
    }

    private static let brass = Instruments.SustainTone(shape: .brassBright, darkShape: .brassDark, attack: 0.06,
                                                       decay: 0.15, sustain: 0.8, release: 0.1, vibratoRate: 5,
                                                       vibratoDepth: 0.08, vibratoDelay: 0.3, noise: 0.01,
                                                       glideFrom: -0.4, glideTime: 0.04)

    private static let synthPad = Instruments.SustainTone(shape: .saw, attack: 0.25, decay: 0.3, sustain: 0.8,
                                                          release: 0.35, vibratoDepth: 0, unison: 2, detuneCents: 10)

    // MARK: Blues

    private static func blues(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        pluckBass(bassLine(c, low: 28 + r.int(0...4), &r), brightness: r.uniform(900, 1500), t60: 1.2, into: &b.bass, &r)
        var g = rng.fork()
        let boogie = g.chance(0.6)
        if boogie {
            // Boogie shuffle comp: root–fifth / root–sixth dyads on shuffled 8ths.
            let tone = Instruments.PluckTone(t60: 0.9, brightness: g.uniform(2500, 4500), release: 0.05)
            for span in c.spans {
                let root = span.pitch(0, atOrAbove: 40)
                for e in 0..<Int(span.beats * 2) {
                    let beat = span.startBeat + Double(e) / 2
                    let upper = root + ((e / 2) % 2 == 0 ? 7 : 9)
                    let t = c.timeline.humanTime(beat, rng: &g)
                    let d = c.timeline.time(beat + 0.45) - c.timeline.time(beat)
                    Parts.strum([root, upper], at: t, duration: d, down: true, spread: 0.008, velocity: 0.7,
                                tone: tone, into: &b.guitar, rng: &g)
                }
            }
        }
        if !boogie || g.chance(0.6) {
            // Organ or piano comping on the shuffle's 2 and 4.
            let organ = g.chance(0.5)
            let drawbars: [(ratio: Double, level: Float)] = [(0.5, 0.5), (1, 0.8), (1.5, 0.4), (2, 0.5), (4, 0.2)]
            for span in c.spans {
                let voicing = Parts.closeVoicing(span, center: 62)
                for beat in stride(from: 1.0, to: span.beats, by: 2) {
                    let t = c.timeline.humanTime(span.startBeat + beat, rng: &g)
                    let d = c.timeline.secondsPerBeat * (organ ? 0.9 : 0.6)
                    for p in voicing {
                        let n = Note(start: t, duration: d, pitch: Double(p), velocity: 0.35)
                        if organ { Instruments.organ(n, drawbars: drawbars, click: 0.3, into: &b.keys, rng: &g) }
                        else { Instruments.piano(n, brightness: 0.8, into: &b.keys) }
                    }
                }
            }
        }
        var l = rng.fork()
        let licks = melodyNotes(c, Parts.MelodyStyle(scale: Parts.blues, range: 57...81, slot: 0.5, density: 0.55,
                                                     phraseBars: 2, restBeats: 2, legato: 0.9, maxStep: 2), &l)
        if l.chance(0.7) {
            let tone = Instruments.PluckTone(t60: 1.6, brightness: l.uniform(3500, 6000), release: 0.08)
            for n in licks { Instruments.pluck(n, tone: tone, into: &b.guitar, rng: &l) }
        } else {
            var harp = Instruments.SustainTone(shape: .reed, attack: 0.03, sustain: 0.8, release: 0.08,
                                               vibratoRate: 6, vibratoDepth: 0.25, noise: 0.08)
            harp.glideFrom = -1
            harp.glideTime = 0.06
            for n in licks { Instruments.sustain(n, tone: harp, into: &b.lead, rng: &l) }
        }
        if c.plan.vocals {
            var v = rng.fork()
            sing(c, style: Parts.MelodyStyle(scale: Parts.blues, range: 48...65, slot: 0.5, density: 0.5, phraseBars: 4,
                                             restBeats: 3, legato: 0.95), singer: singer(&v, female: v.chance(0.3),
                                                                                          vibrato: 0.3, consonant: 0.2),
                 into: &b.vocal, &v)
        }
        if c.plan.drive > 1.2 { Effects.hardClipDistortion(&b.guitar, drive: c.plan.drive, cabinet: 4500, level: 0.6) }
    }

    // MARK: Classical

    private static func classical(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var v = rng.fork()
        let voices = VoiceLeading.satb(c.spans, rng: &v)
        let ensemble = v.pick(["strings", "piano", "brass", "winds"], weights: [0.4, 0.3, 0.15, 0.15])
        let scale = c.plan.minor ? [0, 2, 3, 5, 7, 8, 11] : Parts.major
        var m = rng.fork()
        let melody = melodyNotes(c, Parts.MelodyStyle(scale: scale, range: 67...86, slot: m.pick([0.5, 1.0]),
                                                      density: 0.7, phraseBars: 4, restBeats: 0.5, legato: 1.0,
                                                      maxStep: 2, velocity: 0.7), &m)
        switch ensemble {
        case "piano":
            let bright = v.uniform(0.5, 0.9)
            // Left hand: broken chords (Alberti bass: low–high–middle–high) in 8ths.
            for (span, satb) in zip(c.spans, voices) {
                let lh = [satb[0], satb[2] - 12 >= satb[0] ? satb[2] - 12 : satb[2], satb[1], satb[2] - 12 >= satb[0] ? satb[2] - 12 : satb[2]]
                for e in 0..<Int(span.beats * 2) {
                    let beat = span.startBeat + Double(e) / 2
                    let t = c.timeline.humanTime(beat, rng: &v)
                    let n = Note(start: t, duration: c.timeline.secondsPerBeat * 0.9, pitch: Double(lh[e % 4]),
                                 velocity: e % 4 == 0 ? 0.55 : 0.4)
                    Instruments.piano(n, brightness: bright, into: &b.keys)
                }
            }
            for n in melody { Instruments.piano(n, brightness: bright, into: &b.lead) }
        default:
            let choir: Instruments.SustainTone = ensemble == "brass" ? brass : bowed(vibrato: 0.12, attack: v.uniform(0.08, 0.25), unison: 2)
            for (span, satb) in zip(c.spans, voices) {
                let t = c.timeline.humanTime(span.startBeat, rng: &v)
                let d = c.timeline.time(span.startBeat + span.beats) - t
                for (k, p) in satb.enumerated() {
                    let n = Note(start: t, duration: d + 0.05, pitch: Double(p), velocity: k == 0 ? 0.6 : 0.45)
                    Instruments.sustain(n, tone: choir, into: &b.pad, rng: &v)
                }
            }
            let leadTone: Instruments.SustainTone
            switch ensemble {
            case "brass": leadTone = brass
            case "winds":
                leadTone = Instruments.SustainTone(shape: m.chance(0.5) ? .flute : .reed, attack: 0.05, sustain: 0.85,
                                                   release: 0.12, vibratoRate: 5, vibratoDepth: 0.12, noise: 0.06)
            default: leadTone = bowed(vibrato: 0.2, attack: 0.06, unison: 1)
            }
            for n in melody { Instruments.sustain(n, tone: leadTone, into: &b.lead, rng: &m) }
        }
        // Phrase-long swells (crescendo/diminuendo) on the whole ensemble.
        let rate = v.uniform(0.04, 0.12), depth = Float(v.uniform(0.2, 0.5)), phase = v.uniform(0, 6.28)
        for bus in [\Buses.pad, \Buses.keys, \Buses.lead] {
            b[keyPath: bus].withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count {
                    let g = 1 - depth * Float(0.5 + 0.5 * sin(2 * Double.pi * rate * Double(i) / sr + phase))
                    let end = min(p.count, i + 256)
                    while i < end { p[i] *= g; i += 1 }
                }
            }
        }
    }

    // MARK: Country

    private static func country(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        pluckBass(bassLine(c, low: 28 + r.int(0...5), &r), brightness: r.uniform(1200, 2200), t60: 0.9, into: &b.bass, &r)
        var g = rng.fork()
        let acoustic = Instruments.PluckTone(t60: 1.3, brightness: g.uniform(6000, 9000), release: 0.08, pickPosition: 0.12)
        let electric = g.chance(0.3)
        for span in c.spans {
            let voicing = Parts.guitarVoicing(span)
            for beat in 0..<Int(span.beats) {
                let at = span.startBeat + Double(beat)
                if electric {
                    // Chicken pickin': clipped arpeggiated chord tones on 8ths.
                    for e in 0..<2 {
                        let t = c.timeline.humanTime(at + Double(e) / 2, rng: &g)
                        let p = voicing[2 + g.int(0...(voicing.count - 3))]
                        Instruments.pluck(Note(start: t, duration: c.timeline.secondsPerBeat * 0.3, pitch: Double(p), velocity: 0.75),
                                          tone: Instruments.PluckTone(t60: 0.4, brightness: 7000, release: 0.03),
                                          into: &b.guitar, rng: &g)
                    }
                } else if beat % 2 == 0 {
                    // "Boom": the bass string alone.
                    let t = c.timeline.humanTime(at, rng: &g)
                    let p = beat % 4 == 0 ? voicing[0] : voicing[1]
                    Instruments.pluck(Note(start: t, duration: c.timeline.secondsPerBeat * 0.9, pitch: Double(p), velocity: 0.8),
                                      tone: acoustic, into: &b.guitar, rng: &g)
                } else {
                    // "Chick": down-up strum of the upper strings.
                    let upper = Array(voicing.dropFirst(2))
                    for (e, down) in [(0.0, true), (0.5, false)] {
                        let t = c.timeline.humanTime(at + e, rng: &g)
                        Parts.strum(upper, at: t, duration: c.timeline.secondsPerBeat * 0.45, down: down, spread: 0.012,
                                    velocity: 0.55, tone: acoustic, into: &b.guitar, rng: &g)
                    }
                }
            }
        }
        var l = rng.fork()
        switch l.pick(["fiddle", "steel", "banjo"]) {
        case "fiddle":
            let notes = melodyNotes(c, Parts.MelodyStyle(scale: Parts.majorPentatonic, range: 64...86, slot: 0.5,
                                                         density: 0.65, phraseBars: 2, restBeats: 1, legato: 0.95), &l)
            for n in notes { Instruments.sustain(n, tone: bowed(vibrato: 0.2, attack: 0.04, unison: 1), into: &b.lead, rng: &l) }
        case "steel":
            var steel = Instruments.SustainTone(shape: .flute, attack: 0.08, decay: 1.5, sustain: 0.5, release: 0.3,
                                                vibratoRate: 5, vibratoDepth: 0.1, glideFrom: -2, glideTime: 0.18)
            steel.unison = 2
            steel.detuneCents = 4
            let notes = melodyNotes(c, Parts.MelodyStyle(scale: Parts.majorPentatonic, range: 62...84, slot: 1,
                                                         density: 0.75, phraseBars: 2, restBeats: 1, legato: 1.0), &l)
            for n in notes { Instruments.sustain(n, tone: steel, into: &b.lead, rng: &l) }
        default:
            // Banjo forward roll: 16ths across chord tones, bright and short.
            let tone = Instruments.PluckTone(t60: 0.5, brightness: 9000, release: 0.03, pickPosition: 0.08)
            for span in c.spans {
                let v = Parts.closeVoicing(span, center: 67) + [span.pitch(0, atOrAbove: 72)]
                for s in 0..<Int(span.beats * 4) {
                    let t = c.timeline.humanTime(span.startBeat + Double(s) / 4, rng: &l)
                    Instruments.pluck(Note(start: t, duration: 0.15, pitch: Double(v[(s * 2) % v.count]), velocity: 0.45),
                                      tone: tone, into: &b.lead, rng: &l)
                }
            }
        }
        if c.plan.vocals {
            var v = rng.fork()
            let female = v.chance(0.4)
            sing(c, style: Parts.MelodyStyle(scale: Parts.majorPentatonic, range: female ? 60...76 : 50...67, slot: 0.5,
                                             density: 0.55, phraseBars: 2, restBeats: 1.5, legato: 0.95),
                 singer: singer(&v, female: female, vibrato: 0.25, consonant: 0.2), into: &b.vocal, &v)
        }
        if c.plan.drive > 1.3 { Effects.hardClipDistortion(&b.guitar, drive: c.plan.drive, cabinet: 5000, level: 0.7) }
    }

    // MARK: Disco

    private static func disco(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        let bass = bassLine(c, low: 28 + r.int(0...5), &r)
        if r.chance(0.5) {
            pluckBass(bass, brightness: r.uniform(3000, 6000), t60: 0.6, into: &b.bass, &r)
        } else {
            let tone = Instruments.SustainTone(shape: .saw, attack: 0.004, decay: 0.15, sustain: 0.45, release: 0.04)
            for n in bass { Instruments.sustain(n, tone: tone, into: &b.bass, rng: &r) }
            lowpass(&b.bass, r.uniform(900, 2000))
        }
        var p = rng.fork()
        Parts.pad(spans: c.spans, timeline: c.timeline, center: 67, tone: synthPad, velocity: 0.3, into: &b.pad, rng: &p)
        lowpass(&b.pad, p.uniform(3000, 6500))
        var g = rng.fork()
        if g.chance(0.7) {
            // Chicken-scratch rhythm guitar: muted 16ths, accented off-beats.
            let tone = Instruments.PluckTone(t60: 0.12, brightness: 6000, release: 0.02)
            let pattern = Array(g.pick(["x.xx.x.xx.xx.x.x", ".xx.x.xx.xx.x.xx", "xxx.xxx.xxx.xxx."]))
            for span in c.spans {
                let dyad = Array(Parts.closeVoicing(span, center: 66).suffix(2))
                for s in 0..<Int(span.beats * 4) where pattern[s % 16] == "x" {
                    let t = c.timeline.humanTime(span.startBeat + Double(s) / 4, rng: &g)
                    Parts.strum(dyad, at: t, duration: 0.06, down: s % 2 == 0, spread: 0.004, velocity: 0.6,
                                tone: tone, into: &b.guitar, rng: &g)
                }
            }
        }
        var k = rng.fork()
        if k.chance(0.5) {
            for span in c.spans {
                for beat in stride(from: 0.5, to: span.beats, by: 1) {
                    let t = c.timeline.humanTime(span.startBeat + beat, rng: &k)
                    for p in Parts.closeVoicing(span, center: 62) {
                        Instruments.fmPiano(Note(start: t, duration: 0.2, pitch: Double(p), velocity: 0.3), index: 2,
                                            decay: 0.5, into: &b.keys, rng: &k)
                    }
                }
            }
        }
        var l = rng.fork()
        if l.chance(0.4) {
            // Brass stabs on syncopated 8ths.
            for span in c.spans where l.chance(0.7) {
                let at = span.startBeat + l.pick([1.5, 2.5, 3.5])
                let t = c.timeline.humanTime(at, rng: &l)
                for p in Parts.closeVoicing(span, center: 70) {
                    Instruments.sustain(Note(start: t, duration: c.timeline.secondsPerBeat * 0.35, pitch: Double(p), velocity: 0.4),
                                        tone: brass, into: &b.lead, rng: &l)
                }
            }
        }
        if c.plan.vocals {
            var v = rng.fork()
            sing(c, style: Parts.MelodyStyle(scale: Parts.dorian, range: 60...77, slot: 0.5, density: 0.6, phraseBars: 2,
                                             restBeats: 1, legato: 0.9),
                 singer: singer(&v, female: v.chance(0.75), vibrato: 0.3, consonant: 0.25), into: &b.vocal, &v)
        }
        if p.chance(0.5) { Effects.pump(&b.pad, beatSamples: c.timeline.secondsPerBeat * sr, depth: 0.35) }
    }

    // MARK: Hip hop

    private static func hiphop(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        let decay = r.uniform(0.35, 1.0), drop = r.uniform(0.3, 1.0)
        for n in bassLine(c, low: 26 + r.int(0...6), &r) { Instruments.sub808(n, decay: decay, drop: drop, into: &b.bass) }
        Effects.softSaturate(&b.bass, drive: Float(r.uniform(1.5, 4)))
        var k = rng.fork()
        if k.chance(0.5) {
            // A chopped e-piano "sample": chords on 1 and the "and" of 3.
            for span in c.spans {
                for at in [0.0, 2.5] where at < span.beats {
                    let t = c.timeline.humanTime(span.startBeat + at, rng: &k)
                    for p in Parts.closeVoicing(span, center: 60) {
                        Instruments.fmPiano(Note(start: t, duration: c.timeline.secondsPerBeat * 1.8, pitch: Double(p),
                                                 velocity: 0.35), index: 1.5, decay: 1.2, into: &b.keys, rng: &k)
                    }
                }
            }
        } else {
            Parts.pad(spans: c.spans, timeline: c.timeline, center: 62, tone: synthPad, velocity: 0.3, into: &b.keys, rng: &k)
        }
        lowpass(&b.keys, k.uniform(1800, 4000))  // dusty, sampled
        var l = rng.fork()
        if l.chance(0.4) {
            let notes = melodyNotes(c, Parts.MelodyStyle(scale: Parts.minorPentatonic, range: 67...81, slot: 0.5, density: 0.4,
                                                         phraseBars: 2, restBeats: 1, legato: 0.7, velocity: 0.5), &l)
            for n in notes { Instruments.fmPiano(n, index: 3, decay: 0.6, into: &b.lead, rng: &l) }
        }
        if c.plan.vocals {
            var v = rng.fork()
            rap(c, female: v.chance(0.2), into: &b.vocal, &v)
        }
    }

    // MARK: Jazz

    private static func jazz(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        // Brushes, a small kit and a warm room: the cymbals sit low and dark.
        lowpass(&b.drums, r.uniform(4000, 7000))
        let tone = Instruments.PluckTone(t60: 0.9, brightness: r.uniform(700, 1300), release: 0.06, pickPosition: 0.3)
        for n in bassLine(c, low: 28 + r.int(0...5), &r) { Instruments.pluck(n, tone: tone, into: &b.bass, rng: &r) }
        var k = rng.fork()
        let acousticPiano = k.chance(0.6)
        let positions: [Double] = [0, 0.5, 1.5, 2, 2.5, 3.5]
        for span in c.spans {
            let voicing = Parts.closeVoicing(span, center: k.int(58...64), rootless: true)
            var hits = Set<Double>()
            for _ in 0..<k.int(1...3) { hits.insert(k.pick(positions)) }
            for at in hits.sorted() where at < span.beats {
                let t = c.timeline.humanTime(span.startBeat + at, rng: &k)
                let d = c.timeline.secondsPerBeat * k.uniform(0.3, 1.2)
                for p in voicing {
                    let n = Note(start: t, duration: d, pitch: Double(p), velocity: Float(k.uniform(0.3, 0.5)))
                    if acousticPiano { Instruments.piano(n, brightness: 0.7, into: &b.keys) }
                    else { Instruments.fmPiano(n, index: 1.2, decay: 1.0, into: &b.keys, rng: &k) }
                }
            }
        }
        var l = rng.fork()
        let scale = c.plan.minor ? Parts.dorian : l.pick([Parts.major, Parts.bebopDominant])
        let line = melodyNotes(c, Parts.MelodyStyle(scale: scale, range: 58...82, slot: 0.5, density: l.uniform(0.55, 0.8),
                                                    phraseBars: 2, restBeats: 1, legato: 0.9, maxStep: 2, velocity: 0.7), &l)
        switch l.pick(["sax", "trumpet", "guitar", "piano"], weights: [0.4, 0.25, 0.2, 0.15]) {
        case "sax":
            let sax = Instruments.SustainTone(shape: .reed, attack: 0.03, decay: 0.1, sustain: 0.85, release: 0.06,
                                              vibratoRate: 5.5, vibratoDepth: 0.2, vibratoDelay: 0.2, noise: 0.06)
            for n in line { Instruments.sustain(n, tone: sax, into: &b.lead, rng: &l) }
        case "trumpet":
            for n in line { Instruments.sustain(n, tone: brass, into: &b.lead, rng: &l) }
        case "guitar":
            let archtop = Instruments.PluckTone(t60: 1.0, brightness: 2200, release: 0.05, pickPosition: 0.25)
            for n in line { Instruments.pluck(n, tone: archtop, into: &b.lead, rng: &l) }
        default:
            for n in line { Instruments.piano(n, brightness: 0.8, into: &b.lead) }
        }
    }

    // MARK: Metal

    private static func metal(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var g = rng.fork()
        let low = g.pick([35, 36, 38, 40])  // drop/low tunings
        let riffs = ["XxxxXxxxXxxxXxxx", "X.xxX.xxX.xxX.xx", "XxxX.xxXxxX.xxXx", "Xxx.Xxx.XxXxXxx.", "XxXxXxXxXxxxXxxx"]
        let riff = Array(g.pick(riffs))
        let chug = Instruments.PluckTone(t60: 0.12, brightness: 5000, release: 0.02)
        let open = Instruments.PluckTone(t60: 2.0, brightness: 6000, release: 0.05)
        for take in 0..<2 {
            let shift = take == 0 ? 0 : g.uniform(0.006, 0.015)
            let detune = take == 0 ? 0 : 0.08
            for span in c.spans {
                let r = span.pitch(0, atOrAbove: low)
                for s in 0..<Int(span.beats * 4) {
                    let ch = riff[s % riff.count]
                    if ch == "." { continue }
                    let t = c.timeline.humanTime(span.startBeat + Double(s) / 4, rng: &g) + shift
                    if ch == "X" {
                        // An accent rings through the rests after it; chugs cut it (palm mute).
                        var end = s + 1
                        while end < Int(span.beats * 4) && riff[end % riff.count] == "." { end += 1 }
                        let d = Double(end - s) / 4 * c.timeline.secondsPerBeat
                        for p in [r, r + 7, r + 12] {
                            Instruments.pluck(Note(start: t, duration: d, pitch: Double(p) + detune, velocity: 0.9),
                                              tone: open, into: &b.guitar, rng: &g)
                        }
                    } else {
                        for p in [r, r + 7] {
                            Instruments.pluck(Note(start: t, duration: c.timeline.secondsPerBeat * 0.22, pitch: Double(p) + detune,
                                                   velocity: 0.75), tone: chug, into: &b.guitar, rng: &g)
                        }
                    }
                }
            }
        }
        var r = rng.fork()
        pluckBass(bassLine(c, low: low - 12, &r), brightness: 2500, t60: 0.5, into: &b.bass, &r)
        Effects.softSaturate(&b.bass, drive: 4)
        var l = rng.fork()
        if l.chance(0.4) {
            let shred = melodyNotes(c, Parts.MelodyStyle(scale: [0, 2, 3, 5, 7, 8, 11], range: 64...88, slot: 0.25,
                                                         density: 0.85, phraseBars: 2, restBeats: 1, legato: 0.95), &l)
            for n in shred { Instruments.pluck(n, tone: Instruments.PluckTone(t60: 1.2, brightness: 6000), into: &b.guitar, rng: &l) }
        }
        Effects.hardClipDistortion(&b.guitar, drive: c.plan.drive, cabinet: g.uniform(4500, 7000), level: 0.7)
        if c.plan.vocals {
            var v = rng.fork()
            var growl = singer(&v, female: false, vibrato: 0, consonant: 0.6, breath: 1.5)
            growl.formantScale = v.uniform(0.82, 0.95)
            sing(c, style: Parts.MelodyStyle(scale: Parts.minor, range: 40...52, slot: 0.5, density: 0.55, phraseBars: 2,
                                             restBeats: 1, legato: 0.9), singer: growl, into: &b.vocal, &v)
            Effects.hardClipDistortion(&b.vocal, drive: 6, cabinet: 5000, level: 0.8)
        }
    }

    // MARK: Pop

    private static func pop(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        let bass = bassLine(c, low: 28 + r.int(0...5), &r)
        if c.plan.bass == .sub808 {
            for n in bass { Instruments.sub808(n, decay: r.uniform(0.3, 0.7), drop: 0.4, into: &b.bass) }
        } else {
            let tone = Instruments.SustainTone(shape: r.chance(0.5) ? .saw : .square, attack: 0.004, decay: 0.2, sustain: 0.6, release: 0.05)
            for n in bass { Instruments.sustain(n, tone: tone, into: &b.bass, rng: &r) }
            lowpass(&b.bass, r.uniform(700, 1600))
        }
        var p = rng.fork()
        Parts.pad(spans: c.spans, timeline: c.timeline, center: 64, tone: synthPad, velocity: 0.3, into: &b.pad, rng: &p)
        lowpass(&b.pad, p.uniform(2500, 6000))
        var k = rng.fork()
        if k.chance(0.55) {
            // Pluck arpeggio on 8ths or 16ths.
            let step = k.pick([0.25, 0.5])
            let pluck = Instruments.SustainTone(shape: k.chance(0.5) ? .square : .saw, attack: 0.002, decay: 0.15,
                                                sustain: 0, release: 0.05)
            for span in c.spans {
                let v = Parts.closeVoicing(span, center: 72)
                for s in 0..<Int(span.beats / step) {
                    let t = c.timeline.humanTime(span.startBeat + Double(s) * step, rng: &k)
                    Instruments.sustain(Note(start: t, duration: 0.12, pitch: Double(v[s % v.count]), velocity: 0.35),
                                        tone: pluck, into: &b.keys, rng: &k)
                }
            }
            lowpass(&b.keys, k.uniform(3000, 7000))
        } else {
            for span in c.spans {
                for beat in 0..<Int(span.beats) {
                    let t = c.timeline.humanTime(span.startBeat + Double(beat), rng: &k)
                    for pitch in Parts.closeVoicing(span, center: 62) {
                        Instruments.piano(Note(start: t, duration: c.timeline.secondsPerBeat * 0.9, pitch: Double(pitch),
                                               velocity: 0.35), brightness: 0.9, into: &b.keys)
                    }
                }
            }
        }
        if c.plan.vocals {
            var v = rng.fork()
            let female = v.chance(0.6)
            sing(c, style: Parts.MelodyStyle(scale: v.chance(0.5) ? Parts.majorPentatonic : Parts.major,
                                             range: female ? 60...76 : 52...69, slot: 0.5, density: 0.6, phraseBars: 2,
                                             restBeats: 1, legato: 0.95),
                 singer: singer(&v, female: female, vibrato: 0.3, consonant: 0.25), into: &b.vocal, &v)
        }
        if p.chance(0.4) { Effects.pump(&b.pad, beatSamples: c.timeline.secondsPerBeat * sr, depth: 0.4) }
    }

    // MARK: Reggae

    private static func reggae(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        let round = Instruments.SustainTone(shape: .flute, attack: 0.01, decay: 0.3, sustain: 0.7, release: 0.08)
        for n in bassLine(c, low: 28 + r.int(0...5), &r) { Instruments.sustain(n, tone: round, into: &b.bass, rng: &r) }
        lowpass(&b.bass, r.uniform(400, 800))
        var g = rng.fork()
        // The skank: short, bright chord chops on every off-beat.
        let chop = Instruments.PluckTone(t60: 0.1, brightness: 6000, release: 0.02)
        for span in c.spans {
            let voicing = Array(Parts.closeVoicing(span, center: 66).suffix(3))
            for beat in stride(from: 0.5, to: span.beats, by: 1) {
                let t = c.timeline.humanTime(span.startBeat + beat, rng: &g)
                Parts.strum(voicing, at: t, duration: c.timeline.secondsPerBeat * 0.18, down: true, spread: 0.005,
                            velocity: 0.7, tone: chop, into: &b.guitar, rng: &g)
            }
        }
        highpass(&b.guitar, 300)
        if g.chance(0.5) {
            Effects.echo(&b.guitar, delaySeconds: c.timeline.secondsPerBeat * g.pick([0.75, 1.5]), feedback: 0.45,
                         mix: 0.35, tone: 2500)
        }
        // Organ "bubble": chord stabs on the off-beats, low note on the beat.
        var k = rng.fork()
        let drawbars: [(ratio: Double, level: Float)] = [(0.5, 0.4), (1, 0.8), (2, 0.5), (3, 0.3), (4, 0.15)]
        let bubble = k.chance(0.5)
        for span in c.spans {
            let voicing = Parts.closeVoicing(span, center: 60)
            for beat in 0..<Int(span.beats) {
                let on = span.startBeat + Double(beat)
                let t = c.timeline.humanTime(on + 0.5, rng: &k)
                for p in voicing {
                    Instruments.organ(Note(start: t, duration: c.timeline.secondsPerBeat * 0.25, pitch: Double(p), velocity: 0.3),
                                      drawbars: drawbars, click: 0.2, into: &b.keys, rng: &k)
                }
                if bubble {
                    let t0 = c.timeline.humanTime(on, rng: &k)
                    Instruments.organ(Note(start: t0, duration: c.timeline.secondsPerBeat * 0.2,
                                           pitch: Double(span.pitch(0, atOrAbove: 48)), velocity: 0.3),
                                      drawbars: drawbars, click: 0.1, into: &b.keys, rng: &k)
                }
            }
        }
        var l = rng.fork()
        if l.chance(0.2) {
            let melodica = Instruments.SustainTone(shape: .reed, attack: 0.02, sustain: 0.8, release: 0.08, vibratoDepth: 0.05)
            let notes = melodyNotes(c, Parts.MelodyStyle(scale: c.plan.minor ? Parts.minorPentatonic : Parts.majorPentatonic,
                                                         range: 64...81, slot: 0.5, density: 0.5, phraseBars: 2, restBeats: 1), &l)
            for n in notes { Instruments.sustain(n, tone: melodica, into: &b.lead, rng: &l) }
        }
        if c.plan.vocals {
            var v = rng.fork()
            sing(c, style: Parts.MelodyStyle(scale: c.plan.minor ? Parts.minorPentatonic : Parts.majorPentatonic,
                                             range: 50...67, slot: 0.5, density: 0.5, phraseBars: 2, restBeats: 1.5,
                                             legato: 0.9),
                 singer: singer(&v, female: v.chance(0.25), vibrato: 0.2, consonant: 0.2), into: &b.vocal, &v)
        }
    }

    // MARK: Rock

    private static func rock(_ c: Context, _ b: inout Buses, _ rng: inout SynthRandom) {
        var r = rng.fork()
        pluckBass(bassLine(c, low: 28 + r.int(0...5), &r), brightness: r.uniform(1800, 3200), t60: 0.8, into: &b.bass, &r)
        var g = rng.fork()
        let strummed = g.chance(0.3)
        let muted = g.chance(0.5)
        let takes = g.chance(0.6) ? 2 : 1
        for take in 0..<takes {
            let shift = take == 0 ? 0 : g.uniform(0.006, 0.015)
            for span in c.spans {
                let full = Parts.guitarVoicing(span)
                if strummed {
                    let tone = Instruments.PluckTone(t60: 1.2, brightness: 6000, release: 0.06)
                    let pattern: [(Double, Bool)] = [(0, true), (1, true), (1.5, false), (2.5, false), (3, true), (3.5, false)]
                    for bar in 0..<max(1, Int(span.beats) / 4) {
                        for (k, (at, down)) in pattern.enumerated() {
                            let next = k + 1 < pattern.count ? pattern[k + 1].0 : 4
                            let beat = span.startBeat + Double(bar * 4) + at
                            let t = c.timeline.humanTime(beat, rng: &g) + shift
                            Parts.strum(full, at: t, duration: (next - at) * c.timeline.secondsPerBeat, down: down,
                                        spread: 0.01, velocity: 0.7, tone: tone, into: &b.guitar, rng: &g)
                        }
                    }
                } else {
                    let strings = span.quality == .power ? full : Array(full.prefix(4))
                    let tone = Instruments.PluckTone(t60: muted ? 0.25 : 1.5, brightness: 5500, release: 0.04)
                    for e in 0..<Int(span.beats * 2) {
                        let t = c.timeline.humanTime(span.startBeat + Double(e) / 2, rng: &g) + shift
                        Parts.strum(strings, at: t, duration: c.timeline.secondsPerBeat * 0.45, down: true, spread: 0.006,
                                    velocity: e % 2 == 0 ? 0.85 : 0.7, tone: tone, into: &b.guitar, rng: &g)
                    }
                }
            }
        }
        var l = rng.fork()
        if l.chance(0.3) {
            let solo = melodyNotes(c, Parts.MelodyStyle(scale: Parts.minorPentatonic, range: 62...86, slot: l.pick([0.25, 0.5]),
                                                        density: 0.7, phraseBars: 2, restBeats: 1, legato: 0.95), &l)
            for n in solo { Instruments.pluck(n, tone: Instruments.PluckTone(t60: 1.5, brightness: 5000), into: &b.guitar, rng: &l) }
        }
        if l.chance(0.15) {
            let drawbars: [(ratio: Double, level: Float)] = [(0.5, 0.6), (1, 0.8), (1.5, 0.6), (2, 0.4)]
            for span in c.spans {
                let t = c.timeline.time(span.startBeat)
                let d = c.timeline.time(span.startBeat + span.beats) - t
                for p in Parts.closeVoicing(span, center: 60) {
                    Instruments.organ(Note(start: t, duration: d, pitch: Double(p), velocity: 0.25), drawbars: drawbars,
                                      click: 0.2, into: &b.keys, rng: &l)
                }
            }
        }
        if c.plan.vocals {
            var v = rng.fork()
            let female = v.chance(0.3)
            sing(c, style: Parts.MelodyStyle(scale: v.chance(0.5) ? Parts.majorPentatonic : Parts.minorPentatonic,
                                             range: female ? 60...76 : 50...67, slot: 0.5, density: 0.55, phraseBars: 2,
                                             restBeats: 1, legato: 0.95),
                 singer: singer(&v, female: female, vibrato: 0.2, consonant: 0.3), into: &b.vocal, &v)
        }
        let drive = c.plan.drive * (g.chance(0.2) ? 0.15 : 1)
        if drive > 1.2 { Effects.hardClipDistortion(&b.guitar, drive: drive, cabinet: g.uniform(3500, 5500), level: 0.6) }
    }
}
