import CFFTW
import Foundation

/// |STFT|² of a signal as librosa 0.11's `stft(y, n_fft, hop_length, window='hann', center=True,
/// pad_mode='constant')` followed by `np.abs(·) ** 2`: frame `t` is centred on sample `t · hop`, the
/// signal is padded with `n_fft / 2` zeros on both sides, and there are `1 + n / hop` frames. With
/// `.reflect` padding the signal is padded as `np.pad(y, n_fft // 2, mode='reflect')` instead (librosa 0.6's
/// default).
///
/// Frames are computed in blocks of `PowerSTFT.block` (16): the block's power spectra are stored
/// bin-major (`power[k · 16 + f]`), so the mel projection runs 16 frames wide in SIMD registers.
public struct PowerSTFT: Sendable {
    /// Frames per block.
    public static let block = 16
    public let nFFT: Int
    public let hop: Int
    /// How samples outside the signal are filled.
    public let padding: Padding
    /// Frequency bins per frame (`nFFT / 2 + 1`).
    public var bins: Int { nFFT / 2 + 1 }
    let window: [Float]
    let fft: RealFFT
    /// Floats between consecutive FFT outputs in the scratch (keeps each output 32-byte aligned).
    var outputStride: Int { (2 * bins + 7) / 8 * 8 }

    /// Samples before the start and past the end of the signal, under frames that overhang it.
    public enum Padding: String, Codable, Sendable {
        /// Zeros (librosa ≥ 0.10: `pad_mode='constant'`).
        case zeros
        /// The signal mirrored about its first and last samples, which are not repeated (numpy's
        /// `mode='reflect'`, librosa 0.6's default); a signal shorter than the padding is mirrored again.
        case reflect
    }

    public init(nFFT: Int, hop: Int, padding: Padding = .zeros) {
        self.nFFT = nFFT
        self.hop = hop
        self.padding = padding
        window = HannWindow.periodic(nFFT)
        fft = RealFFT.shared(size: nFFT)
    }

    /// Frames of a centred analysis of `samples` samples.
    public func frameCount(samples: Int) -> Int { 1 + samples / hop }

    /// One thread's working arrays (FFTW-aligned).
    public final class Scratch {
        /// `block` windowed frames.
        let input: UnsafeMutablePointer<Float>
        /// `block` FFT outputs, `outputStride` floats apart.
        let output: UnsafeMutablePointer<Float>
        /// Power of the block, bin-major: `power[k * block + f]`.
        let power: UnsafeMutablePointer<Float>
        init(nFFT: Int, outputStride: Int, bins: Int) {
            let b = PowerSTFT.block
            input = fftwf_malloc(4 * nFFT * b)!.bindMemory(to: Float.self, capacity: nFFT * b)
            output = fftwf_malloc(4 * outputStride * b)!.bindMemory(to: Float.self, capacity: outputStride * b)
            power = fftwf_malloc(4 * bins * b)!.bindMemory(to: Float.self, capacity: bins * b)
            input.initialize(repeating: 0, count: nFFT * b)
            output.initialize(repeating: 0, count: outputStride * b)
            power.initialize(repeating: 0, count: bins * b)
        }
        deinit {
            fftwf_free(input)
            fftwf_free(output)
            fftwf_free(power)
        }
    }

    /// The sample that index `i` (possibly outside `0..<count`) reads under reflect padding: numpy's
    /// `reflect`, periodic with period `2·(count − 1)`.
    static func reflected(_ i: Int, count: Int) -> Int {
        guard count > 1 else { return 0 }
        let period = 2 * (count - 1)
        let m = ((i % period) + period) % period
        return m < count ? m : period - m
    }

    public func makeScratch() -> Scratch { Scratch(nFFT: nFFT, outputStride: outputStride, bins: bins) }

    /// Computes the power spectra of frames `first ..< first + count` (`count ≤ block`) of `signal`
    /// into `scratch.power` (bin-major; columns past `count` are left over from earlier blocks).
    func power(of signal: UnsafeBufferPointer<Float>, first: Int, count: Int, scratch: Scratch) {
        let n = signal.count, half = nFFT / 2, b = PowerSTFT.block, bins = bins, stride = outputStride
        let x = signal.baseAddress
        window.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            for f in 0..<count {
                let dst = scratch.input + f * nFFT
                let start = (first + f) * hop - half  // first sample under the window
                if start >= 0 && start + nFFT <= n {
                    let src = x! + start
                    for k in 0..<nFFT { dst[k] = w[k] * src[k] }
                } else if padding == .reflect && n > 0 {
                    for k in 0..<nFFT { dst[k] = w[k] * x![Self.reflected(start + k, count: n)] }
                } else {
                    for k in 0..<nFFT {
                        let s = start + k
                        dst[k] = (s >= 0 && s < n) ? w[k] * x![s] : 0
                    }
                }
                fft.execute(input: dst, output: scratch.output + f * stride)
            }
        }
        // |X|², transposed to bin-major.
        let p = scratch.power
        for f in 0..<count {
            let c = scratch.output + f * stride
            for k in 0..<bins {
                let re = c[2 * k], im = c[2 * k + 1]
                p[k * b + f] = re * re + im * im
            }
        }
    }
}
