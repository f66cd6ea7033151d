import Audio
import Foundation
import Model

/// Per-clip probabilities and a per-track verdict for one input file.
public struct FilePrediction {
    public var file: String
    /// Class probability rows, one per clip.
    public var clips: [[Double]]
    /// Mean of the clip rows.
    public var track: [Double]
    public var genre: String
}

/// `gcnn predict`: audio files (decoded and cut into clips as in training) or `.npy` feature arrays
/// `[N, mels, frames]`, classified by a checkpoint. Audio gets the mel recipe the checkpoint records unless
/// `melRecipe` overrides it; `.npy` features are taken as they are.
public enum Prediction {
    public static func run(model: URL, files: [String], device: DeviceSelection, melRecipe: MelRecipe? = nil,
                           notice: (String) -> Void) throws -> [FilePrediction] {
        let checkpoint = try ModelSource.load(model)
        let parameters = try FeatureParameters.trained(checkpoint, path: model.path, recipe: melRecipe, notice: notice)
        let per = checkpoint.config.inputCount
        var inputs: [(file: String, count: Int, values: [Float])] = []
        let audio = files.filter { !$0.lowercased().hasSuffix(".npy") }
        let extracted = try ClipExtraction.extract(audio, parameters: parameters)
        var audioIndex = 0
        for file in files {
            if file.lowercased().hasSuffix(".npy") {
                let array = try NPY.read(file)
                guard array.shape.count == 3, array.shape[1] == checkpoint.config.inputHeight, array.shape[2] == checkpoint.config.inputWidth else {
                    throw TrainingRequestError.invalid("\(file): shape \(array.shape) is not [N, \(checkpoint.config.inputHeight), \(checkpoint.config.inputWidth)] as \(model.lastPathComponent) needs")
                }
                inputs.append((file, array.shape[0], array.values))
            } else {
                switch extracted[audioIndex] {
                case let .clips(count, values): inputs.append((file, count, values))
                case let .skipped(reason): notice("skipped \(reason)")
                }
                audioIndex += 1
            }
        }
        let all = inputs.flatMap(\.values)
        let total = all.count / max(per, 1)
        let probabilities = try device.run(Inference(checkpoint: checkpoint, clips: all, count: total), notice: notice)
        let rows = TrackVerdict.rows(probabilities, count: total)
        let names = checkpoint.labels.count == max(2, checkpoint.config.classes) ? checkpoint.labels
            : (0..<max(2, checkpoint.config.classes)).map { "class \($0)" }
        var start = 0
        return inputs.map { input in
            let mine = Array(rows[start..<(start + input.count)])
            start += input.count
            let (mean, label) = TrackVerdict.track(mine)
            return FilePrediction(file: input.file, clips: mine, track: mean, genre: names[label])
        }
    }
}
