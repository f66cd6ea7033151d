import Foundation

/// The drum voices a groove can strike.
enum DrumVoice: Int, CaseIterable {
    case kick, snare, rim, clap, closedHat, openHat, pedalHat, ride, crash, tomHigh, tomLow, shaker, brush
}

/// Which family of drum sounds a track uses.
enum DrumKitKind: String {
    /// Acoustic rock/pop kit: medium kick, stick snare, hats, crash, ride, toms.
    case acoustic
    /// Metal kit: tight clicky kick (double-kick friendly), cracking snare, loud trashy cymbals.
    case metal
    /// Jazz kit: small tuned-up kick, brushes or light sticks, washy ride.
    case jazz
    /// Roland TR-808 style drum machine: long sine kick, noisy clap/snare, metallic hats.
    case machine808
    /// Roland TR-909 style drum machine: punchy kick with click, brighter hats (disco, pop, house).
    case machine909
}

/// A drum kit: one pre-rendered one-shot per voice, synthesised per track from randomised
/// parameters (tuning, decay, brightness), then triggered by the groove. Triggering is mixing a
/// stored buffer, so a full drum track costs almost nothing.
struct DrumKit {
    let kind: DrumKitKind
    private var shots: [[Float]]

    /// Synthesises the one-shots of `voices` (the others stay silent) for a kit of `kind`.
    init(kind: DrumKitKind, voices: Set<DrumVoice> = Set(DrumVoice.allCases), rng: inout SynthRandom) {
        self.kind = kind
        shots = Array(repeating: [], count: DrumVoice.allCases.count)
        let v = rng.uniform(0.85, 1.18)  // per-track overall tuning
        let machine = kind == .machine808 || kind == .machine909
        for voice in DrumVoice.allCases {
            var r = rng.fork()  // forked for every voice, so a voice's sound does not depend on the set
            if voices.contains(voice) {
                shots[voice.rawValue] = DrumKit.render(voice, kind: kind, tune: v, machine: machine, rng: &r)
            }
        }
    }

    /// Adds one stroke of `voice` at `time` seconds with linear `velocity`.
    func strike(_ voice: DrumVoice, at time: Double, velocity: Float, into bus: inout [Float]) {
        let start = Int(time * sr)
        guard start >= 0, start < bus.count else { return }
        shots[voice.rawValue].withUnsafeBufferPointer { s in
            bus.withUnsafeMutableBufferPointer { b in
                let n = min(s.count, b.count - start)
                let out = b.baseAddress! + start
                for i in 0..<n { out[i] += velocity * s[i] }
            }
        }
    }

    // MARK: Synthesis of the one-shots

    private static func render(_ voice: DrumVoice, kind: DrumKitKind, tune v: Double, machine: Bool,
                               rng: inout SynthRandom) -> [Float] {
        switch voice {
        case .kick:
            switch kind {
            case .machine808:
                return drum(body: 48 * v, sweep: 1.4, bodyDecay: rng.uniform(0.35, 0.8), noise: 0, click: 0.15, rng: &rng)
            case .machine909:
                return drum(body: 52 * v, sweep: 3.5, bodyDecay: rng.uniform(0.18, 0.3), noise: 0.05, click: 0.7, rng: &rng)
            case .metal:
                return drum(body: 58 * v, sweep: 2.5, bodyDecay: rng.uniform(0.10, 0.16), noise: 0.05, click: 1.3, rng: &rng)
            case .jazz:
                return drum(body: 70 * v, sweep: 0.6, bodyDecay: rng.uniform(0.18, 0.3), noise: 0.08, click: 0.2, rng: &rng)
            case .acoustic:
                return drum(body: 55 * v, sweep: 2.0, bodyDecay: rng.uniform(0.15, 0.28), noise: 0.08, click: 0.6, rng: &rng)
            }
        case .snare:
            if kind == .jazz && rng.chance(0.5) { return brush(length: 0.22, rng: &rng) }
            let tone = (machine ? 230 : 190) * v
            let snappy: Float = kind == .machine808 ? 0.55 : (kind == .metal ? 1.0 : 0.8)
            return snare(tone: tone, toneDecay: 0.07, noiseDecay: rng.uniform(0.12, 0.22), snappy: snappy,
                         noiseBand: kind == .metal ? 5500 : 3500, rng: &rng)
        case .rim:
            return snare(tone: 480 * v, toneDecay: 0.025, noiseDecay: 0.02, snappy: 0.5, noiseBand: 2000, rng: &rng)
        case .clap:
            return clap(rng: &rng)
        case .closedHat:
            return metal(base: 300 * v, decay: machine ? rng.uniform(0.03, 0.06) : rng.uniform(0.04, 0.08),
                         highpass: 7000, noise: 0.6, length: 0.15, rng: &rng)
        case .openHat:
            return metal(base: 300 * v, decay: rng.uniform(0.22, 0.4), highpass: 6500, noise: 0.6, length: 0.7, rng: &rng)
        case .pedalHat:
            return metal(base: 300 * v, decay: 0.025, highpass: 5000, noise: 0.3, length: 0.08, rng: &rng)
        case .ride:
            return metal(base: 410 * v, decay: kind == .jazz ? rng.uniform(0.9, 1.6) : 0.8, highpass: 3200,
                         noise: 0.35, length: 2.0, rng: &rng, bell: 0.35)
        case .crash:
            return metal(base: 280 * v, decay: kind == .metal ? 1.4 : 1.1, highpass: 4200, noise: 0.9,
                         length: 2.5, rng: &rng)
        case .tomHigh:
            return drum(body: 170 * v, sweep: 0.5, bodyDecay: 0.22, noise: 0.1, click: 0.2, rng: &rng)
        case .tomLow:
            return drum(body: 105 * v, sweep: 0.5, bodyDecay: 0.3, noise: 0.1, click: 0.2, rng: &rng)
        case .shaker:
            return shaker(rng: &rng)
        case .brush:
            return brush(length: 0.12, rng: &rng)
        }
    }

    /// A membrane: sine body with a downward pitch sweep, noise and a beater click.
    private static func drum(body f: Double, sweep: Double, bodyDecay: Double, noise: Float, click: Float,
                             rng: inout SynthRandom) -> [Float] {
        let n = Int((min(bodyDecay * 5, 2.5) + 0.02) * sr)
        var out = [Float](repeating: 0, count: n)
        var phase = 0.0
        var noiseLP = OnePole(cutoff: 2500)
        var clickHP = Biquad.highpass(1500)
        var sweepEnv = sweep, bodyEnv = 1.0, noiseEnv: Float = 1
        let sine = Wavetables.shared.table(.sine, for: 1)
        let sweepMul = exp(-1 / (0.035 * sr)), bodyMul = exp(-1 / (bodyDecay * sr))
        let noiseMul = Float(exp(-1 / (0.04 * sr)))
        let clickN = Int(0.006 * sr)
        for i in 0..<n {
            phase += f * (1 + sweepEnv) / sr
            if phase >= 1 { phase -= 1 }
            var y = sine.withUnsafeBufferPointer { Float(bodyEnv) * TableOscillator.read($0.baseAddress!, Float(phase)) }
            y += noise * noiseLP.lowpass(rng.noise()) * noiseEnv
            if i < clickN { y += click * clickHP.tick(rng.noise()) * (1 - Float(i) / Float(clickN)) }
            out[i] = y
            sweepEnv *= sweepMul; bodyEnv *= bodyMul; noiseEnv *= noiseMul
        }
        return normalised(out)
    }

    private static func snare(tone: Double, toneDecay: Double, noiseDecay: Double, snappy: Float, noiseBand: Double,
                              rng: inout SynthRandom) -> [Float] {
        let n = Int((noiseDecay * 5 + 0.02) * sr)
        var out = [Float](repeating: 0, count: n)
        var band = Biquad.bandpass(noiseBand, q: 0.5)
        var hp = Biquad.highpass(800)
        let sine = Wavetables.shared.table(.sine, for: 1)
        var p1: Float = 0, p2: Float = 0
        let i1 = Float(tone / sr), i2 = Float(tone * 1.72 / sr)
        var toneEnv: Float = 1, noiseEnv: Float = 1
        let toneMul = Float(exp(-1 / (toneDecay * sr))), noiseMul = Float(exp(-1 / (noiseDecay * sr)))
        sine.withUnsafeBufferPointer { t in
            let tp = t.baseAddress!
            for i in 0..<n {
                let body = 0.6 * TableOscillator.read(tp, p1) + 0.4 * TableOscillator.read(tp, p2)
                p1 += i1; if p1 >= 1 { p1 -= 1 }
                p2 += i2; if p2 >= 1 { p2 -= 1 }
                out[i] = body * toneEnv + snappy * hp.tick(band.tick(rng.noise())) * 1.8 * noiseEnv
                toneEnv *= toneMul; noiseEnv *= noiseMul
            }
        }
        return normalised(out)
    }

    private static func clap(rng: inout SynthRandom) -> [Float] {
        let n = Int(0.3 * sr)
        var out = [Float](repeating: 0, count: n)
        var band = Biquad.bandpass(1100 * rng.uniform(0.9, 1.25), q: 1.2)
        let spacing = 0.008 + 0.004 * rng.uniform()
        for i in 0..<n {
            let t = Double(i) / sr
            var env = exp(-max(0, t - 3 * spacing) / 0.09)
            if t < 3 * spacing { env = exp(-(t.truncatingRemainder(dividingBy: spacing)) / 0.003) }
            out[i] = band.tick(rng.noise()) * Float(env)
        }
        return normalised(out)
    }

    /// A cymbal: six detuned square waves at the 808's inharmonic ratios plus noise, high-passed.
    private static func metal(base: Double, decay: Double, highpass: Double, noise: Float, length: Double,
                              rng: inout SynthRandom, bell: Float = 0) -> [Float] {
        let ratios = [1.0, 1.4836, 1.8004, 2.5456, 2.6312, 3.8969].map { $0 * rng.uniform(0.97, 1.03) }
        let n = Int(length * sr)
        var out = [Float](repeating: 0, count: n)
        var hp1 = Biquad.highpass(highpass, q: 0.9), hp2 = Biquad.highpass(highpass, q: 0.6)
        var phases = ratios.map { _ in rng.uniform() }
        let incs = ratios.map { base * $0 / sr }
        let bellInc = base * 5.3 / sr
        var bellPhase = 0.0
        var env: Float = 1, bellEnv: Float = bell * 0.5
        let envMul = Float(exp(-1 / (decay * sr))), bellMul = Float(exp(-1 / (decay * 0.5 * sr)))
        let rampN = Int(0.002 * sr)
        for i in 0..<n {
            var s: Float = 0
            for k in 0..<6 {
                phases[k] += incs[k]; if phases[k] >= 1 { phases[k] -= 1 }
                s += phases[k] < 0.5 ? 1 : -1
            }
            s = s / 6 + noise * rng.noise()
            var y = hp2.tick(hp1.tick(s)) * env
            if i < rampN { y *= Float(i) / Float(rampN) }
            if bell > 0 {
                y += bellEnv * Float(sin(2 * Double.pi * bellPhase))
                bellPhase += bellInc; if bellPhase >= 1 { bellPhase -= 1 }
                bellEnv *= bellMul
            }
            out[i] = y
            env *= envMul
        }
        return normalised(out)
    }

    private static func shaker(rng: inout SynthRandom) -> [Float] {
        let n = Int(0.09 * sr)
        var out = [Float](repeating: 0, count: n)
        var band = Biquad.bandpass(6500, q: 1.0)
        for i in 0..<n {
            let t = Double(i) / sr
            let env = t < 0.015 ? t / 0.015 : exp(-(t - 0.015) / 0.025)
            out[i] = band.tick(rng.noise()) * Float(env)
        }
        return normalised(out)
    }

    /// A brush stroke: soft low-passed noise with a slow attack and a swishy tail.
    private static func brush(length: Double, rng: inout SynthRandom) -> [Float] {
        let n = Int(length * 1.6 * sr)
        var out = [Float](repeating: 0, count: n)
        var band = Biquad.bandpass(3000 * rng.uniform(0.8, 1.3), q: 0.6)
        for i in 0..<n {
            let t = Double(i) / sr
            let env = t < 0.01 ? t / 0.01 : exp(-(t - 0.01) / (length * 0.4))
            out[i] = band.tick(rng.noise()) * Float(env)
        }
        return normalised(out, to: 0.7)
    }

    private static func normalised(_ x: [Float], to level: Float = 1) -> [Float] {
        let peak = x.reduce(0) { max($0, abs($1)) }
        guard peak > 0 else { return x }
        let g = level / peak
        return x.map { $0 * g }
    }
}
