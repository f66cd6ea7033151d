/// A log-mel spectrogram in dB, mel-major as librosa's array: `values[m * frames + t]` is band `m`
/// (0 = lowest) of frame `t`.
public struct LogMelSpectrogram: Equatable, Sendable {
    /// Mel bands (rows).
    public var mels: Int
    /// STFT frames (columns).
    public var frames: Int
    /// `mels × frames` values, row-major.
    public var values: [Float]

    public init(mels: Int, frames: Int, values: [Float]) {
        precondition(values.count == mels * frames, "a \(mels)×\(frames) spectrogram needs \(mels * frames) values")
        self.mels = mels
        self.frames = frames
        self.values = values
    }

    /// Band `m` of frame `t`.
    public subscript(m: Int, t: Int) -> Float { values[m * frames + t] }
}
