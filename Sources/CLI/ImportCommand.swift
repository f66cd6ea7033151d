import ArgumentParser
import Audio
import Foundation
import Training

/// `gcnn import`: models from other frameworks into gcnn model folders.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a model from another framework as a gcnn model folder.",
        subcommands: [ImportKerasCommand.self])
}

/// `gcnn import keras FILE -o DIR`: a Keras 2 HDF5 model, a .keras archive or weights-only HDF5 (+ --arch).
struct ImportKerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keras",
        abstract: "Import a Keras model: Keras 2 HDF5 (.h5/.hdf5), Keras 3 .keras, or weights-only HDF5 with --arch.",
        discussion: "Writes DIR/model.safetensors (the architecture in its metadata), DIR/architecture.json and DIR/config.json; every command takes DIR/model.safetensors (predict and evaluate also take DIR or the Keras file itself).")

    @Argument(help: "The Keras file (.keras, .h5, .hdf5, .weights.h5).")
    var file: String
    @Option(name: [.short, .customLong("out")], help: "The model folder to write.")
    var out: String
    @Option(help: "For weights-only files: a gcnn preset or .json spec, or the Keras model's JSON (model.to_json()).")
    var arch: String?
    @Option(help: "The task the model was trained for (names its classes), e.g. metal-jazz or all.")
    var task: String?
    @Option(name: .customLong("mel-recipe"), help: "The log-mel recipe of the model's training features (default: librosa, or what a gcnn export recorded).")
    var melRecipe: MelRecipe?

    func run() throws {
        let summary: KerasModelImport.Summary
        do {
            summary = try KerasModelImport.run(file: URL(fileURLWithPath: file), architecture: arch, task: task,
                                               melRecipe: melRecipe?.rawValue, melRecipeKey: MelRecipe.metadataKey,
                                               to: URL(fileURLWithPath: out))
        } catch { throw CLIFailure("\(error)") }
        let classes = summary.labels.isEmpty ? "\(summary.classes == 1 ? 2 : summary.classes) unnamed classes (pass --task to name them)"
            : summary.labels.joined(separator: ", ")
        print("\(file): \(summary.format.rawValue) → \(out)/model.safetensors: architecture '\(summary.architecture.name)' (\(summary.architecture.layers.count) layers, \(summary.parameterCount) parameters, input \(summary.architecture.inputHeight)×\(summary.architecture.inputWidth)), \(classes), mel recipe \(summary.melRecipe)")
    }
}
