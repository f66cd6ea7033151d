import CSndfile
import Foundation

/// Errors of reading audio; each names the file and, where libsndfile gave one, its reason.
public enum AudioDecodeError: Error, CustomStringConvertible, Equatable {
    /// No such file, or it cannot be opened for reading.
    case cannotOpen(path: String, reason: String)
    /// A directory, FIFO, device or socket: not decoded (opening a FIFO would block).
    case notARegularFile(path: String, kind: String)
    /// libsndfile opened the file but it holds no sample frames.
    case empty(path: String)
    /// libsndfile reported an error while reading the samples.
    case readFailed(path: String, reason: String)
    /// A sample is NaN or infinite (float files only).
    case nonFinite(path: String, frame: Int, channel: Int, value: Float)
    /// Resampling to the feature rate failed.
    case resampleFailed(path: String, reason: String)

    public var description: String { line.oneLine }

    private var line: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot decode audio: \(reason)"
        case let .notARegularFile(path, kind): return "\(path): cannot decode audio: it is a \(kind), not a regular file"
        case let .empty(path): return "\(path): cannot decode audio: the file holds no samples"
        case let .readFailed(path, reason): return "\(path): reading samples failed: \(reason)"
        case let .nonFinite(path, frame, channel, value):
            return "\(path): sample \(frame) (channel \(channel)) is \(value); audio must be finite (re-export the file)"
        case let .resampleFailed(path, reason): return "\(path): \(reason)"
        }
    }
}

/// A decoded file, mixed to mono.
public struct DecodedAudio: Sendable {
    /// Mono samples, nominally −1…1: the mean of the channels, as librosa's `to_mono`.
    public var samples: [Float]
    /// Sample rate of `samples`, Hz.
    public var sampleRate: Int
    /// Channels in the file.
    public var channels: Int
    /// Seconds of audio.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// Reads every format the installed libsndfile reads, when the file has a header that says so (WAV in any PCM/float width, AU, AIFF, FLAC,
/// Ogg Vorbis/Opus, MP3, CAF, W64, …) as librosa's `load` does through soundfile: integer samples are
/// scaled to −1…1 by libsndfile (`x / 2^(bits−1)`), float samples are taken as stored.
///
/// A file libsndfile only recognises by its name (no header: it would guess headerless 8 kHz µ-law for
/// `.au`) is refused. A header that claims more data than the file holds is read up to the last whole
/// frame present, as librosa (soundfile, the same libsndfile) reads it.
///
/// Samples that are NaN or infinite are refused, not zeroed: librosa refuses them too
/// (`valid_audio`: "Audio buffer is not finite everywhere"), so no reference features exist for such a
/// file, and silently zeroing would hide a broken export in the training data.
public enum AudioDecoder {
    /// The file at `path`, mixed to mono, at its own sample rate.
    public static func decode(_ path: String) throws -> DecodedAudio {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw AudioDecodeError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let type = st.st_mode & S_IFMT
        if type != S_IFREG {
            let kind = type == S_IFDIR ? "directory" : type == S_IFIFO ? "FIFO" : type == S_IFSOCK ? "socket" : "device"
            throw AudioDecodeError.notARegularFile(path: path, kind: kind)
        }
        var info = SF_INFO()
        guard let file = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioDecodeError.cannotOpen(path: path, reason: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(file) }
        // Without a recognised header libsndfile guesses from the name alone (any `.au`/`.snd` becomes
        // headerless 8 kHz µ-law): random bytes would "decode" as noise, so that guess is refused.
        if Int(info.format) & Int(SF_FORMAT_TYPEMASK) == Int(SF_FORMAT_RAW) {
            throw AudioDecodeError.cannotOpen(path: path, reason: "no audio header found (headerless raw data is not read: its encoding and rate are unknown)")
        }
        let channels = Int(info.channels)
        guard channels > 0, info.samplerate > 0 else {
            throw AudioDecodeError.cannotOpen(path: path, reason: "no channels or no sample rate in the header")
        }

        // Read in chunks: some formats (MP3, Ogg) only estimate their length in the header, and a damaged
        // header can claim any length, so the frame count is only a capacity hint, bounded by the file's size.
        var interleaved = [Float]()
        if info.frames > 0 {
            let claimed = Int(clamping: info.frames).multipliedReportingOverflow(by: channels)
            interleaved.reserveCapacity(min(claimed.overflow ? .max : claimed.partialValue, Int(st.st_size) + (1 << 16)))
        }
        let chunk = max(1, (1 << 16) / channels)  // ≤ 64 Ki samples per read whatever the channel count
        var buffer = [Float](repeating: 0, count: chunk * channels)
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(chunk)) }
            if got <= 0 { break }
            interleaved.append(contentsOf: buffer[0..<(Int(got) * channels)])
        }
        let err = sf_error(file)
        if err != Int32(SF_ERR_NO_ERROR) {
            throw AudioDecodeError.readFailed(path: path, reason: String(cString: sf_error_number(err)))
        }
        guard !interleaved.isEmpty else { throw AudioDecodeError.empty(path: path) }
        if let bad = interleaved.firstIndex(where: { !$0.isFinite }) {
            throw AudioDecodeError.nonFinite(path: path, frame: bad / channels, channel: bad % channels,
                                             value: interleaved[bad])
        }
        return DecodedAudio(samples: mixToMono(interleaved, channels: channels),
                            sampleRate: Int(info.samplerate), channels: channels)
    }

    /// librosa's `load(path, sr=sampleRate, mono=True)`: decoded, mixed to mono, resampled.
    public static func load(_ path: String, sampleRate: Int = 22_050) throws -> [Float] {
        let audio = try decode(path)
        do {
            return try Resampler.resample(audio.samples, from: audio.sampleRate, to: sampleRate)
        } catch {
            throw AudioDecodeError.resampleFailed(path: path, reason: "\(error)")
        }
    }

    /// The mean of the channels of interleaved frames, summed in channel order in single precision
    /// (numpy's float32 `mean(axis=0)` over a channels × frames array).
    public static func mixToMono(_ interleaved: [Float], channels: Int) -> [Float] {
        if channels == 1 { return interleaved }
        let frames = interleaved.count / channels
        let n = Float(channels)
        return interleaved.withUnsafeBufferPointer { x in
            (0..<frames).map { f in
                var sum: Float = 0
                for c in 0..<channels { sum += x[f * channels + c] }
                return sum / n
            }
        }
    }
}
