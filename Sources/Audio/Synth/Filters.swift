import Foundation

/// The corpus's fixed sample rate (GTZAN's): 22 050 Hz.
public let synthSampleRate = 22_050
let sr = 22_050.0

/// A second-order IIR section (RBJ audio-EQ cookbook), transposed direct form II, processed in place.
struct Biquad {
    var b0: Float = 1, b1: Float = 0, b2: Float = 0, a1: Float = 0, a2: Float = 0
    var z1: Float = 0, z2: Float = 0

    private static func omega(_ f: Double) -> (Double, Double) {
        let w = 2 * Double.pi * min(max(f, 5), sr * 0.49) / sr
        return (cos(w), sin(w))
    }

    private init(b0: Double, b1: Double, b2: Double, a0: Double, a1: Double, a2: Double) {
        self.b0 = Float(b0 / a0); self.b1 = Float(b1 / a0); self.b2 = Float(b2 / a0)
        self.a1 = Float(a1 / a0); self.a2 = Float(a2 / a0)
    }

    static func lowpass(_ f: Double, q: Double = 0.707) -> Biquad {
        let (c, s) = omega(f), alpha = s / (2 * q)
        return Biquad(b0: (1 - c) / 2, b1: 1 - c, b2: (1 - c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    static func highpass(_ f: Double, q: Double = 0.707) -> Biquad {
        let (c, s) = omega(f), alpha = s / (2 * q)
        return Biquad(b0: (1 + c) / 2, b1: -(1 + c), b2: (1 + c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    /// Band-pass with 0 dB peak gain.
    static func bandpass(_ f: Double, q: Double) -> Biquad {
        let (c, s) = omega(f), alpha = s / (2 * q)
        return Biquad(b0: alpha, b1: 0, b2: -alpha, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    static func peaking(_ f: Double, q: Double, gainDB: Double) -> Biquad {
        let (c, s) = omega(f), alpha = s / (2 * q), a = pow(10, gainDB / 40)
        return Biquad(b0: 1 + alpha * a, b1: -2 * c, b2: 1 - alpha * a, a0: 1 + alpha / a, a1: -2 * c, a2: 1 - alpha / a)
    }

    @inline(__always)
    mutating func tick(_ x: Float) -> Float {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }

    mutating func process(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        var z1 = self.z1, z2 = self.z2
        let b0 = self.b0, b1 = self.b1, b2 = self.b2, a1 = self.a1, a2 = self.a2
        for i in 0..<count {
            let x = p[i]
            let y = b0 * x + z1
            z1 = b1 * x - a1 * y + z2
            z2 = b2 * x - a2 * y
            p[i] = y
        }
        // Flush denormal tails.
        self.z1 = abs(z1) < 1e-20 ? 0 : z1
        self.z2 = abs(z2) < 1e-20 ? 0 : z2
    }

    /// Runs `first` then `second` over the buffer in one pass (their recursions overlap in the CPU).
    static func processCascade(_ first: inout Biquad, _ second: inout Biquad, _ buffer: inout [Float]) {
        var f = first, g = second
        buffer.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = g.tick(f.tick(p[i])) }
        }
        first = f; second = g
    }

    mutating func process(_ buffer: inout [Float]) {
        let n = buffer.count
        buffer.withUnsafeMutableBufferPointer { process($0.baseAddress!, n) }
    }
}

/// A one-pole low-pass (`y += a·(x − y)`): the cheapest tone control.
struct OnePole {
    var a: Float
    var y: Float = 0
    init(cutoff f: Double) { a = Float(1 - exp(-2 * Double.pi * f / sr)) }
    @inline(__always) mutating func lowpass(_ x: Float) -> Float { y += a * (x - y); return y }
    @inline(__always) mutating func highpass(_ x: Float) -> Float { y += a * (x - y); return x - y }
}
