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
            for i in 0..<n { p[i] = level * cab.tick(presence.tick(min(max(p[i] * drive, -1), 1))) }
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
        // The four combs run in one pass (independent recursions: good instruction-level parallelism).
        let totalComb = combLengths.reduce(0, +)
        var lines = [Float](repeating: 0, count: totalComb + allpassLengths.reduce(0, +))
        var wetBuffer = [Float](repeating: 0, count: n)
        let l0 = combLengths[0], l1 = combLengths[1], l2 = combLengths[2], l3 = combLengths[3]
        input.withUnsafeBufferPointer { inp in
            wetBuffer.withUnsafeMutableBufferPointer { w in
                lines.withUnsafeMutableBufferPointer { lb in
                    let c0 = lb.baseAddress!, c1 = c0 + l0, c2 = c1 + l1, c3 = c2 + l2
                    var i0 = 0, i1 = 0, i2 = 0, i3 = 0
                    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                    let keep = 1 - damp
                    for i in 0..<n {
                        let x = inp[i] * 0.25
                        let y0 = c0[i0], y1 = c1[i1], y2 = c2[i2], y3 = c3[i3]
                        s0 = y0 * keep + s0 * damp; s1 = y1 * keep + s1 * damp
                        s2 = y2 * keep + s2 * damp; s3 = y3 * keep + s3 * damp
                        c0[i0] = x + s0 * feedback; c1[i1] = x + s1 * feedback
                        c2[i2] = x + s2 * feedback; c3[i3] = x + s3 * feedback
                        w[i] = (y0 + y1) + (y2 + y3)
                        i0 += 1; if i0 == l0 { i0 = 0 }
                        i1 += 1; if i1 == l1 { i1 = 0 }
                        i2 += 1; if i2 == l2 { i2 = 0 }
                        i3 += 1; if i3 == l3 { i3 = 0 }
                    }
                    var base = lb.baseAddress! + totalComb
                    for len in allpassLengths {
                        let line = base
                        var idx = 0
                        for i in 0..<n {
                            let buf = line[idx]
                            let x = w[i]
                            line[idx] = x + buf * 0.5
                            w[i] = buf - x
                            idx += 1; if idx == len { idx = 0 }
                        }
                        base += len
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
        let inc = 1 / beatSamples
        var phase = 0.0
        buffer.withUnsafeMutableBufferPointer { b in
            for i in 0..<b.count {
                let g = 1 - depth * max(0, 1 - Float(phase) * 2.5)
                b[i] *= g
                phase += inc; if phase >= 1 { phase -= 1 }
            }
        }
    }
}
