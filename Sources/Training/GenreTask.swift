import Audio

/// A classification task over GTZAN genres: a pair (binary, sigmoid; label 0 = the first genre named,
/// as the seed's notebook) or all ten (softmax).
public struct GenreTask: Equatable, Sendable, CustomStringConvertible {
    /// Class names in label order.
    public let genres: [String]

    /// The seed's four tasks; the first two pairs are the ones it calls distinct, the last two similar.
    public static let paperTasks = ["hiphop-classical", "metal-jazz", "pop-hiphop", "rock-country"]

    public init(genres: [String]) { self.genres = genres }

    /// Whether this is a two-genre task (one sigmoid output).
    public var isBinary: Bool { genres.count == 2 }
    /// The network's output width: 1 for a pair, else the number of genres.
    public var outputs: Int { isBinary ? 1 : genres.count }
    /// The canonical name (`metal-jazz`, `all`).
    public var description: String { isBinary ? genres.joined(separator: "-") : "all" }

    /// Parses `all` or `<genre>-<genre>`, each genre in any spelling `GenreName` normalises (`hip-hop`,
    /// `Hip hop`); the hyphen between the two may sit anywhere a genre name ends.
    public static func parse(_ text: String) throws -> GenreTask {
        if GenreName.normalize(text) == "all" { return GenreTask(genres: GenreName.gtzan) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        for cut in 1..<max(parts.count, 1) {
            let a = GenreName.normalize(parts[..<cut].joined(separator: "-"))
            let b = GenreName.normalize(parts[cut...].joined(separator: "-"))
            if GenreName.gtzan.contains(a), GenreName.gtzan.contains(b) {
                guard a != b else { throw GenreTaskError.sameGenre(text) }
                return GenreTask(genres: [a, b])
            }
        }
        throw GenreTaskError.unknown(text)
    }
}

/// A task name gcnn does not know.
public enum GenreTaskError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case sameGenre(String)
    public var description: String {
        switch self {
        case let .unknown(t):
            return "unknown task '\(t)': use one of \(GenreTask.paperTasks.joined(separator: ", ")), all, or <genre>-<genre> with genres from: \(GenreName.gtzan.joined(separator: " "))"
        case let .sameGenre(t): return "task '\(t)' names one genre twice; a task needs two different genres"
        }
    }
}
