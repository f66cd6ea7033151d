import Foundation

/// Errors of finding a dataset's genre folders.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case notADirectory(path: String)
    case noGenreFolders(path: String)
    case noAudioFiles(path: String)

    public var description: String {
        switch self {
        case let .notADirectory(path): return "\(path): not a directory; give a dataset folder laid out as <root>/<genre>/<file>"
        case let .noGenreFolders(path):
            return "\(path): no genre folders with audio files found; expected <root>/<genre>/<file> (GTZAN layout) "
                + "or <root>/genres_original/<genre>/<file> (Kaggle's copy)"
        case let .noAudioFiles(path):
            return "\(path): no audio files found, neither directly in the folder nor in genre folders (<root>/<genre>/<file>); "
                + "audio files are named *.\(GenreDataset.audioExtensions.sorted().prefix(6).joined(separator: ", *.")), …"
        }
    }
}

/// One audio file of a dataset.
public struct Track: Codable, Hashable, Sendable {
    /// Absolute path.
    public var path: String
    /// Path relative to the dataset root (`blues/blues.00000.wav`): the track's id.
    public var id: String
    /// Normalised genre name.
    public var genre: String
}

/// A genre-labelled audio collection in GTZAN's layout: `<root>/<genre>/<file>`, also inside
/// Kaggle's `genres_original/` (or `Data/genres_original/`) nesting. Genre folder names are normalised
/// (`GenreName`); folders that normalise to the same name are one genre. Only files with an audio
/// extension are tracks (a file that then fails to decode is skipped by feature extraction, named).
public struct GenreDataset: Sendable {
    /// The folder holding the genre folders.
    public let root: String
    /// Normalised genre names, sorted: the label order (index = class).
    public let genres: [String]
    /// Tracks sorted by genre, then id.
    public let tracks: [Track]

    /// File extensions treated as audio (what libsndfile reads).
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "au", "snd", "aif", "aiff", "aifc", "flac", "ogg", "oga", "opus", "mp3",
        "caf", "w64", "rf64", "voc", "sf", "ircam", "nist", "sph", "pvf", "xi", "htk", "sds", "avr", "wve", "mat", "paf", "mpc",
    ]

    public init(root: String, genres: [String], tracks: [Track]) {
        self.root = root
        self.genres = genres
        self.tracks = tracks
    }

    /// The genre of every file of a plain folder: none.
    public static let unlabelled = ""

    /// True for `plainFolder`'s datasets: files without genres.
    public var isPlainFolder: Bool { genres == [Self.unlabelled] }

    /// A folder of audio files without genre folders: every audio file directly inside `path` (sorted by
    /// name; its id is its file name), all of the one `unlabelled` genre.
    public static func plainFolder(_ path: String) throws -> GenreDataset {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.notADirectory(path: path)
        }
        let root = URL(fileURLWithPath: path).standardizedFileURL
        let files = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).sorted().filter { name in
            guard !name.hasPrefix("."), audioExtensions.contains((name as NSString).pathExtension.lowercased()) else { return false }
            return fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir) && !isDir.boolValue
        }
        guard !files.isEmpty else { throw DatasetError.noAudioFiles(path: path) }
        let tracks = files.map { Track(path: root.appendingPathComponent($0).path, id: $0, genre: unlabelled) }
        return GenreDataset(root: root.path, genres: [unlabelled], tracks: tracks)
    }

    /// `scan`'s GTZAN layout when `path` has genre folders with audio files, else `plainFolder`.
    public static func scanAnyLayout(_ path: String) throws -> GenreDataset {
        do { return try scan(path) } catch DatasetError.noGenreFolders { return try plainFolder(path) }
    }

    /// Scans `path` for genre folders.
    public static func scan(_ path: String) throws -> GenreDataset {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError.notADirectory(path: path)
        }
        var root = URL(fileURLWithPath: path).standardizedFileURL
        for nested in ["genres_original", "Data/genres_original"] {
            let candidate = root.appendingPathComponent(nested)
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue { root = candidate; break }
        }
        let children = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        var tracks = [Track]()
        for child in children.sorted() where !child.hasPrefix(".") {
            let folder = root.appendingPathComponent(child)
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else { continue }
            let genre = GenreName.normalize(child)
            guard !genre.isEmpty else { continue }
            let files = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            for file in files where !file.hasPrefix(".") {
                let ext = (file as NSString).pathExtension.lowercased()
                guard audioExtensions.contains(ext) else { continue }
                tracks.append(Track(path: folder.appendingPathComponent(file).path, id: "\(child)/\(file)", genre: genre))
            }
        }
        guard !tracks.isEmpty else { throw DatasetError.noGenreFolders(path: path) }
        tracks.sort { ($0.genre, $0.id) < ($1.genre, $1.id) }
        return GenreDataset(root: root.path, genres: Array(Set(tracks.map(\.genre))).sorted(), tracks: tracks)
    }
}
