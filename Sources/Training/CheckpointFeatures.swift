import Audio
import Foundation
import Model

extension FeatureParameters {
    /// The feature parameters a checkpoint's network was trained on: clip length and clips per track from its
    /// metadata, and its mel recipe (`MelRecipe.metadataKey`; `librosa` when the checkpoint predates recipes).
    /// `recipe` overrides the recorded recipe; `notice` says so when the two differ.
    public static func trained(_ checkpoint: ModelCheckpoint.Loaded, path: String, recipe: MelRecipe? = nil,
                               notice: (String) -> Void) throws -> FeatureParameters {
        var parameters = FeatureParameters.paper
        if let seconds = checkpoint.metadata["clip_seconds"].flatMap(Double.init) { parameters.clipSeconds = seconds }
        if let clips = checkpoint.metadata["clips_per_track"].flatMap(Int.init) { parameters.clipsPerTrack = clips }
        let recorded: MelRecipe?
        do { recorded = try MelRecipe(metadata: checkpoint.metadata, source: path) } catch {
            guard recipe != nil else { throw error }
            recorded = nil
        }
        parameters.melRecipe = recipe ?? recorded ?? .librosa
        if let recipe, recipe != recorded {
            let was = recorded.map { "the \($0.rawValue) mel recipe" } ?? "an unknown mel recipe"
            notice("note: \(path) was trained on \(was); feeding it \(recipe.rawValue) features (--mel-recipe)")
        }
        return parameters
    }
}
