/// How a clip's mel power spectrogram becomes the log-mel features a network sees.
///
/// The recipe is part of what a model was trained on: features, the feature cache, run folders and checkpoints
/// record it, and a model is fed the recipe it was trained with.
public enum MelRecipe: String, Codable, CaseIterable, Sendable {
    /// librosa 0.11: `power_to_db(melspectrogram(y))`, centred frames padded with zeros. gcnn's default.
    case librosa
    /// Huang et al.'s preprocessing, which the seed used (librosa 0.6.3):
    /// `power_to_db(melspectrogram(y) ** 2)`, centred frames padded by reflection.
    ///
    /// librosa 0.6.3's other defaults are 0.11's: periodic Hann window, Slaney-scale mel bands with Slaney
    /// area normalisation (`htk=False`, `norm=1`) from 0 Hz to sr/2, `power_to_db(ref=1.0, amin=1e-10,
    /// top_db=80.0)` with the maximum taken per call (per clip). The square doubles every dB value, so the
    /// `amin` floor is −100 dB and `top_db` 80 keeps 40 dB of the mel power's range.
    case seed

    /// The checkpoint metadata key that records the recipe.
    public static let metadataKey = "mel_recipe"

    /// How the STFT pads the signal around its centred frames.
    public var centrePadding: PowerSTFT.Padding {
        switch self {
        case .librosa: .zeros
        case .seed: .reflect
        }
    }

    /// Whether the mel power is squared before `power_to_db`.
    public var squaresMelPower: Bool { self == .seed }

    /// What the features are, in words (for sidecars and help).
    public var formula: String {
        switch self {
        case .librosa: "librosa 0.11 power_to_db(melspectrogram(...))"
        case .seed: "the seed's power_to_db(melspectrogram(...) ** 2), reflect-padded frames (librosa 0.6.3, Huang et al.)"
        }
    }

    /// The recipe a checkpoint's metadata records; a checkpoint without the key predates recipes: `librosa`.
    /// `source` names the file in the error of a value gcnn does not know.
    public init(metadata: [String: String], source: String) throws {
        guard let text = metadata[Self.metadataKey] else { self = .librosa; return }
        guard let recipe = MelRecipe(rawValue: text) else {
            throw MelRecipeError.unknown(value: text, source: source)
        }
        self = recipe
    }
}

/// A recorded mel recipe that this gcnn does not know.
public enum MelRecipeError: Error, Equatable, CustomStringConvertible {
    case unknown(value: String, source: String)
    public var description: String {
        switch self {
        case let .unknown(value, source):
            return "\(source): metadata '\(MelRecipe.metadataKey)' is '\(value.prefix(40))', not a mel recipe this gcnn knows "
                + "(\(MelRecipe.allCases.map(\.rawValue).joined(separator: ", "))); pass --mel-recipe to choose one"
        }
    }
}
