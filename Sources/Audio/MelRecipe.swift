/// How a clip's mel power spectrogram becomes the log-mel features a network sees.
///
/// The recipe is part of what a model was trained on: features, the feature cache, run folders and checkpoints
/// record it, and a model is fed the recipe it was trained with.
public enum MelRecipe: String, Codable, CaseIterable, Sendable {
    /// librosa 0.11: `power_to_db(melspectrogram(y))`, centred frames padded with zeros. gcnn's default.
    case librosa
    /// Huang et al.'s preprocessing, which the seed used (librosa 0.6.3):
    /// `power_to_db(melspectrogram(y) ** 2)`, centred frames padded by reflection.
    case seed

    /// The checkpoint metadata key that records the recipe.
    public static let metadataKey = "mel_recipe"
}
