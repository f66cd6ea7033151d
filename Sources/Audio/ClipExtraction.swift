import Dispatch
import Foundation

/// The features of one track's clips, or why it has none.
public enum TrackFeatures: Sendable {
    /// `clips × nMels × clipFrames` floats.
    case clips(count: Int, values: [Float])
    /// Not decodable, or shorter than one clip: the one-line reason (names the file).
    case skipped(reason: String)
}

/// Clip features of many files, computed in parallel over the cores.
public enum ClipExtraction {
    /// Features of each of `paths` (same order), decoding, resampling and cutting clips with
    /// `parameters`; files run in parallel (`DispatchQueue.concurrentPerform`), the result order is
    /// the input order whatever the scheduling.
    public static func extract(_ paths: [String], parameters: FeatureParameters) throws -> [TrackFeatures] {
        let extractor = try LogMelExtractor(parameters)
        let slicer = ClipSlicer(parameters)
        var results = [TrackFeatures?](repeating: nil, count: paths.count)
        results.withUnsafeMutableBufferPointer { out in
            let slots = out  // each iteration writes only its own slot
            DispatchQueue.concurrentPerform(iterations: paths.count) { i in
                slots[i] = features(of: paths[i], extractor: extractor, slicer: slicer)
            }
        }
        return results.map { $0! }
    }

    /// Features of one file (not thrown: failures become `.skipped` with the reason).
    public static func features(of path: String, extractor: LogMelExtractor, slicer: ClipSlicer) -> TrackFeatures {
        let p = extractor.parameters
        let samples: [Float]
        do {
            samples = try AudioDecoder.load(path, sampleRate: p.sampleRate)
        } catch {
            return .skipped(reason: "\(error)")
        }
        let starts = slicer.clipStarts(samples: samples.count)
        guard !starts.isEmpty else {
            let seconds = Double(samples.count) / Double(p.sampleRate)
            return .skipped(reason: String(format: "%@: %.2f s is shorter than one %.2f-s clip", path, seconds, p.clipSeconds))
        }
        return .clips(count: starts.count, values: slicer.features(of: samples, extractor: extractor))
    }
}
