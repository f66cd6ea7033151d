/// Genre folder names as one spelling: lowercased, with everything but letters and digits removed,
/// so `hiphop`, `Hip hop`, `hip-hop` and `Hip_Hop` are all `hiphop`.
public enum GenreName {
    /// GTZAN's ten genres, normalised and sorted.
    public static let gtzan = ["blues", "classical", "country", "disco", "hiphop",
                               "jazz", "metal", "pop", "reggae", "rock"]

    /// The normalised form of a genre folder's name.
    public static func normalize(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }
            .map(Character.init))
    }

    /// Whether `name` (any spelling) is one of GTZAN's ten genres.
    public static func isGTZAN(_ name: String) -> Bool { gtzan.contains(normalize(name)) }
}
