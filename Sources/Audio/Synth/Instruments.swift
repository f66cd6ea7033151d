import Foundation

/// Pitched sound sources. Each renders one note, adding into a bus; all are cheap per sample
/// (table look-ups, a delay line, a few multiplies) and allocate per note, never per sample.
enum Instruments {
    // MARK: Karplus–Strong plucked string

    /// Parameters of a plucked string.
    struct PluckTone {
        /// Seconds for the string to decay by 60 dB while held.
        var t60: Double = 2.5
        /// Cut-off of the excitation noise (Hz): bright pick ≈ 6–9 kHz, thumb/fingers ≈ 1.5–3 kHz.
        var brightness: Double = 5000
        /// Seconds to fade out after the note's duration (a damped string).
        var release: Double = 0.06
        /// Pick position 0…0.5 as a fraction of the string (comb-filters the excitation).
        var pickPosition: Double = 0.13
    }

    /// Karplus–Strong string with Jaffe–Smith fractional tuning (two-point average + all-pass).
    static func pluck(_ note: Note, tone: PluckTone, into bus: inout [Float], rng: inout SynthRandom) {
        let f = min(note.frequency, sr / 4)
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count, f > 20 else { return }
        let held = Int(note.duration * sr), rel = max(1, Int(tone.release * sr))
        let total = min(bus.count - start, held + rel)
        guard total > 0 else { return }
        let period = sr / f - 0.5
        let n = max(2, Int(period - 0.1))
        let d = period - Double(n)
        let c = Float((1 - d) / (1 + d))
        let loss = Float(pow(0.001, 1 / (f * tone.t60)))
        let releaseLoss = Float(pow(0.001, 1 / (f * max(tone.release, 0.005))))
        // Excitation: low-passed noise, comb-filtered by the pick position.
        var line = [Float](repeating: 0, count: n)
        var lp = OnePole(cutoff: tone.brightness)
        var exc = [Float](repeating: 0, count: n)
        for i in 0..<n { exc[i] = lp.lowpass(rng.noise()) }
        let pick = max(1, Int(Double(n) * tone.pickPosition))
        var mean: Float = 0
        for i in 0..<n { line[i] = exc[i] - (i >= pick ? exc[i - pick] : 0); mean += line[i] }
        mean /= Float(n)
        var peak: Float = 1e-6
        for i in 0..<n { line[i] -= mean; peak = max(peak, abs(line[i])) }
        let amp = note.velocity / peak
        line.withUnsafeMutableBufferPointer { l in
            bus.withUnsafeMutableBufferPointer { b in
                let out = b.baseAddress! + start
                var idx = 0, prev: Float = 0, apX: Float = 0, apY: Float = 0
                var g = loss
                var silentRun = 0
                for i in 0..<total {
                    if i == held { g = releaseLoss }
                    let x = l[idx]
                    let avg = 0.5 * (x + prev) * g
                    prev = x
                    let ap = c * avg + apX - c * apY
                    apX = avg; apY = ap
                    l[idx] = ap
                    idx += 1; if idx == n { idx = 0 }
                    out[i] += amp * x
                    // Stop when the string has died away (saves most of a long release).
                    if abs(x) < 1e-4 { silentRun += 1; if silentRun > n + 2 { break } } else { silentRun = 0 }
                }
            }
        }
    }

    // MARK: Sustained wavetable tones (bowed strings, brass, reeds, flutes, synth leads/pads)

    /// Parameters of a sustained, enveloped wavetable voice.
    struct SustainTone {
        var shape: Wavetables.Shape = .saw
        /// When set, the timbre moves from this (dark) table towards `shape` as the envelope opens
        /// (brass: brighter when louder).
        var darkShape: Wavetables.Shape? = nil
        var attack: Double = 0.05
        var decay: Double = 0.2
        var sustain: Float = 0.8
        var release: Double = 0.15
        /// Vibrato rate (Hz) and depth (semitones), faded in after `vibratoDelay` seconds.
        var vibratoRate: Double = 5.5
        var vibratoDepth: Double = 0
        var vibratoDelay: Double = 0.25
        /// Extra detuned copies (cents apart, ±): pads and ensemble strings.
        var unison: Int = 1
        var detuneCents: Double = 8
        /// Breath/bow noise level relative to the tone.
        var noise: Float = 0
        /// Starting pitch offset (semitones) that glides to the target in `glideTime` (scoops, 808 drops).
        var glideFrom: Double = 0
        var glideTime: Double = 0.05
    }

    static func sustain(_ note: Note, tone: SustainTone, into bus: inout [Float], rng: inout SynthRandom) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let held = max(1, Int(note.duration * sr)), rel = max(1, Int(tone.release * sr))
        let total = min(bus.count - start, held + rel)
        guard total > 0 else { return }
        let f0 = note.frequency
        let bank = Wavetables.shared
        let bright = bank.table(tone.shape, for: f0 * 1.06)
        let dark = bank.table(tone.darkShape ?? tone.shape, for: f0 * 1.06)
        let hasDark = tone.darkShape != nil
        let voices = max(1, min(8, tone.unison))
        let detunes: [Double] = (0..<voices).map { v in
            voices == 1 ? 0 : tone.detuneCents * (2 * Double(v) / Double(voices - 1) - 1)
        }
        let attackN = max(1, Int(tone.attack * sr)), decayN = max(1, Int(tone.decay * sr))
        let vibDelayN = Int(tone.vibratoDelay * sr)
        let glideN = max(1, Int(tone.glideTime * sr))
        let vibInc = tone.vibratoRate / sr
        let amp = note.velocity / Float(voices).squareRoot()
        let sustainLevel = tone.sustain
        let noiseLevel = tone.noise * 3
        var noiseLP = OnePole(cutoff: 3000)
        var vibPhase = rng.uniform()
        // Envelope value at sample i (piecewise linear ADSR; the release starts from the held level).
        let heldLevel: Float = held < attackN ? Float(held) / Float(attackN)
            : held < attackN + decayN ? 1 - (1 - sustainLevel) * Float(held - attackN) / Float(decayN) : sustainLevel
        func envelope(_ i: Int) -> Float {
            if i < held {
                if i < attackN { return Float(i) / Float(attackN) }
                if i < attackN + decayN { return 1 - (1 - sustainLevel) * Float(i - attackN) / Float(decayN) }
                return sustainLevel
            }
            return heldLevel * max(0, 1 - Float(i - held) / Float(rel))
        }
        // Pitch and envelope change slowly: recompute them every 32 samples, interpolate the envelope.
        let block = 32
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * voices) { state in
            let phases = state.baseAddress!, incs = state.baseAddress! + voices
            for v in 0..<voices { phases[v] = Float(rng.uniform()) }
            bright.withUnsafeBufferPointer { tb in
                dark.withUnsafeBufferPointer { td in
                    bus.withUnsafeMutableBufferPointer { b in
                        let out = b.baseAddress! + start
                        let pb = tb.baseAddress!, pd = td.baseAddress!
                        var i = 0
                        while i < total {
                            let vibAmt = i < vibDelayN ? 0 : min(1, Double(i - vibDelayN) / (0.3 * sr))
                            let vib = tone.vibratoDepth * vibAmt * sin(2 * Double.pi * vibPhase)
                            vibPhase += vibInc * Double(block)
                            let glide = i < glideN ? tone.glideFrom * (1 - Double(i) / Double(glideN)) : 0
                            for v in 0..<voices {
                                let f = f0 * pow(2, (vib + glide + detunes[v] / 100) / 12)
                                incs[v] = Float(min(f, sr * 0.45) / sr)
                            }
                            let end = min(total, i + block)
                            var env = envelope(i)
                            let step = (envelope(end) - env) / Float(end - i)
                            if hasDark {
                                while i < end {
                                    let mixB = min(1, env * env)
                                    var s: Float = 0
                                    for v in 0..<voices {
                                        let ph = phases[v]
                                        let a = TableOscillator.read(pb, ph), c = TableOscillator.read(pd, ph)
                                        s += c + mixB * (a - c)
                                        var p = ph + incs[v]; if p >= 1 { p -= 1 }
                                        phases[v] = p
                                    }
                                    if noiseLevel > 0 { s += noiseLevel * noiseLP.lowpass(rng.noise()) }
                                    out[i] += amp * env * s
                                    env += step
                                    i += 1
                                }
                            } else if voices == 1 && noiseLevel == 0 {
                                var ph = phases[0]
                                let inc = incs[0]
                                while i < end {
                                    out[i] += amp * env * TableOscillator.read(pb, ph)
                                    ph += inc; if ph >= 1 { ph -= 1 }
                                    env += step
                                    i += 1
                                }
                                phases[0] = ph
                            } else {
                                while i < end {
                                    var s: Float = 0
                                    for v in 0..<voices {
                                        let ph = phases[v]
                                        s += TableOscillator.read(pb, ph)
                                        var p = ph + incs[v]; if p >= 1 { p -= 1 }
                                        phases[v] = p
                                    }
                                    if noiseLevel > 0 { s += noiseLevel * noiseLP.lowpass(rng.noise()) }
                                    out[i] += amp * env * s
                                    env += step
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: FM electric piano (Chowning two-operator, Rhodes-like)

    /// A decaying two-operator FM tone: modulation index `index` decays faster than the amplitude,
    /// so the attack is bright and the tail mellow; a high "tine" partial adds the bell-like click.
    static func fmPiano(_ note: Note, index: Double, decay: Double, into bus: inout [Float], rng: inout SynthRandom) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let f = note.frequency
        let held = Int(note.duration * sr), rel = Int(0.12 * sr)
        let total = min(bus.count - start, held + rel, Int(decay * 3 * sr))
        guard total > 0 else { return }
        let sine = Wavetables.shared.table(.sine, for: 1)
        let ampDecay = Float(exp(-1 / (decay * sr)))
        let idxDecay = Float(exp(-1 / (decay * 0.25 * sr)))
        let relDecay = Float(exp(-1 / (0.03 * sr)))
        let incC = Float(f / sr), incM = Float(f / sr), incT = Float(min(f * 14, sr * 0.45) / sr)
        var pc: Float = 0, pm: Float = 0, pt: Float = 0
        var amp = note.velocity, idx = Float(index) * (0.6 + 0.6 * note.velocity), tine: Float = 0.5
        sine.withUnsafeBufferPointer { t in
            bus.withUnsafeMutableBufferPointer { b in
                let tp = t.baseAddress!, out = b.baseAddress! + start
                for i in 0..<total {
                    let m = TableOscillator.read(tp, pm) * idx + TableOscillator.read(tp, pt) * tine
                    var ph = pc + m * 0.159; ph -= ph.rounded(.down); if ph >= 1 { ph = 0 }
                    out[i] += amp * TableOscillator.read(tp, ph)
                    pc += incC; if pc >= 1 { pc -= 1 }
                    pm += incM; if pm >= 1 { pm -= 1 }
                    pt += incT; if pt >= 1 { pt -= 1 }
                    amp *= i < held ? ampDecay : relDecay
                    idx *= idxDecay
                    tine *= 0.995
                }
            }
        }
        _ = rng
    }

    // MARK: Additive piano (inharmonic partials, each with its own decay)

    /// Struck-string piano: partials `h·f·√(1 + B h²)` with higher partials decaying faster;
    /// dampers cut the sound `0.1 s` after the key is released. Partials are complex rotators.
    static func piano(_ note: Note, brightness: Double, into bus: inout [Float]) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let f = note.frequency
        let held = Int(note.duration * sr), rel = Int(0.1 * sr)
        let baseDecay = 2.5 * pow(2, -(note.pitch - 60) / 24)
        let total = min(bus.count - start, held + rel, Int(baseDecay * 2.5 * sr))
        guard total > 0 else { return }
        let inharm = 0.0004
        var re = [Float](), im = [Float](), cr = [Float](), ci = [Float](), amps = [Float]()
        for h in 1...8 {
            let fh = Double(h) * f * (1 + inharm * Double(h * h)).squareRoot()
            if fh > sr * 0.45 { break }
            let w = 2 * Double.pi * fh / sr
            let tau = baseDecay / (1 + 0.6 * Double(h - 1))
            let r = exp(-1 / (tau * sr))
            cr.append(Float(r * cos(w))); ci.append(Float(r * sin(w)))
            re.append(1); im.append(0)
            amps.append(Float(pow(Double(h), -(2.2 - brightness)) * Double(note.velocity)))
        }
        let k = amps.count
        let damper = Float(exp(-1 / (0.025 * sr)))
        bus.withUnsafeMutableBufferPointer { b in
            let out = b.baseAddress! + start
            var g: Float = 1
            for i in 0..<total {
                var s: Float = 0
                for h in 0..<k {
                    let x = re[h], y = im[h]
                    re[h] = cr[h] * x - ci[h] * y
                    im[h] = ci[h] * x + cr[h] * y
                    s += amps[h] * im[h]
                }
                if i >= held { g *= damper }
                // Hammer attack: 3 ms ramp avoids a click.
                let a = i < 66 ? Float(i) / 66 : 1
                out[i] += s * g * a
            }
        }
    }

    // MARK: Drawbar organ

    /// Tonewheel organ: sine drawbars at footage ratios, key click, optional short (skank) envelope.
    static func organ(_ note: Note, drawbars: [(ratio: Double, level: Float)], click: Float,
                      into bus: inout [Float], rng: inout SynthRandom) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let held = Int(note.duration * sr), rel = Int(0.02 * sr)
        let total = min(bus.count - start, held + rel)
        guard total > 0 else { return }
        let sine = Wavetables.shared.table(.sine, for: 1)
        let f = note.frequency
        let bars = drawbars.filter { f * $0.ratio < sr * 0.45 }
        let incs = bars.map { Float(f * $0.ratio / sr) }
        let levels = bars.map { $0.level * note.velocity }
        var phases = bars.map { _ in Float(rng.uniform()) }
        let clickN = Int(0.004 * sr)
        let attackN = Float(0.005 * sr)
        sine.withUnsafeBufferPointer { t in
            bus.withUnsafeMutableBufferPointer { b in
                let tp = t.baseAddress!, out = b.baseAddress! + start
                for i in 0..<total {
                    var s: Float = 0
                    for j in 0..<incs.count {
                        s += levels[j] * TableOscillator.read(tp, phases[j])
                        var p = phases[j] + incs[j]; if p >= 1 { p -= 1 }
                        phases[j] = p
                    }
                    let env: Float = i < held ? min(1, Float(i) / attackN) : 1 - Float(i - held) / Float(max(rel, 1))
                    if i < clickN { s += click * rng.noise() * (1 - Float(i) / Float(clickN)) }
                    out[i] += s * env
                }
            }
        }
    }

    // MARK: 808-style sub bass

    /// Sine sub-bass with a fast downward pitch drop and a long exponential tail (hip hop "808").
    static func sub808(_ note: Note, decay: Double, drop: Double, into bus: inout [Float]) {
        let start = Int(note.start * sr)
        guard start >= 0, start < bus.count else { return }
        let held = Int(note.duration * sr), rel = Int(0.05 * sr)
        let total = min(bus.count - start, held + rel)
        guard total > 0 else { return }
        let sine = Wavetables.shared.table(.sine, for: 1)
        let f = note.frequency
        let ampDecay = Float(exp(-1 / (decay * sr)))
        let relDecay = Float(exp(-1 / (0.015 * sr)))
        let dropN = 0.04 * sr
        var amp = note.velocity, phase: Float = 0
        sine.withUnsafeBufferPointer { t in
            bus.withUnsafeMutableBufferPointer { b in
                let tp = t.baseAddress!, out = b.baseAddress! + start
                for i in 0..<total {
                    let bend = Double(i) < dropN ? drop * (1 - Double(i) / dropN) : 0
                    let inc = Float(f * (1 + bend) / sr)
                    let a = i < 44 ? Float(i) / 44 : 1
                    out[i] += amp * a * TableOscillator.read(tp, phase)
                    phase += inc; if phase >= 1 { phase -= 1 }
                    amp *= i < held ? ampDecay : relDecay
                }
            }
        }
    }
}
