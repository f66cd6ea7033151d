import CFFTW
import Foundation

/// |STFT|² of a signal as librosa 0.11's `stft(y, n_fft, hop_length, window='hann', center=True,
/// pad_mode='constant')` followed by `np.abs(·) ** 2`: frame `t` is centred on sample `t · hop`, the
/// signal is padded with `n_fft / 2` zeros on both sides, and there are `1 + n / hop` frames.
///
/// Frames are transformed in batches through one shared FFTW plan; `Scratch` holds one thread's arrays.
public struct PowerSTFT: Sendable {
    public let nFFT: Int
    public let hop: Int
    /// Frequency bins per frame (`nFFT / 2 + 1`).
    public var bins: Int { nFFT / 2 + 1 }
    /// Frames transformed per FFTW call.
    public let batch: Int
    let window: [Float]
    let fft: RealFFT

    public init(nFFT: Int, hop: Int, batch: Int = 16) {
        self.nFFT = nFFT
        self.hop = hop
        self.batch = batch
        window = HannWindow.periodic(nFFT)
        fft = RealFFT.shared(size: nFFT, batch: batch)
    }

    /// Frames of a centred analysis of `samples` samples.
    public func frameCount(samples: Int) -> Int { 1 + samples / hop }

    /// One thread's working arrays.
    public final class Scratch {
        let buffers: FFTBuffers
        /// Power spectra of the current batch, frame-major.
        let power: UnsafeMutablePointer<Float>
        init(nFFT: Int, batch: Int) {
            buffers = FFTBuffers(size: nFFT, batch: batch)
            power = .allocate(capacity: (nFFT / 2 + 1) * batch)
        }
        deinit { power.deallocate() }
    }

    public func makeScratch() -> Scratch { Scratch(nFFT: nFFT, batch: batch) }

    /// Computes the power spectra of frames `first ..< first + count` (`count ≤ batch`) of `signal` into
    /// `scratch.power` (frame-major, `bins` floats per frame).
    func power(of signal: UnsafeBufferPointer<Float>, first: Int, count: Int, scratch: Scratch) {
        let n = signal.count, half = nFFT / 2
        let x = signal.baseAddress
        let input = scratch.buffers.input
        window.withUnsafeBufferPointer { wb in
            let w = wb.baseAddress!
            for f in 0..<count {
                let dst = input + f * nFFT
                let start = (first + f) * hop - half  // first sample under the window
                if start >= 0 && start + nFFT <= n {
                    let src = x! + start
                    for k in 0..<nFFT { dst[k] = w[k] * src[k] }
                } else {
                    for k in 0..<nFFT {
                        let s = start + k
                        dst[k] = (s >= 0 && s < n) ? w[k] * x![s] : 0
                    }
                }
            }
            // Frames past `count` in a partial batch keep stale data; their outputs are ignored.
        }
        fft.execute(scratch.buffers)
        let c = scratch.buffers.outputFloats
        let p = scratch.power
        for i in 0..<(count * bins) {
            let re = c[2 * i], im = c[2 * i + 1]
            p[i] = re * re + im * im
        }
    }
}
