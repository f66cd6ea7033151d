import Foundation

/// librosa 0.11's `filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney', dtype=float32)`:
/// triangular filters on the Slaney mel scale (linear below 1 kHz, logarithmic above), each scaled
/// by 2 / (its bandwidth in Hz) so that every band has about the same energy.
///
/// The weights are computed in double precision step by step as librosa does, then rounded to
/// `Float` where librosa stores into its float32 array, so they equal librosa's to the last bit in
/// practice. Application is sparse: each band touches only the FFT bins under its triangle.
public struct MelFilterbank: Sendable {
    /// Number of mel bands (rows).
    public let melCount: Int
    /// Number of FFT bins (`n_fft / 2 + 1`, columns).
    public let binCount: Int
    /// Dense weights, row-major `[melCount][binCount]`, as librosa's array.
    public let weights: [Float]
    /// First non-zero bin of each band.
    let firstBin: [Int]
    /// Non-zero bins of each band, packed: band `m` uses `packed[offset[m] ..< offset[m] + length[m]]`.
    let length: [Int]
    let offset: [Int]
    let packed: [Float]

    /// Builds the filterbank for `sampleRate` Hz, an FFT of `nFFT` points and `melCount` bands
    /// spanning `fMin`…`fMax` Hz (`nil` is sr/2).
    public init(sampleRate: Double, nFFT: Int, melCount: Int, fMin: Double = 0, fMax: Double? = nil) {
        let fMax = fMax ?? sampleRate / 2
        let bins = nFFT / 2 + 1
        self.melCount = melCount
        self.binCount = bins

        // np.fft.rfftfreq(n, d=1/sr): arange(0, n//2+1) * (1 / (n * d)).
        let d = 1.0 / sampleRate
        let val = 1.0 / (Double(nFFT) * d)
        let fftFreqs = (0..<bins).map { Double($0) * val }

        let melF = Self.bandEdges(melCount: melCount, fMin: fMin, fMax: fMax)

        var w = [Float](repeating: 0, count: melCount * bins)
        for i in 0..<melCount {
            let fdiffLo = melF[i + 1] - melF[i], fdiffHi = melF[i + 2] - melF[i + 1]
            // Slaney normalisation, applied to the float32 weights in double as numpy's `*=` does.
            let enorm = 2.0 / (melF[i + 2] - melF[i])
            for k in 0..<bins {
                let lower = -(melF[i] - fftFreqs[k]) / fdiffLo
                let upper = (melF[i + 2] - fftFreqs[k]) / fdiffHi
                let tri = Float(max(0, min(lower, upper)))
                w[i * bins + k] = Float(Double(tri) * enorm)
            }
        }
        weights = w

        var first = [Int](), len = [Int](), off = [Int](), pack = [Float]()
        for i in 0..<melCount {
            let row = w[(i * bins)..<((i + 1) * bins)]
            let lo = row.firstIndex(where: { $0 != 0 }) ?? (i * bins)
            let hi = row.lastIndex(where: { $0 != 0 }).map { $0 + 1 } ?? lo
            first.append(lo - i * bins)
            len.append(hi - lo)
            off.append(pack.count)
            pack.append(contentsOf: w[lo..<hi])
        }
        firstBin = first
        length = len
        offset = off
        packed = pack
    }

    /// The filterbank of `parameters`.
    public init(_ parameters: FeatureParameters) {
        self.init(sampleRate: Double(parameters.sampleRate), nFFT: parameters.nFFT,
                  melCount: parameters.nMels, fMin: parameters.fMin, fMax: parameters.fMax)
    }

    /// Slaney's mel scale (librosa `hz_to_mel(htk=False)`).
    public static func hzToMel(_ hz: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp
        let logStep = Foundation.log(6.4) / 27.0
        return hz >= minLogHz ? minLogMel + Foundation.log(hz / minLogHz) / logStep : hz / fSp
    }

    /// Inverse of `hzToMel` (librosa `mel_to_hz(htk=False)`).
    public static func melToHz(_ mel: Double) -> Double {
        let fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp
        let logStep = Foundation.log(6.4) / 27.0
        return mel >= minLogMel ? minLogHz * Foundation.exp(logStep * (mel - minLogMel)) : fSp * mel
    }

    /// librosa's `mel_frequencies(melCount + 2, fmin, fmax)`: band `m` rises from edge `m`, peaks at
    /// edge `m + 1` and falls to zero at edge `m + 2` (Hz).
    public static func bandEdges(melCount: Int, fMin: Double, fMax: Double) -> [Double] {
        let minMel = hzToMel(fMin), maxMel = hzToMel(fMax)
        let count = melCount + 2
        let step = (maxMel - minMel) / Double(count - 1)
        var mels = (0..<count).map { Double($0) * step + minMel }
        mels[count - 1] = maxMel
        return mels.map(melToHz)
    }

    /// Centre frequency of band `m`, Hz (for axis labels).
    public static func centreFrequency(band m: Int, melCount: Int, fMin: Double, fMax: Double) -> Double {
        let minMel = hzToMel(fMin), maxMel = hzToMel(fMax)
        return melToHz(minMel + Double(m + 1) * (maxMel - minMel) / Double(melCount + 1))
    }

    /// Projects a block of 16 power spectra (`power`, bin-major: bin `k` of frame `f` at `k * 16 + f`)
    /// onto the bands, writing band `m` of frame `f < frameCount` to `out[m * outStride + f]`.
    @inline(__always)
    func applyBlock(power: UnsafePointer<Float>, frameCount: Int,
                    out: UnsafeMutablePointer<Float>, outStride: Int) {
        typealias V = SIMD16<Float>
        precondition(PowerSTFT.block == V.scalarCount)
        let rows = UnsafeRawPointer(power)
        packed.withUnsafeBufferPointer { pk in
            firstBin.withUnsafeBufferPointer { first in
                length.withUnsafeBufferPointer { len in
                    offset.withUnsafeBufferPointer { off in
                        for m in 0..<melCount {
                            let w = pk.baseAddress! + off[m]
                            var acc = V()
                            var row = rows + first[m] * MemoryLayout<V>.stride
                            for k in 0..<len[m] {
                                acc += w[k] * row.loadUnaligned(as: V.self)
                                row += MemoryLayout<V>.stride
                            }
                            let dst = out + m * outStride
                            if frameCount == V.scalarCount {
                                UnsafeMutableRawPointer(dst).storeBytes(of: acc, as: V.self)
                            } else {
                                for f in 0..<frameCount { dst[f] = acc[f] }
                            }
                        }
                    }
                }
            }
        }
    }
}
