import Foundation

/// Bus effects of the synthetic corpus: distortion, saturation, reverb, echo, side-chain pumping.
enum Effects {
    /// Guitar-amp distortion: high-pass (tighten), pre-gain, **hard clip** at ±1, then a cabinet-like
    /// low-pass and a presence peak. `drive` is linear pre-gain (metal ≈ 30…80, rock ≈ 4…20).
    static func hardClipDistortion(_ buffer: inout [Float], drive: Float, cabinet: Double, level: Float) {
        var tighten = Biquad.highpass(90)
        var cab = Biquad.lowpass(cabinet, q: 0.9)
        var presence = Biquad.peaking(2200, q: 0.8, gainDB: 4)
        let n = buffer.count
        buffer.withUnsafeMutableBufferPointer { b in
            let p = b.baseAddress!
            tighten.process(p, n)
            for i in 0..<n { p[i] = min(max(p[i] * drive, -1), 1) }
            cab.process(p, n)
            presence.process(p, n)
            for i in 0..<n { p[i] *= level }
        }
    }

    /// Smooth saturation `x / (1 + |x|)` after pre-gain `drive`, rescaled so small signals keep unit gain.
    static func softSaturate(_ buffer: inout [Float], drive: Float) {
        let inv = 1 / drive
        buffer.withUnsafeMutableBufferPointer { b in
            for i in 0..<b.count {
                let x = b[i] * drive
                b[i] = x / (1 + abs(x)) * inv
            }
        }
    }

    /// Schroeder–Moorer reverberator (four damped combs in parallel, two all-passes in series), mono.
    /// Adds `wet ×` the reverberated `input` into `output`. `size` 0…1 sets the decay, `damping` 0…1
    /// the high-frequency loss.
    static func reverb(from input: [Float], into output: inout [Float], size: Double, damping: Double, wet: Float) {
        guard wet > 0 else { return }
        let n = input.count
        let combLengths = [1116, 1188, 1277, 1356].map { Int(Double($0) * sr / 44_100 * (0.8 + 0.4 * size)) }
        let allpassLengths = [556, 341].map { Int(Double($0) * sr / 44_100) }
        let feedback = Float(0.70 + 0.26 * size)
        let damp = Float(0.1 + 0.6 * damping)
        var combs = combLengths.map { [Float](repeating: 0, count: $0) }
        var allpasses = allpassLengths.map { [Float](repeating: 0, count: $0) }
        var wetBuffer = [Float](repeating: 0, count: n)
        input.withUnsafeBufferPointer { inp in
            wetBuffer.withUnsafeMutableBufferPointer { w in
                for c in 0..<combs.count {
                    combs[c].withUnsafeMutableBufferPointer { line in
                        let len = line.count
                        var idx = 0, store: Float = 0
                        for i in 0..<n {
                            let y = line[idx]
                            store = y * (1 - damp) + store * damp
                            line[idx] = inp[i] * 0.25 + store * feedback
                            w[i] += y
                            idx += 1; if idx == len { idx = 0 }
                        }
                    }
                }
                for a in 0..<allpasses.count {
                    allpasses[a].withUnsafeMutableBufferPointer { line in
                        let len = line.count
                        var idx = 0
                        for i in 0..<n {
                            let buf = line[idx]
                            let x = w[i]
                            line[idx] = x + buf * 0.5
                            w[i] = buf - x
                            idx += 1; if idx == len { idx = 0 }
                        }
                    }
                }
            }
        }
        output.withUnsafeMutableBufferPointer { o in
            wetBuffer.withUnsafeBufferPointer { w in
                for i in 0..<n { o[i] += wet * w[i] }
            }
        }
    }

    /// Feedback echo (dub delay) with a low-passed repeat, in place: `x + mix · delayed`.
    static func echo(_ buffer: inout [Float], delaySeconds: Double, feedback: Float, mix: Float, tone: Double) {
        let d = max(1, Int(delaySeconds * sr))
        var line = [Float](repeating: 0, count: d)
        var lp = OnePole(cutoff: tone)
        var idx = 0
        buffer.withUnsafeMutableBufferPointer { b in
            line.withUnsafeMutableBufferPointer { l in
                for i in 0..<b.count {
                    let delayed = l[idx]
                    l[idx] = b[i] + lp.lowpass(delayed) * feedback
                    b[i] += mix * delayed
                    idx += 1; if idx == d { idx = 0 }
                }
            }
        }
    }

    /// Side-chain style pumping: gain dips to `1 − depth` on each beat and recovers over the beat.
    static func pump(_ buffer: inout [Float], beatSamples: Double, depth: Float) {
        buffer.withUnsafeMutableBufferPointer { b in
            for i in 0..<b.count {
                let phase = Float(Double(i).truncatingRemainder(dividingBy: beatSamples) / beatSamples)
                let g = 1 - depth * max(0, 1 - phase * 2.5)
                b[i] *= g
            }
        }
    }
}
