import Foundation
import Model

/// Everything a run needs to continue exactly where it stopped: the network's tensors, Adam's moments
/// and step, the shuffling generator's state and the metrics of every finished epoch. Stored as
/// `training-state.safetensors` in the run folder (parameters under their own names, moments under
/// `adam.m.<name>` / `adam.v.<name>`, the rest in the metadata), written atomically after every epoch
/// and when a run is stopped inside an epoch (then with the stopped epoch's per-clip results under
/// `epoch.losses` / `epoch.probabilities`).
public struct TrainingState: Equatable {
    public var epochsDone: Int
    public var parameters: ParameterSet
    public var adam: AdamState
    /// The shuffling generator at the start of epoch `epochsDone + 1` (before its shuffle).
    public var rng: RandomGenerator.State
    public var history: [EpochRecord]
    /// The batches of epoch `epochsDone + 1` already trained (the network's tensors include them), when the
    /// run was stopped inside that epoch.
    public var partial: PartialEpoch?

    public init(epochsDone: Int, parameters: ParameterSet, adam: AdamState, rng: RandomGenerator.State, history: [EpochRecord],
                partial: PartialEpoch? = nil) {
        self.epochsDone = epochsDone; self.parameters = parameters; self.adam = adam; self.rng = rng; self.history = history
        self.partial = partial
    }

    public static let fileName = "training-state.safetensors"

    public func write(to url: URL) throws {
        var tensors = ModelCheckpoint.tensors(parameters)
        tensors += adam.m.tensors.map { SafeTensor(name: "adam.m.\($0.name)", shape: $0.shape, floats: $0.values) }
        tensors += adam.v.tensors.map { SafeTensor(name: "adam.v.\($0.name)", shape: $0.shape, floats: $0.values) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            "epochs_done": String(epochsDone),
            "adam_step": String(adam.step),
            "rng": rng.words.map(String.init).joined(separator: ","),
            "history": String(decoding: try encoder.encode(history), as: UTF8.self),
        ]
        if let partial, partial.batchesDone > 0 {
            metadata["epoch_batches_done"] = String(partial.batchesDone)
            metadata["epoch_seconds"] = String(partial.seconds)
            tensors.append(SafeTensor(name: "epoch.losses", shape: [partial.losses.count], floats: partial.losses))
            tensors.append(SafeTensor(name: "epoch.probabilities", shape: [partial.probabilities.count], floats: partial.probabilities))
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    public static func read(_ url: URL) throws -> TrainingState {
        try interpret(SafeTensors.read(url), path: url.path)
    }

    /// `read` of a file's bytes; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> TrainingState {
        try interpret(SafeTensors.decode(bytes, path: path), path: path)
    }

    private static func interpret(_ file: (tensors: [SafeTensor], metadata: [String: String]), path: String) throws -> TrainingState {
        let (tensors, metadata) = file
        func bad(_ why: String) -> SafeTensorsError { .malformed(path: path, reason: why) }
        guard let epochs = metadata["epochs_done"].flatMap(Int.init), let step = metadata["adam_step"].flatMap(Int.init),
              let rngText = metadata["rng"], let historyText = metadata["history"] else {
            throw bad("training state metadata is incomplete")
        }
        let words = rngText.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0) }
        guard words.count == 4, words.allSatisfy({ $0 != nil }), words.contains(where: { $0 != 0 }) else {
            throw bad("generator state must be 4 unsigned words, not all zero")
        }
        let history: [EpochRecord]
        do { history = try JSONDecoder().decode([EpochRecord].self, from: Data(historyText.utf8)) } catch {
            throw bad("metrics history is not valid JSON")
        }
        var parameters = ParameterSet(), m = ParameterSet(), v = ParameterSet()
        var partialLosses: [Float]?, partialProbabilities: [Float]?
        for t in tensors {
            guard t.dtype == "F32" || (t.dtype == "I64" && !t.name.hasPrefix("adam.") && !t.name.hasPrefix("epoch.")) else {
                throw bad("tensor \(t.name) is \(t.dtype), expected F32")
            }
            if t.name == "epoch.losses" || t.name == "epoch.probabilities" {
                if t.name == "epoch.losses" { partialLosses = t.floats } else { partialProbabilities = t.floats }
            } else if t.name.hasPrefix("adam.m.") {
                m.append(NamedTensor(name: String(t.name.dropFirst(7)), shape: t.shape, values: t.floats))
            } else if t.name.hasPrefix("adam.v.") {
                v.append(NamedTensor(name: String(t.name.dropFirst(7)), shape: t.shape, values: t.floats))
            } else if t.dtype == "I64" {
                guard t.int64s.allSatisfy({ (0...(1 << 24)).contains($0) }) else {
                    throw bad("tensor \(t.name) \(t.int64s) is not a count in 0…16777216")
                }
                parameters.append(NamedTensor(name: t.name, shape: t.shape, values: t.int64s.map { Float($0) }, storage: .int64))
            } else {
                parameters.append(NamedTensor(name: t.name, shape: t.shape, values: t.floats))
            }
        }
        var partial: PartialEpoch?
        if let doneText = metadata["epoch_batches_done"] {
            guard let done = Int(doneText), done > 0, let losses = partialLosses, let probabilities = partialProbabilities else {
                throw bad("the stopped epoch's results are incomplete")
            }
            partial = PartialEpoch(batchesDone: done, losses: losses, probabilities: probabilities,
                                   seconds: metadata["epoch_seconds"].flatMap(Double.init) ?? 0)
        }
        return TrainingState(epochsDone: epochs, parameters: parameters, adam: AdamState(step: step, m: m, v: v),
                             rng: RandomGenerator.State(words: words.map { $0! }), history: history, partial: partial)
    }
}
