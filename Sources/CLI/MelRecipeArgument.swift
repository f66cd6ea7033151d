import ArgumentParser
import Audio

extension MelRecipe: ExpressibleByArgument {
    /// The help of every command's `--mel-recipe`.
    static let optionHelp = "librosa (librosa 0.11's log-mel, gcnn's default) or seed (the seed's: dB of the squared mel power, reflect-padded frames; values twice librosa's)."
    /// The help of `--mel-recipe` where a checkpoint records the recipe it was trained with.
    static let modelOptionHelp = "Feed the model librosa or seed log-mel features (default: the recipe the checkpoint records; librosa for checkpoints without one)."
}
