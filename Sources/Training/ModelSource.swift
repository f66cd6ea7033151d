import Foundation
import KerasFormat
import Model

/// What `--model` names: a gcnn checkpoint (`model.safetensors`), a folder holding one (a run folder or
/// what `gcnn import keras` wrote), or a Keras model file (`.keras`, `.h5`, `.hdf5`) read directly.
public enum ModelSource {
    public static func load(_ url: URL) throws -> ModelCheckpoint.Loaded {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            let checkpoint = url.appendingPathComponent("model.safetensors")
            guard FileManager.default.fileExists(atPath: checkpoint.path) else {
                throw TrainingRequestError.invalid("\(url.path): the folder holds no model.safetensors; give a run folder, a model folder from `gcnn import keras`, a checkpoint or a Keras file")
            }
            return try ModelCheckpoint.read(checkpoint)
        }
        if KerasImport.isKerasFile(url.path) { return try KerasImport.read(url).checkpoint }
        return try ModelCheckpoint.read(url)
    }
}

/// `gcnn import keras`: a Keras model written as a gcnn model folder (model.safetensors with the architecture
/// in its metadata, architecture.json, config.json).
public enum KerasModelImport {
    /// Metadata keys the import adds to the checkpoint.
    public enum Key {
        public static let importedFrom = "imported_from", importedFormat = "imported_format"
    }

    /// What was written.
    public struct Summary {
        public var format: KerasFileFormat
        public var architecture: Architecture
        public var classes: Int
        public var labels: [String]
        public var parameterCount: Int
        public var melRecipe: String
    }

    /// Reads `file` (with `architecture` for weights-only files) and writes the folder `out`, which must not
    /// hold a model yet. `task` names the classes; `melRecipe` (default: what a gcnn export recorded, else
    /// `librosa`) is what the features of this model are.
    public static func run(file: URL, architecture: String?, task: String?, melRecipe: String?,
                           melRecipeKey: String, to out: URL) throws -> Summary {
        let imported = try KerasImport.read(file, architecture: architecture)
        var checkpoint = imported.checkpoint
        if let task {
            let t = try GenreTask.parse(task)
            guard t.outputs == checkpoint.config.classes else {
                throw TrainingRequestError.invalid("task \(t) needs \(t.outputs) output(s); \(file.path) has \(checkpoint.config.classes)")
            }
            checkpoint.labels = t.genres
        }
        let recipe = melRecipe ?? checkpoint.metadata[melRecipeKey] ?? "librosa"
        var metadata = checkpoint.metadata
        metadata[melRecipeKey] = recipe
        metadata[Key.importedFrom] = file.lastPathComponent
        metadata[Key.importedFormat] = imported.format.rawValue
        let model = out.appendingPathComponent("model.safetensors")
        guard !FileManager.default.fileExists(atPath: model.path) else {
            throw TrainingRequestError.invalid("\(out.path) already holds a model.safetensors; choose another -o folder (nothing was written)")
        }
        do { try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true) } catch {
            throw TrainingRequestError.invalid("\(out.path): cannot create the folder: \(error.localizedDescription)")
        }
        let architecture = checkpoint.architecture
        try AtomicFile.write(Data((architecture.jsonText + "\n").utf8), to: out.appendingPathComponent("architecture.json"))
        let config: [String: Any] = [
            "imported_from": file.path, "imported_format": imported.format.rawValue, melRecipeKey: recipe,
            "classes": checkpoint.config.classes, "labels": checkpoint.labels,
            "task": task ?? NSNull(),
            "architecture": (try? JSONSerialization.jsonObject(with: Data(architecture.jsonText.utf8))) ?? NSNull(),
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]),
                             to: out.appendingPathComponent("config.json"))
        try ModelCheckpoint.write(checkpoint.parameters, config: checkpoint.config, labels: checkpoint.labels,
                                  extraMetadata: metadata, to: model)
        let resolved = try architecture.resolved(classes: checkpoint.config.classes)
        return Summary(format: imported.format, architecture: architecture, classes: checkpoint.config.classes,
                       labels: checkpoint.labels, parameterCount: resolved.parameterCount, melRecipe: recipe)
    }
}
