import ArgumentParser
import Audio
import Foundation
import Model
import Training

/// `gcnn evaluate`: clip- and track-level accuracy, F1 and confusion matrix of a checkpoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Evaluate a checkpoint: clip-level and track-level accuracy, F1, ROC-AUC, PR-AUC, confusion matrix.")

    @Option(help: "A model.safetensors written by `gcnn train`, a run or model folder, or a Keras file (.keras, .h5, .hdf5).")
    var model: String
    @Option(help: "A GTZAN-layout folder; default: the built-in synthetic corpus.")
    var data: String?
    @Option(help: "The task (default: the checkpoint's classes).")
    var task: String?
    @Option(help: "Evaluate the validation part of stratified, keras-tail or filtered (as `train` drew it with --seed), or all clips.")
    var split: String = "stratified"
    @Option(name: .customLong("val-fraction"), help: "Validation share, as in training.")
    var valFraction: Double = 0.3
    @Option(help: "The training run's seed (it fixes the stratified split).")
    var seed: UInt64 = 0
    @Option(help: "gpu, opencl[:N] or cpu.")
    var device: DeviceSelection = .gpu
    @Option(name: .customLong("synthetic-tracks"), help: "Tracks per genre of the built-in corpus (when no --data).")
    var syntheticTracks: Int = 100
    @Option(name: .customLong("mel-recipe"), help: ArgumentHelp(MelRecipe.modelOptionHelp))
    var melRecipe: MelRecipe?

    func run() throws {
        var request = EvaluationRequest(model: URL(fileURLWithPath: model), task: task, data: data.map { URL(fileURLWithPath: $0) },
                                        device: device, split: split, valFraction: valFraction, seed: seed,
                                        syntheticTracksPerGenre: syntheticTracks)
        request.melRecipe = melRecipe
        let report: EvaluationReport
        do { report = try Evaluation.run(request, notice: printError) } catch { throw CLIFailure("\(error)") }
        for (level, m, n) in [("clips", report.clips, report.clipCount), ("tracks", report.tracks, report.trackCount)] {
            func area(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "–" }
            print(String(format: "%-7@ n=%-5d accuracy %.4f  precision %.4f  recall %.4f  F1 %.4f  ROC-AUC %@  PR-AUC %@", level, n, m.accuracy,
                         m.precision, m.recall, m.f1, area(m.rocAUC), area(m.prAUC)))
        }
        print("\nclip-level confusion matrix (rows: truth, columns: prediction)")
        print(RunPictures.confusionText(report.clips.confusion.counts, labels: report.labels), terminator: "")
        print("\ntrack-level confusion matrix")
        print(RunPictures.confusionText(report.tracks.confusion.counts, labels: report.labels), terminator: "")
    }
}
