import ArgumentParser
import Training

extension SpecAugmentConfig: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public var defaultValueDescription: String { text }
}

/// `gcnn train`'s data-augmentation options (all off by default; recorded in config.json).
struct AugmentationOptions: ParsableArguments {
    @Flag(name: .customLong("random-crop"),
          help: "Replace each training clip, every epoch, by a window of the same length drawn anywhere in its track's whole-track log-mel (top_db floor per window).")
    var randomCrop = false
    @Option(name: .customLong("spec-augment"), help: ArgumentHelp(
        "SpecAugment masking: F,mF,T,mT (widest frequency mask in mel bins, masks; widest time mask in frames, masks), e.g. 8,2,20,2; masked values are the clip's mean.",
        valueName: "F,mF,T,mT"))
    var specAugment: SpecAugmentConfig?
    @Option(name: .customLong("mixup"), help: ArgumentHelp("Mixup with λ ~ Beta(α, α) per batch, e.g. 0.2.", valueName: "alpha"))
    var mixup: Double?

    var config: AugmentationConfig {
        AugmentationConfig(randomCrop: randomCrop, specAugment: specAugment, mixupAlpha: mixup)
    }
}
