import ArgumentParser
import Foundation
import KerasFormat
import Training

/// `gcnn export`: gcnn models in the formats other frameworks load.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a gcnn model for another framework.",
        subcommands: [ExportKerasCommand.self, ExportONNXCommand.self])
}

/// `gcnn export keras --model M -o model.keras`: a Keras 3 archive `keras.models.load_model` loads.
struct ExportKerasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keras", abstract: "Write a Keras 3 .keras archive that predicts what gcnn predicts (sigmoid or softmax included).")

    @Option(help: "A checkpoint (model.safetensors), a run or model folder, or a Keras file.")
    var model: String
    @Option(name: [.short, .customLong("out")], help: "The .keras file to write.")
    var out: String

    func run() throws {
        guard out.lowercased().hasSuffix(".keras") else {
            throw CLIFailure("\(out): a Keras 3 archive's name must end in .keras (keras.models.load_model requires it)")
        }
        do {
            let checkpoint = try ModelSource.load(URL(fileURLWithPath: model))
            try KerasExport.write(checkpoint, to: URL(fileURLWithPath: out))
            print("\(model) → \(out): Keras 3 Sequential model '\(checkpoint.architecture.name)', \(checkpoint.config.classes == 1 ? "sigmoid" : "softmax") output")
        } catch { throw CLIFailure("\(error)") }
    }
}
