import ArgumentParser

/// The `gcnn` command: parses arguments and reports; every piece of logic lives in a library target.
@main
struct GCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gcnn",
        abstract: "GPU-accelerated trainer for genre-classification CNNs on log-mel spectrograms.",
        subcommands: [
            DevicesCommand.self, CheckCommand.self, TuneCommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExperimentCommand.self,
            FeaturesCommand.self, SpectrogramCommand.self, SynthCommand.self, BenchCommand.self, ArchCommand.self,
            ImportCommand.self, ExportCommand.self,
        ])
}
