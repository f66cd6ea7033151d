import CSamplerate
import Foundation

/// Errors of sample-rate conversion.
public enum ResampleError: Error, CustomStringConvertible, Equatable {
    case failed(reason: String)
    case unsupportedRatio(from: Int, to: Int)
    public var description: String {
        switch self {
        case let .failed(reason): return "resampling failed: libsamplerate: \(reason)"
        case let .unsupportedRatio(from, to):
            return "cannot resample \(from) Hz to \(to) Hz: libsamplerate converts ratios from 1/256 to 256"
        }
    }
}

/// Mono sample-rate conversion with libsamplerate's best converter (`SRC_SINC_BEST_QUALITY`).
///
/// The output has `ceil(n · to / from)` samples, as librosa's `resample` (which pads or trims with
/// `fix_length`). librosa 0.11 itself resamples with soxr ("soxr_hq"), a different band-limited
/// filter, so features of a resampled file agree with librosa's less closely than features of a file
/// already at 22 050 Hz (the fixtures state the tolerance).
public enum Resampler {
    /// `samples` at `from` Hz, converted to `to` Hz.
    public static func resample(_ samples: [Float], from: Int, to: Int) throws -> [Float] {
        if from == to { return samples }
        let ratio = Double(to) / Double(from)
        guard ratio >= 1.0 / 256, ratio <= 256 else { throw ResampleError.unsupportedRatio(from: from, to: to) }
        let target = Int((Double(samples.count) * ratio).rounded(.up))
        if samples.isEmpty { return [] }
        var out = [Float](repeating: 0, count: target + 64)
        var generated = 0
        let status: Int32 = samples.withUnsafeBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                var data = SRC_DATA()
                data.data_in = inp.baseAddress
                data.data_out = o.baseAddress
                data.input_frames = samples.count
                data.output_frames = o.count
                data.end_of_input = 1
                data.src_ratio = ratio
                let rc = src_simple(&data, Int32(SRC_SINC_BEST_QUALITY), 1)
                generated = data.output_frames_gen
                return rc
            }
        }
        guard status == 0 else { throw ResampleError.failed(reason: String(cString: src_strerror(status))) }
        // librosa's fix_length: trim, or pad with zeros, to exactly `target` samples.
        if generated < target { for i in generated..<target { out[i] = 0 } }
        out.removeLast(out.count - target)
        return out
    }
}
