/// Log-mel features of a dataset's clips, ready for training: `features` holds `count` clips of
/// `mels × frames` floats (C order, `[count, mels, frames]`), and the per-clip arrays say where each
/// clip comes from.
public struct ClipFeatures: Sendable {
    /// `count × mels × frames` floats.
    public var features: [Float]
    public var mels: Int
    public var frames: Int
    /// Genre names (label order).
    public var genres: [String]
    /// Per clip: index into `genres`.
    public var labels: [Int]
    /// Per clip: the track id (path relative to the dataset root).
    public var trackIDs: [String]
    /// Per clip: index of the clip within its track.
    public var clipIndices: [Int]
    /// What the last load computed, reused and skipped.
    public var summary: FeatureSummary

    /// Number of clips.
    public var count: Int { labels.count }
    /// Floats per clip.
    public var floatsPerClip: Int { mels * frames }
    /// The features of clip `i`.
    public func clip(_ i: Int) -> ArraySlice<Float> { features[(i * floatsPerClip)..<((i + 1) * floatsPerClip)] }
}

/// Counts of a feature computation.
public struct FeatureSummary: Sendable, Equatable {
    /// Tracks whose features were computed now.
    public var computed: Int = 0
    /// Tracks whose features came from the cache.
    public var reused: Int = 0
    /// Tracks skipped (undecodable or too short), with the reason for each.
    public var skipped: [String] = []
    /// Clips in the result.
    public var clips: Int = 0

    public init(computed: Int = 0, reused: Int = 0, skipped: [String] = [], clips: Int = 0) {
        self.computed = computed
        self.reused = reused
        self.skipped = skipped
        self.clips = clips
    }

    /// One line, e.g. "800 clips from 100 tracks; 1 file skipped; 101 files computed, 0 from the cache".
    public var line: String {
        "\(clips) clips from \(computed + reused - skipped.count) tracks; \(skipped.count) file(s) skipped; "
            + "\(computed) file(s) computed, \(reused) from the cache"
    }
}
