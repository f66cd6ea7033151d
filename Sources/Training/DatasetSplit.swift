import Model

/// Where one clip of a task's dataset comes from.
public struct ClipOrigin: Equatable, Sendable {
    /// Class index within the task (0 = the task's first genre).
    public var label: Int
    /// Identifies the clip's track (its file path relative to the dataset root).
    public var track: String
    /// Position of the clip within its track.
    public var clip: Int
    public init(label: Int, track: String, clip: Int) { self.label = label; self.track = track; self.clip = clip }
}

/// How clips are divided into training and validation sets.
public enum SplitProtocol: String, CaseIterable, Codable, Sendable {
    /// By track (no track has clips on both sides), stratified by genre, seeded. The default.
    case stratified
    /// The seed's protocol: Keras' `validation_split` on unshuffled data, clips of the first genre then the
    /// second; validation is the last `valFraction` of clips, i.e. (for 0.3) one class only.
    case kerasTail = "keras-tail"
    /// The published GTZAN fault-filtered split (Kereliuk, Sturm & Larsen 2015): train+valid lists train,
    /// the test list validates.
    case filtered
}

/// Errors of splitting a dataset.
public enum SplitError: Error, CustomStringConvertible, Equatable {
    case tooFewClips(protocol: String, train: Int, validation: Int)
    case tooFewTracks(label: Int, tracks: Int)
    case filteredSplitMatchesNothing
    case badFraction(Double)
    public var description: String {
        switch self {
        case let .tooFewClips(p, t, v):
            return "the \(p) split leaves \(t) training and \(v) validation clips; both must be at least 1 (add tracks or change --val-fraction)"
        case let .tooFewTracks(label, tracks):
            return "class \(label) has \(tracks) track(s); a split by track needs at least 2 (add tracks or use --split keras-tail)"
        case .filteredSplitMatchesNothing:
            return "--split filtered matched no track of the dataset: it needs GTZAN's own file names (genre.000NN.au/.wav)"
        case let .badFraction(f): return "--val-fraction \(f) must be strictly between 0 and 1"
        }
    }
}

/// A division of clip indices into training and validation sets.
public struct DatasetSplit: Equatable, Sendable {
    public var train: [Int]
    public var validation: [Int]

    /// Splits `clips` (in dataset order: genre, then track, then clip) by `split`.
    /// - Parameters:
    ///   - valFraction: the validation share for `stratified` and `keras-tail`.
    ///   - rng: drives `stratified`'s choice of validation tracks.
    ///   - filtered: the published lists, for `filtered`.
    public static func make(_ clips: [ClipOrigin], protocol split: SplitProtocol, valFraction: Double,
                            rng: inout RandomGenerator, filtered: GTZANFilteredSplit = .published) throws -> DatasetSplit {
        guard valFraction > 0, valFraction < 1 else { throw SplitError.badFraction(valFraction) }
        let result: DatasetSplit
        switch split {
        case .kerasTail:
            // Keras 3 `train_validation_split`: split_at = floor(n · (1 − validation_split)), no shuffling.
            let order = clips.indices.sorted { (clips[$0].label, $0) < (clips[$1].label, $1) }
            let splitAt = Int((Double(order.count) * (1.0 - valFraction)).rounded(.down))
            result = DatasetSplit(train: Array(order[..<splitAt]), validation: Array(order[splitAt...]))
        case .stratified:
            var train: [Int] = [], validation: [Int] = []
            for label in Set(clips.map(\.label)).sorted() {
                var tracks: [String] = []
                for c in clips where c.label == label && !tracks.contains(c.track) { tracks.append(c.track) }
                guard tracks.count >= 2 else { throw SplitError.tooFewTracks(label: label, tracks: tracks.count) }
                rng.shuffle(&tracks)
                let nVal = min(tracks.count - 1, max(1, Int((Double(tracks.count) * valFraction).rounded())))
                let valTracks = Set(tracks[..<nVal])
                for (i, c) in clips.enumerated() where c.label == label {
                    if valTracks.contains(c.track) { validation.append(i) } else { train.append(i) }
                }
            }
            result = DatasetSplit(train: train, validation: validation)
        case .filtered:
            var train: [Int] = [], validation: [Int] = []
            for (i, c) in clips.enumerated() {
                switch filtered.part(of: c.track) {
                case .train?, .valid?: train.append(i)
                case .test?: validation.append(i)
                case nil: break
                }
            }
            guard !(train.isEmpty && validation.isEmpty) else { throw SplitError.filteredSplitMatchesNothing }
            result = DatasetSplit(train: train, validation: validation)
        }
        guard !result.train.isEmpty, !result.validation.isEmpty else {
            throw SplitError.tooFewClips(protocol: split.rawValue, train: result.train.count, validation: result.validation.count)
        }
        return result
    }
}
