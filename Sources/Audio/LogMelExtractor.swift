import Foundation

/// librosa 0.11's `power_to_db(melspectrogram(y=y, sr, n_fft, hop_length, n_mels), ref, amin, top_db)`
/// for signals already at `parameters.sampleRate`, with FFTW single-precision FFTs; with the `seed` mel
/// recipe, `power_to_db(melspectrogram(...) ** 2, …)` over reflect-padded frames (`MelRecipe`).
///
/// One extractor is shared by all threads: the window, filterbank and FFTW plan are read-only,
/// and every call works in its own scratch arrays.
public struct LogMelExtractor: Sendable {
    public let parameters: FeatureParameters
    public let stft: PowerSTFT
    public let filterbank: MelFilterbank

    /// An extractor for `parameters` (validated).
    public init(_ parameters: FeatureParameters = .paper) throws {
        try parameters.validate()
        self.parameters = parameters
        stft = PowerSTFT(nFFT: parameters.nFFT, hop: parameters.hopLength, padding: parameters.melRecipe.centrePadding)
        filterbank = MelFilterbank(parameters)
    }

    /// Frames of the spectrogram of `samples` samples.
    public func frameCount(samples: Int) -> Int { stft.frameCount(samples: samples) }

    /// The log-mel spectrogram of `signal`.
    public func callAsFunction(_ signal: [Float]) -> LogMelSpectrogram {
        let frames = frameCount(samples: signal.count)
        var out = [Float](repeating: 0, count: parameters.nMels * frames)
        signal.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in compute(s, into: o, scratch: stft.makeScratch()) }
        }
        return LogMelSpectrogram(mels: parameters.nMels, frames: frames, values: out)
    }

    /// Writes the log-mel spectrogram of `signal` into `out` (`nMels × frameCount(signal.count)` floats,
    /// mel-major). Reuse one `scratch` per thread (`stft.makeScratch()`) to avoid allocations.
    public func compute(_ signal: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                        scratch: PowerSTFT.Scratch) {
        melPower(signal, into: out, scratch: scratch)
        if parameters.melRecipe.squaresMelPower {
            for i in out.indices { out[i] *= out[i] }
        }
        PowerToDB.apply(out, parameters)
    }

    /// Writes the mel power spectrogram (before dB) of `signal` into `out`, mel-major.
    public func melPower(_ signal: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>,
                         scratch: PowerSTFT.Scratch) {
        let frames = frameCount(samples: signal.count)
        precondition(out.count == parameters.nMels * frames,
                     "output holds \(out.count) floats; \(parameters.nMels)×\(frames) needed")
        var t = 0
        while t < frames {
            let count = min(PowerSTFT.block, frames - t)
            stft.power(of: signal, first: t, count: count, scratch: scratch)
            filterbank.applyBlock(power: scratch.power, frameCount: count, out: out.baseAddress! + t, outStride: frames)
            t += count
        }
    }
}
