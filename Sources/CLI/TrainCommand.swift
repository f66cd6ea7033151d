import ArgumentParser
import Audio
import Foundation
import Model
import Training

/// `gcnn train`: parses options, runs `TrainingSession`, prints progress and per-epoch metrics.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a CNN (the paper's by default; --arch) on a genre task.",
        discussion: """
        TASK is one of the paper's four (hiphop-classical, metal-jazz, pop-hiphop, rock-country), any \
        <genre>-<genre> pair of the ten GTZAN genres (label 0 = the first), or `all` (10-genre softmax). \
        Without --data, gcnn generates its built-in synthetic corpus once (cached) and trains on it.
        """)

    @Option(help: "gpu (first OpenCL GPU, else the first OpenCL device), opencl[:N] (see `gcnn devices`), or cpu (reference path).")
    var device: DeviceSelection = .gpu
    @OptionGroup var network: ArchitectureOptions
    @OptionGroup var kernelOptions: KernelOptions
    @Option(help: "The task: hiphop-classical, metal-jazz, pop-hiphop, rock-country, <genre>-<genre>, or all.")
    var task: String
    @Option(help: "A GTZAN-layout folder (<genre>/<genre>.000NN.{au,wav}); default: the built-in synthetic corpus.")
    var data: String?
    @Option(name: .customLong("synthetic-tracks"), help: "Tracks per genre of the built-in corpus (when no --data).")
    var syntheticTracks: Int = 100
    @Option(name: .customLong("clip-seconds"), help: "Clip length in seconds (the paper: 2, giving 64×173 log-mels).")
    var clipSeconds: Double = 2
    @Option(name: .customLong("clips-per-track"), help: "Non-overlapping clips taken from each track.")
    var clipsPerTrack: Int = 8
    @Option(name: .customLong("bn-momentum"), help: "Sets every batch-norm layer's running-statistics momentum, Keras' sense (default: the architecture's; the paper's is the seed's 0.99; 0.9 is PyTorch's default).")
    var bnMomentum: Float?
    @Option(help: "Epochs to train (with --resume: the total, counting finished ones).")
    var epochs: Int = 2
    @Option(name: .customLong("batch-size"), help: "Clips per batch.")
    var batchSize: Int = 32
    @Option(help: "The learning rate (of the first epoch, with --lr-schedule).")
    var lr: Float = 1e-3
    @Option(help: "Seed of initialisation, shuffling and the stratified split.")
    var seed: UInt64 = 0
    @Option(help: "default (validation on precise batch-norm statistics, stratified split, librosa log-mel) or seed (the seed's exact run: Keras' running statistics at momentum 0.99, the seed's log-mel, keras-tail split); explicit options override it.")
    var recipe: TrainingRecipe = .default
    @Option(name: .customLong("bn-statistics"), help: "Batch-norm statistics for validation and the checkpoint: precise (re-estimated over the training set before each validation) or running (the moving averages training keeps). Default: the recipe's.")
    var bnStatistics: BatchNormStatistics?
    @Option(help: "stratified (by track, per genre, seeded), keras-tail (the seed's: last val-fraction of unshuffled clips), or filtered (published GTZAN fault-filtered split). Default: the recipe's.")
    var split: String?
    @Option(name: .customLong("val-fraction"), help: "Validation share for stratified and keras-tail.")
    var valFraction: Double = 0.3
    @OptionGroup(title: "Optimiser, learning-rate schedule, early stopping, class weights")
    var training: TrainingOptionsArguments
    @Option(help: "Run folder (default runs/<task>-<timestamp>).")
    var out: String?
    @Flag(help: "Continue the run in --out after its last finished epoch.")
    var resume = false
    @Flag(help: "Print one JSON object per epoch instead of text.")
    var json = false
    @Option(name: .customLong("mel-recipe"), help: ArgumentHelp(MelRecipe.optionHelp))
    var melRecipe: MelRecipe?
    @Flag(help: "Also print what the OpenCL compiler said while building the kernels (standard error).")
    var verbose = false
    @OptionGroup(title: "Data augmentation") var augmentation: AugmentationOptions

    func run() throws {
        let mpi = MPIRun.start()
        try mpi.run { try train(mpi) }
    }

    private func train(_ mpi: MPIRun) throws {
        let reporter = TrainingReporter(json: json)
        var request = TrainingRequest(task: task, device: device, data: data.map { URL(fileURLWithPath: $0) }, epochs: epochs,
                                      batchSize: batchSize, learningRate: lr, seed: seed, split: split,
                                      valFraction: valFraction, out: out.map { URL(fileURLWithPath: $0) }, resume: resume,
                                      syntheticTracksPerGenre: syntheticTracks)
        request.clipSeconds = clipSeconds
        request.clipsPerTrack = clipsPerTrack
        request.batchNormMomentum = bnMomentum
        request.recipe = recipe
        request.batchNormStatistics = bnStatistics
        request.architecture = try network.architecture
        request.melRecipe = melRecipe
        request.options = try training.resolved(epochs: epochs)
        request.adamEpsilonPlacement = training.epsilonPlacement
        request.augmentation = augmentation.config
        request.kernels = kernelOptions.kernels
        request.replicas = mpi.replicas
        request.localRank = mpi.world?.localRank ?? 0
        // Rank 0 alone reports; under mpirun, Ctrl-C ends every rank (mpirun's way), keeping the last finished epoch.
        var events = mpi.rank == 0 ? reporter.events : TrainingEvents()
        if mpi.replicas == nil {
            let interrupt = InterruptHandler()
            interrupt.install()
            events.shouldStop = { interrupt.stop.isRequested }
        }
        if verbose && mpi.rank == 0 { events.kernelBuildLog = printError }
        let outcome: TrainingOutcome
        do {
            outcome = try TrainingSession.run(request, events: events)
        } catch let error as TrainingError {
            reporter.finishLine()
            guard case let .epochFailed(_, folder, _, _) = error else { throw CLIFailure("\(error)") }
            throw CLIFailure("\(error): \(ResumeCommand.line(folder: folder))")
        } catch {
            reporter.finishLine()
            throw CLIFailure("\(error)")
        }
        if let stop = outcome.interruption {
            reporter.finishLine()
            let place = stop.batchesDone > 0 ? "in epoch \(stop.epoch) after batch \(stop.batchesDone)/\(stop.batches)"
                : "before epoch \(stop.epoch)"
            printError("interrupted \(place); \(outcome.folder.url.path) holds the checkpoint, resume with: \(ResumeCommand.line(folder: outcome.folder.url.path))")
            throw ExitCode(130)
        }
    }
}
