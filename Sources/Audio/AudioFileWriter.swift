import CSndfile
import Foundation

/// Errors of writing audio files.
public enum AudioWriteError: Error, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case shortWrite(path: String, wrote: Int, expected: Int)
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot write audio: \(reason)"
        case let .shortWrite(path, wrote, expected):
            return "\(path): wrote \(wrote) of \(expected) frames (disk full?)"
        }
    }
}

/// Container and sample encoding of a written file (any pair libsndfile accepts).
public struct AudioFileFormat: Equatable, Sendable {
    /// libsndfile's `SF_FORMAT_*` major|minor code.
    public var code: Int32
    public init(code: Int32) { self.code = code }
    public static let wav16 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16))
    public static let wav24 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24))
    public static let wav32 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32))
    public static let wavU8 = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_U8))
    public static let wavFloat = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT))
    public static let wavDouble = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_DOUBLE))
    public static let wavULaw = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_ULAW))
    public static let wavALaw = AudioFileFormat(code: Int32(SF_FORMAT_WAV | SF_FORMAT_ALAW))
    /// GTZAN's original container: Sun/NeXT `.au`, big-endian 16-bit PCM.
    public static let au16 = AudioFileFormat(code: Int32(SF_FORMAT_AU | SF_FORMAT_PCM_16))
    public static let flac16 = AudioFileFormat(code: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16))
    public static let oggVorbis = AudioFileFormat(code: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS))
    /// Ogg Opus (lossy; libsndfile accepts 8, 12, 16, 24 and 48 kHz only).
    public static let oggOpus = AudioFileFormat(code: Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS))
    /// MPEG-1/2 Layer III (lossy; needs libsndfile ≥ 1.1 built with LAME and mpg123, as Debian's is).
    public static let mp3 = AudioFileFormat(code: Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III))
    public static let aiff16 = AudioFileFormat(code: Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16))
    public static let flac24 = AudioFileFormat(code: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_24))
    public static let w64Float = AudioFileFormat(code: Int32(SF_FORMAT_W64 | SF_FORMAT_FLOAT))
    public static let caf16 = AudioFileFormat(code: Int32(SF_FORMAT_CAF | SF_FORMAT_PCM_16))
    public static let rf64PCM24 = AudioFileFormat(code: Int32(SF_FORMAT_RF64 | SF_FORMAT_PCM_24))
}

/// Writes audio through libsndfile.
public enum AudioFileWriter {
    /// Writes interleaved `samples` (`channels` per frame, nominal range −1…1) to `path`.
    /// The file is written to a temporary name and renamed into place, so a reader never sees half a file.
    public static func write(_ samples: [Float], sampleRate: Int, channels: Int = 1,
                             format: AudioFileFormat = .wav16, to path: String) throws {
        precondition(channels > 0 && samples.count % channels == 0, "samples must hold whole frames")
        let tmp = path + ".partial-\(getpid())"
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.code
        guard let file = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            throw AudioWriteError.cannotOpen(path: path, reason: String(cString: sf_strerror(nil)))
        }
        // Integer formats: clip rather than wrap out-of-range samples.
        sf_command(file, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let frames = samples.count / channels
        let wrote = samples.withUnsafeBufferPointer { sf_writef_float(file, $0.baseAddress, sf_count_t(frames)) }
        sf_close(file)
        guard Int(wrote) == frames else {
            unlink(tmp)
            throw AudioWriteError.shortWrite(path: path, wrote: Int(wrote), expected: frames)
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw AudioWriteError.cannotOpen(path: path, reason: reason)
        }
    }
}
