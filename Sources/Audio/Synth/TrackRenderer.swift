import Foundation

/// Renders one synthetic track: draws its plan, arranges the parts, mixes the buses, adds reverb,
/// "records" it (band-limit, master saturation, background noise) and peak-normalises it.
public enum TrackRenderer {
    /// The samples (22 050 Hz mono, peak between −3 and −1 dBFS) of track `index` of `genre`.
    /// Depends only on `(seed, genre, index, seconds)`.
    public static func render(genre: SynthGenre, index: Int, seed: UInt64, seconds: Double) -> [Float] {
        let genreIndex = SynthGenre.allCases.firstIndex(of: genre)!
        var rng = SynthRandom.track(seed: seed, genre: genreIndex, index: index)
        var planRNG = rng.fork()
        let plan = TrackPlan.draw(genre, rng: &planRNG)
        var partsRNG = rng.fork()
        let buses = Arrangement.render(plan, seconds: seconds, rng: &partsRNG)
        var masterRNG = rng.fork()
        return master(buses, plan: plan, rng: &masterRNG)
    }

    static func master(_ b: Buses, plan: TrackPlan, rng: inout SynthRandom) -> [Float] {
        let total = b.drums.count
        var mix = [Float](repeating: 0, count: total)
        var send = [Float](repeating: 0, count: total)
        // Normalise each bus to a common RMS before applying the plan's level, so the drawn levels are
        // relative balances, not accidents of how many notes a part has.
        let parts: [(KeyPath<Buses, [Float]>, String, Float, Float)] = [
            (\.drums, "drums", 1.0, 0.15), (\.bass, "bass", 0.9, 0.05), (\.guitar, "guitar", 0.8, 0.4),
            (\.keys, "keys", 0.6, 0.6), (\.pad, "pad", 0.55, 0.8), (\.lead, "lead", 0.65, 0.6),
            (\.vocal, "vocal", 0.7, 0.6),
        ]
        for (path, name, weight, sendLevel) in parts {
            let bus = b[keyPath: path]
            let level = rms(bus)
            guard level > 1e-6 else { continue }
            let g = weight * (plan.levels[name] ?? 1) / level * 0.1
            mix.withUnsafeMutableBufferPointer { m in
                send.withUnsafeMutableBufferPointer { s in
                    bus.withUnsafeBufferPointer { x in
                        for i in 0..<total {
                            let v = g * x[i]
                            m[i] += v
                            s[i] += v * sendLevel
                        }
                    }
                }
            }
        }
        Effects.reverb(from: send, into: &mix, size: plan.roomSize, damping: rng.uniform(0.2, 0.7), wet: plan.reverbWet)
        var lowCut = Biquad.highpass(plan.lowCut)
        var band = Biquad.lowpass(plan.bandwidth)
        Biquad.processCascade(&lowCut, &band, &mix)
        mix.removeFirst(Int((plan.preroll * sr).rounded()))
        let n = mix.count
        // Master bus saturation: louder genres are mastered harder.
        normalise(&mix, peak: 1)
        if plan.masterDrive > 1.05 { Effects.softSaturate(&mix, drive: plan.masterDrive) }
        normalise(&mix, peak: 1)
        // Background: hiss (slightly low-passed), and vinyl crackle for hip hop samples.
        var hissLP = OnePole(cutoff: rng.uniform(4000, 10_000))
        let crackle = plan.genre == .hiphop ? rng.chance(0.5) : rng.chance(0.05)
        let crackleRate = rng.uniform(3, 12) / sr
        mix.withUnsafeMutableBufferPointer { m in
            for i in 0..<n {
                m[i] += plan.noise * hissLP.lowpass(rng.noise()) * 2
                if crackle && rng.uniform() < crackleRate { m[i] += Float(rng.uniform(-0.08, 0.08)) }
            }
        }
        normalise(&mix, peak: Float(pow(10, plan.peakDBFS / 20)))
        return mix
    }

    static func rms(_ x: [Float]) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var tail: Float = 0
        x.withUnsafeBufferPointer { p in
            let chunks = p.count / 8
            let raw = UnsafeRawPointer(p.baseAddress!)
            for i in 0..<chunks {
                let v = raw.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                acc += v * v
            }
            for i in (chunks * 8)..<p.count { tail += p[i] * p[i] }
        }
        return ((acc.sum() + tail) / Float(max(1, x.count))).squareRoot()
    }

    static func normalise(_ x: inout [Float], peak: Float) {
        var hi = SIMD8<Float>(repeating: 0), lo = SIMD8<Float>(repeating: 0)
        var tail: Float = 0
        x.withUnsafeBufferPointer { p in
            let chunks = p.count / 8
            let raw = UnsafeRawPointer(p.baseAddress!)
            for i in 0..<chunks {
                let v = raw.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                hi.replace(with: v, where: v .> hi)
                lo.replace(with: v, where: v .< lo)
            }
            for i in (chunks * 8)..<p.count { tail = max(tail, abs(p[i])) }
        }
        let top = max(hi.max(), -lo.min(), tail)
        guard top > 0 else { return }
        let g = peak / top
        x.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] *= g } }
    }
}
