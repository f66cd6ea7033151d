import Foundation

/// The on-disk record of a cached feature array (`manifest.json`): which file and clips each row is, and
/// the size and modification time each file had when its features were computed.
///
/// The manifest is outside input (it survives crashes, disks and hand edits), so it is read strictly:
/// `decode` checks every field and `checkRows` every row range against the array before any row is used;
/// a manifest that fails either is ignored and the features are recomputed.
public struct FeatureManifest: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var id: String
        public var genre: String
        public var size: Int64
        public var mtimeNanoseconds: Int64
        /// First row in the array and number of clips; `nil` rows with a `skipped` reason.
        public var firstRow: Int?
        public var clips: Int
        public var skipped: String?

        public init(id: String, genre: String, size: Int64, mtimeNanoseconds: Int64, firstRow: Int?, clips: Int, skipped: String?) {
            self.id = id; self.genre = genre; self.size = size; self.mtimeNanoseconds = mtimeNanoseconds
            self.firstRow = firstRow; self.clips = clips; self.skipped = skipped
        }
    }
    public static let currentFormat = 1
    public var format = FeatureManifest.currentFormat
    public var parameters: FeatureParameters
    public var root: String
    /// File name of the `.npy` array (in the same folder).
    public var array: String
    public var mels: Int
    public var frames: Int
    public var tracks: [Entry]

    public init(parameters: FeatureParameters, root: String, array: String, mels: Int, frames: Int, tracks: [Entry]) {
        self.parameters = parameters; self.root = root; self.array = array
        self.mels = mels; self.frames = frames; self.tracks = tracks
    }

    /// Parses and checks manifest bytes; `path` only names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> FeatureManifest {
        func bad(_ reason: String) -> FeatureCacheError { .badManifest(path: path, reason: reason) }
        let m: FeatureManifest
        do { m = try JSONDecoder().decode(FeatureManifest.self, from: data) } catch {
            throw bad("not a feature manifest (\(String(describing: error).prefix(120)))")
        }
        guard m.format == currentFormat else { throw bad("format \(m.format), this gcnn reads \(currentFormat)") }
        // Only a file name of this folder, never a path (a hand-edited "../x" must not be followed).
        guard m.array.hasPrefix("features-"), m.array.hasSuffix(".npy"), !m.array.contains("/"), m.array.count <= 255 else {
            throw bad("array name '\(m.array.prefix(80))' is not a features-*.npy file name")
        }
        guard m.mels > 0, m.frames > 0, m.mels.multipliedReportingOverflow(by: m.frames).overflow == false else {
            throw bad("clip size \(m.mels)×\(m.frames) is not positive")
        }
        var ids = Set<String>()
        for e in m.tracks {
            guard ids.insert(e.id).inserted else { throw bad("track '\(e.id)' is listed twice") }
            if e.skipped != nil {
                guard e.firstRow == nil, e.clips == 0 else { throw bad("skipped track '\(e.id)' also has rows") }
            } else {
                guard let first = e.firstRow, first >= 0, e.clips > 0 else {
                    throw bad("track '\(e.id)' has neither rows nor a skip reason")
                }
            }
        }
        return m
    }

    /// Checks that every entry's rows lie inside an array of `rows` rows, in order and without overlap.
    public func checkRows(arrayRows rows: Int, path: String) throws {
        var next = 0
        for e in tracks {
            guard let first = e.firstRow else { continue }
            let (end, overflow) = first.addingReportingOverflow(e.clips)
            guard !overflow, first >= next, end <= rows else {
                throw FeatureCacheError.badManifest(path: path, reason: "rows of '\(e.id)' do not lie in the \(rows)-row array")
            }
            next = end
        }
    }

    /// The row range of `entry` (checked by `checkRows`), as indices into the flat array of `mels × frames` rows.
    public func valueRange(of entry: Entry) -> Range<Int> {
        let per = mels * frames
        return (entry.firstRow! * per)..<((entry.firstRow! + entry.clips) * per)
    }
}
