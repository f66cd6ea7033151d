import Audio
import Model

/// Where validation and the saved checkpoint get batch norm's statistics from.
public enum BatchNormStatistics: String, CaseIterable, Codable, Sendable {
    /// The running statistics training keeps (the spec's momentum), as Keras and PyTorch do.
    case running
    /// "Precise BN" (Wu & Johnson 2021): before each validation the running statistics are re-estimated
    /// over the whole training set with the epoch's final weights (`Trainer.estimateBatchNormStatistics`);
    /// training itself is unchanged.
    case precise
}

/// A named set of training defaults, which explicit options override.
public enum TrainingRecipe: String, CaseIterable, Codable, Sendable {
    /// Defaults that show what the network learned: validation on precise batch-norm statistics, split by
    /// track (`stratified`), librosa's log-mel.
    case `default`
    /// The seed's exact run: Keras' running statistics (the paper's momentum 0.99), the seed's log-mel
    /// recipe and its split (`keras-tail`, Keras' `validation_split` on unshuffled clips).
    case seed

    public var split: SplitProtocol { self == .seed ? .kerasTail : .stratified }
    public var batchNormStatistics: BatchNormStatistics { self == .seed ? .running : .precise }
    /// The log-mel recipe of the features.
    public var melRecipe: MelRecipe { self == .seed ? .seed : .librosa }
}
