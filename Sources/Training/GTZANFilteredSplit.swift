/// The published "fault-filtered" partition of GTZAN (Kereliuk, Sturm & Larsen, "Deep Learning and Music
/// Adversaries", IEEE Trans. Multimedia 2015, lists as distributed with their dnn-mgr code): tracks with
/// known faults are left out and no artist spans two parts. 443 train / 197 valid / 290 test tracks.
/// The lists ship inside the binary from `Sources/Training/Data/*_filtered.txt`.
public struct GTZANFilteredSplit: Sendable {
    public enum Part: String, Sendable { case train, valid, test }

    /// Part of each track, keyed by its stem (`blues.00029`).
    public let parts: [String: Part]

    public init(parts: [String: Part]) { self.parts = parts }

    /// The published lists.
    public static let published: GTZANFilteredSplit = {
        var parts: [String: Part] = [:]
        for part in [Part.train, .valid, .test] {
            let text = embeddedFiles["\(part.rawValue)_filtered.txt"] ?? ""
            for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
                parts[stem(String(line))] = part
            }
        }
        return GTZANFilteredSplit(parts: parts)
    }()

    /// The part holding `track` (any path whose file name is `genre.000NN.<ext>`), or nil if it is not listed.
    public func part(of track: String) -> Part? { parts[Self.stem(track)] }

    /// `blues/blues.00029.wav` → `blues.00029`.
    static func stem(_ path: String) -> String {
        var name = Substring(path.split(separator: "/").last ?? Substring(path))
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy({ $0.isLetter }) {
            name = name[..<dot]
        }
        return name.lowercased()
    }
}
