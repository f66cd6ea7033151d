import Dispatch
import Foundation

/// The log-mel spectrogram of one whole track, in dB with no `top_db` floor (random crops apply the floor per
/// window, as `power_to_db` floors a clip computed alone): `mels × frames` floats, mel-major.
public struct WholeTrackSpectrogram: Equatable, Sendable {
    public var mels: Int
    public var frames: Int
    public var values: [Float]
    public init(mels: Int, frames: Int, values: [Float]) {
        precondition(values.count == mels * frames, "values must hold mels × frames floats")
        self.mels = mels; self.frames = frames; self.values = values
    }
}

/// Whole-track spectrograms for random crops, computed once and kept on disk beside the clip cache.
///
/// Layout: `<cacheDir>/whole-<digest of the parameters without top_db>/<hash of track id, size, mtime>.npy`,
/// one float32 `[mels, frames]` array per track, each written atomically (temporary file, then rename), so
/// processes sharing the cache need no lock: two that compute the same track write the same bytes. A file
/// that does not parse or has the wrong number of mels is recomputed; a changed audio file has another name.
public enum WholeTrackCache {
    /// The parameters a whole-track spectrogram is computed with: `parameters` without the `top_db` floor.
    public static func parameters(for parameters: FeatureParameters) -> FeatureParameters {
        var p = parameters
        p.topDB = nil
        return p
    }

    /// The spectrogram of each of `tracks` (dataset order kept), from `cacheDir` where present; missing ones are
    /// computed in parallel. A track that cannot be decoded throws, naming the file.
    public static func load(tracks: [Track], parameters: FeatureParameters, cacheDir: URL,
                            log: (String) -> Void = { _ in }) throws -> [WholeTrackSpectrogram] {
        let whole = Self.parameters(for: parameters)
        try whole.validate()
        let folder = cacheDir.appendingPathComponent("whole-" + whole.digest, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FeatureCacheError.cannotCreate(path: folder.path, reason: error.localizedDescription)
        }
        let paths = tracks.map { track -> String in
            let stamp = FeatureCache.fileStamp(track.path) ?? (size: -1, mtime: -1)
            return folder.appendingPathComponent(StableHash.hex(of: "\(track.id)|\(stamp.size)|\(stamp.mtime)") + ".npy").path
        }
        var results = [WholeTrackSpectrogram?](repeating: nil, count: tracks.count)
        for (i, path) in paths.enumerated() {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            if let a = try? NPY.read(path), a.shape.count == 2, a.shape[0] == whole.nMels, a.shape[1] >= 1 {
                results[i] = WholeTrackSpectrogram(mels: a.shape[0], frames: a.shape[1], values: a.values)
            } else {
                log("\(path): ignoring a damaged whole-track spectrogram; recomputing")
            }
        }
        let todo = results.indices.filter { results[$0] == nil }
        if !todo.isEmpty {
            log("computing whole-track log-mel spectrograms of \(todo.count) of \(tracks.count) tracks into \(folder.path)")
        }
        let extractor = try LogMelExtractor(whole)
        var computed = [Result<WholeTrackSpectrogram, Error>?](repeating: nil, count: todo.count)
        computed.withUnsafeMutableBufferPointer { out in
            let slots = out  // each iteration writes only its own slot
            DispatchQueue.concurrentPerform(iterations: todo.count) { k in
                let i = todo[k]
                slots[k] = Result {
                    let samples = try AudioDecoder.load(tracks[i].path, sampleRate: whole.sampleRate)
                    let s = extractor(samples)
                    try NPY.write(s.values, shape: [s.mels, s.frames], to: paths[i])
                    return WholeTrackSpectrogram(mels: s.mels, frames: s.frames, values: s.values)
                }
            }
        }
        for (k, i) in todo.enumerated() { results[i] = try computed[k]!.get() }
        return results.map { $0! }
    }
}
