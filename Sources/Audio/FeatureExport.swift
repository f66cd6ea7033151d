import Foundation

/// Errors of exporting features.
public enum FeatureExportError: Error, CustomStringConvertible, Equatable {
    case tooShort(path: String, seconds: Double, clipSeconds: Double)
    case noClips(path: String)
    public var description: String {
        switch self {
        case let .tooShort(path, seconds, clip):
            return String(format: "%@: %.2f s is shorter than one %.2f-s clip; use --whole for the whole file, or a shorter --clip-seconds", path, seconds, clip)
        case let .noClips(path): return "\(path): no file gave any clip (every file was skipped; see the lines above)"
        }
    }
}

/// The JSON written beside an exported `.npy`: which file and clip each row is.
public struct FeatureSidecar: Codable, Equatable, Sendable {
    public struct Row: Codable, Equatable, Sendable {
        /// Row index in the array.
        public var row: Int
        /// The file (dataset-relative id for a folder, the path given for a single file).
        public var file: String
        /// Normalised genre, for a dataset folder in GTZAN's layout (`nil` for a plain folder of files).
        public var genre: String?
        /// Clip index within the file (`nil` for `--whole`).
        public var clip: Int?
        /// First second of the clip within the file.
        public var startSeconds: Double
        /// Length of the analysed audio, seconds.
        public var seconds: Double
    }
    public var shape: [Int]
    public var dtype = "float32"
    public var layout = FeatureSidecar.layout(.librosa)
    public var parameters: FeatureParameters
    public var whole: Bool
    public var genres: [String]?
    public var rows: [Row]
    public var skipped: [String]

    /// The `layout` text of features made with `recipe`.
    public static func layout(_ recipe: MelRecipe) -> String {
        "[row, mel band (0 = lowest), frame]; log-mel dB as \(recipe.formula)"
    }
}

/// An exported feature array and its sidecar.
public struct FeatureExport: Sendable {
    public var values: [Float]
    public var sidecar: FeatureSidecar

    /// `[1, nMels, frames]`: the whole file as librosa computes it on the full signal.
    public static func whole(file path: String, parameters: FeatureParameters) throws -> FeatureExport {
        let extractor = try LogMelExtractor(parameters)
        let samples = try AudioDecoder.load(path, sampleRate: parameters.sampleRate)
        let s = extractor(samples)
        let seconds = Double(samples.count) / Double(parameters.sampleRate)
        return FeatureExport(values: s.values, sidecar: FeatureSidecar(
            shape: [1, s.mels, s.frames], layout: FeatureSidecar.layout(parameters.melRecipe), parameters: parameters, whole: true, genres: nil,
            rows: [.init(row: 0, file: path, genre: nil, clip: nil, startSeconds: 0, seconds: seconds)], skipped: []))
    }

    /// `[clips, nMels, clipFrames]`: the clips of one file.
    public static func clips(file path: String, parameters: FeatureParameters) throws -> FeatureExport {
        let extractor = try LogMelExtractor(parameters)
        let samples = try AudioDecoder.load(path, sampleRate: parameters.sampleRate)
        let slicer = ClipSlicer(parameters)
        let starts = slicer.clipStarts(samples: samples.count)
        guard !starts.isEmpty else {
            throw FeatureExportError.tooShort(path: path, seconds: Double(samples.count) / Double(parameters.sampleRate),
                                              clipSeconds: parameters.clipSeconds)
        }
        let sr = Double(parameters.sampleRate)
        let rows = starts.enumerated().map { k, start in
            FeatureSidecar.Row(row: k, file: path, genre: nil, clip: k, startSeconds: Double(start) / sr,
                               seconds: parameters.clipSeconds)
        }
        return FeatureExport(values: slicer.features(of: samples, extractor: extractor), sidecar: FeatureSidecar(
            shape: [starts.count, parameters.nMels, parameters.clipFrames], layout: FeatureSidecar.layout(parameters.melRecipe),
            parameters: parameters, whole: false,
            genres: nil, rows: rows, skipped: []))
    }

    /// `[clips, nMels, clipFrames]`: every clip of every track of a dataset, in dataset order; through
    /// the feature cache when `cacheDir` is given. Rows of a plain folder (`GenreDataset.plainFolder`) name
    /// their file and clip, and no genre.
    public static func clips(dataset: GenreDataset, parameters: FeatureParameters, cacheDir: URL? = nil,
                             log: @escaping (String) -> Void) throws -> (FeatureExport, FeatureSummary) {
        let f: ClipFeatures
        if let cacheDir {
            f = try FeatureCache.load(dataset: dataset, parameters: parameters, cacheDir: cacheDir, log: log)
        } else {
            f = try collect(dataset: dataset, parameters: parameters, log: log)
        }
        guard f.count > 0 else { throw FeatureExportError.noClips(path: dataset.root) }
        let hop = Double(parameters.clipHopSamples) / Double(parameters.sampleRate)
        let plain = dataset.isPlainFolder
        let rows = (0..<f.count).map { i in
            FeatureSidecar.Row(row: i, file: f.trackIDs[i], genre: plain ? nil : f.genres[f.labels[i]], clip: f.clipIndices[i],
                               startSeconds: Double(f.clipIndices[i]) * hop, seconds: parameters.clipSeconds)
        }
        return (FeatureExport(values: f.features, sidecar: FeatureSidecar(
            shape: [f.count, f.mels, f.frames], layout: FeatureSidecar.layout(parameters.melRecipe), parameters: parameters,
            whole: false, genres: plain ? nil : f.genres,
            rows: rows, skipped: f.summary.skipped)), f.summary)
    }

    /// Every clip of a dataset, computed now (no cache).
    public static func collect(dataset: GenreDataset, parameters: FeatureParameters,
                               log: (String) -> Void) throws -> ClipFeatures {
        let results = try ClipExtraction.extract(dataset.tracks.map(\.path), parameters: parameters)
        let genreIndex = Dictionary(uniqueKeysWithValues: dataset.genres.enumerated().map { ($1, $0) })
        var out = ClipFeatures(features: [], mels: parameters.nMels, frames: parameters.clipFrames, genres: dataset.genres,
                               labels: [], trackIDs: [], clipIndices: [], summary: FeatureSummary())
        for (track, r) in zip(dataset.tracks, results) {
            out.summary.computed += 1
            switch r {
            case let .skipped(reason):
                out.summary.skipped.append(reason)
                log("skipped \(reason)")
            case let .clips(count, values):
                out.features += values
                for c in 0..<count {
                    out.labels.append(genreIndex[track.genre]!)
                    out.trackIDs.append(track.id)
                    out.clipIndices.append(c)
                }
            }
        }
        out.summary.clips = out.labels.count
        return out
    }

    /// Writes the array to `path` and the sidecar beside it (`out.npy` → `out.json`), both atomically.
    public func write(to path: String) throws {
        try NPY.write(values, shape: sidecar.shape, to: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sidecar).write(to: URL(fileURLWithPath: FeatureExport.sidecarPath(for: path)), options: .atomic)
    }

    /// `out.npy` → `out.json`.
    public static func sidecarPath(for path: String) -> String {
        ((path as NSString).pathExtension == "npy" ? (path as NSString).deletingPathExtension : path) + ".json"
    }
}
