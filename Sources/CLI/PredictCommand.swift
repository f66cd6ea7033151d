import ArgumentParser
import Audio
import Foundation
import Model
import Training

/// `gcnn predict`: per-clip probabilities and a per-track verdict for audio files or `.npy` features.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify audio files or .npy feature arrays [N,64,173] with a checkpoint.")

    @Option(help: "A model.safetensors written by `gcnn train`, a run or model folder, or a Keras file (.keras, .h5, .hdf5).")
    var model: String
    @Argument(help: "Audio files or .npy arrays.")
    var files: [String]
    @Option(help: "gpu, opencl[:N] or cpu.")
    var device: DeviceSelection = .gpu
    @Flag(help: "One JSON object per file.")
    var json = false
    @Option(name: .customLong("mel-recipe"), help: ArgumentHelp(MelRecipe.modelOptionHelp))
    var melRecipe: MelRecipe?

    func run() throws {
        let results: [FilePrediction]
        do { results = try Prediction.run(model: URL(fileURLWithPath: model), files: files, device: device, melRecipe: melRecipe, notice: printError) } catch {
            throw CLIFailure("\(error)")
        }
        for r in results {
            if json {
                let object: [String: Any] = ["file": r.file, "genre": r.genre, "track": r.track, "clips": r.clips]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let clips = r.clips.map { row in row.map { String(format: "%.3f", $0) }.joined(separator: "/") }.joined(separator: " ")
                print("\(r.file): \(r.genre) (track \(r.track.map { String(format: "%.3f", $0) }.joined(separator: "/")); clips \(clips))")
            }
        }
    }
}
