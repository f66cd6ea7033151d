import Audio
import Foundation
import Model

/// Errors of assembling a task's clips from a dataset.
public enum TaskDatasetError: Error, Equatable, CustomStringConvertible {
    case missingGenre(genre: String, root: String, present: [String])
    case noClips(genre: String, root: String)
    public var description: String {
        switch self {
        case let .missingGenre(genre, root, present):
            return "\(root) has no '\(genre)' folder (it has: \(present.joined(separator: " "))); add it or choose another --task"
        case let .noClips(genre, root):
            return "\(root)/\(genre) yielded no clip (every file was skipped or shorter than one clip)"
        }
    }
}

/// The clips of one task: features in dataset order (genre in task order, then track, then clip),
/// their labels and origins, and a hash that identifies them.
public struct TaskDataset {
    public var task: GenreTask
    public var clips: LabeledClips
    public var origins: [ClipOrigin]
    public var mels: Int
    public var frames: Int
    /// FNV-1a over every feature value, label and track id, in order.
    public var hash: String

    /// Selects `task`'s genres from `features` (a whole dataset's clips), relabelling them in task order.
    public init(task: GenreTask, features: ClipFeatures, root: String) throws {
        self.task = task
        mels = features.mels
        frames = features.frames
        var indices: [Int] = [], origins: [ClipOrigin] = []
        for (label, genre) in task.genres.enumerated() {
            guard let datasetLabel = features.genres.firstIndex(of: genre) else {
                throw TaskDatasetError.missingGenre(genre: genre, root: root, present: features.genres)
            }
            let mine = features.labels.indices.filter { features.labels[$0] == datasetLabel }
            guard !mine.isEmpty else { throw TaskDatasetError.noClips(genre: genre, root: root) }
            indices += mine
            origins += mine.map { ClipOrigin(label: label, track: features.trackIDs[$0], clip: features.clipIndices[$0]) }
        }
        let per = features.floatsPerClip
        var x = [Float]()
        x.reserveCapacity(indices.count * per)
        for i in indices { x.append(contentsOf: features.clip(i)) }
        clips = LabeledClips(features: x, labels: origins.map(\.label), clipLength: per)
        self.origins = origins
        var h = x.withUnsafeBytes { StableHash.fnv1a($0) }
        for o in origins { h = StableHash.fnv1a(Array("\(o.label)|\(o.track)|\(o.clip)\n".utf8), seed: h) }
        hash = String(format: "%016llx", h)
    }
}
