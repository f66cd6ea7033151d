import Foundation
import Model

/// What a Keras file was.
public enum KerasFileFormat: String, Sendable {
    /// Keras 2's `model.save(".h5")`: `model_config` attribute and `model_weights` (optimizer state ignored).
    case keras2HDF5 = "Keras 2 HDF5 model"
    /// A `.keras` archive: config.json + model.weights.h5 (Keras 3, or TensorFlow 2.13–2.15's v3 format).
    case kerasArchive = ".keras archive"
    /// Weights only (`save_weights`, `.weights.h5`), with the architecture given separately.
    case weightsOnly = "weights-only HDF5"
}

/// A Keras model read into gcnn's form.
public struct KerasImportedModel {
    public var format: KerasFileFormat
    /// The architecture, head size, tensors (PyTorch layouts) and, for a gcnn export, class names and metadata.
    public var checkpoint: ModelCheckpoint.Loaded
}

/// Reads Keras models: Keras 2 full-model HDF5, `.keras` archives, weights-only HDF5 with an architecture.
public enum KerasImport {
    /// The file names `predict`/`evaluate` read as Keras models rather than gcnn checkpoints.
    public static func isKerasFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".keras", ".h5", ".hdf5"].contains { lower.hasSuffix($0) }
    }

    /// Largest Keras file gcnn reads (1 GiB).
    public static let maxFileBytes = 1 << 30

    /// Reads `url`. `architecture` is needed for weights-only files: a gcnn preset, a gcnn architecture file,
    /// or a Keras model's JSON (`model.to_json()`, a `.keras` archive's config.json).
    public static func read(_ url: URL, architecture: String? = nil) throws -> KerasImportedModel {
        let path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw KerasError(file: path, "no such file")
        }
        guard !isFolder.boolValue else { throw KerasError(file: path, "is a folder; give a Keras file (.keras, .h5, .hdf5)") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxFileBytes else { throw KerasError(file: path, "is \(size) bytes, more than the \(maxFileBytes) gcnn reads") }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: url)) } catch {
            throw KerasError(file: path, "cannot read the file: \(error.localizedDescription)")
        }
        var arch: KerasArchitectureSource?
        if let architecture { arch = try KerasArchitectureSource.load(architecture) }
        return try decode(bytes, path: path, architecture: arch)
    }

    /// `read` of a file's bytes; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String, architecture: KerasArchitectureSource? = nil) throws -> KerasImportedModel {
        func fail(_ message: String) -> KerasError { KerasError(file: path, message) }
        if bytes.isEmpty { throw fail("the file is empty; expected a Keras model (.keras, .h5, .hdf5)") }
        if bytes.starts(with: [0x50, 0x4b, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4b, 0x05, 0x06]) {
            return try archive(bytes, path: path)
        }
        do {
            let root = try HDF5Snapshot.read(bytes: bytes)
            if let config = try root.strings(attribute: "model_config") {
                guard config.count == 1 else { throw fail("the model_config attribute holds \(config.count) strings, not one") }
                let mapped = try KerasMapping.architecture(KerasModelConfig.parse(config[0], fail: fail), file: path)
                let group = try root.child("model_weights") == .group ? try root.group("model_weights") : root
                let weights = try KerasWeights.keras2(group)
                return try model(mapped, weights: weights, format: .keras2HDF5, extra: [:], path: path)
            }
            guard let architecture else {
                throw fail("has no model_config attribute: it holds weights only (save_weights or .weights.h5); pass --arch with the architecture (a gcnn preset or .json spec, or the Keras model's JSON)")
            }
            let weights = try root.strings(attribute: "layer_names") != nil ? try KerasWeights.keras2(root) : try KerasWeights.keras3(root)
            let mapped = try architecture.mapped(weights: weights, file: path)
            return try model(mapped, weights: weights, format: .weightsOnly, extra: [:], path: path)
        } catch let error as HDF5Failure {
            throw fail(error.description)
        }
    }

    /// A `.keras` archive: config.json (the model) and model.weights.h5 (Keras 3 layout), metadata.json.
    private static func archive(_ bytes: [UInt8], path: String) throws -> KerasImportedModel {
        func fail(_ message: String) -> KerasError { KerasError(file: path, message) }
        guard let zip = ZipReader(bytes: bytes) else {
            throw fail("not a readable zip archive (truncated or damaged .keras file)")
        }
        func entry(_ name: String, limit: Int) throws -> [UInt8]? {
            do { return try zip.entry(name, limit: limit) } catch .tooLarge {
                throw fail("\(name) in the archive is larger than \(limit) bytes")
            } catch {
                throw fail("cannot extract \(name) from the archive (damaged .keras file)")
            }
        }
        guard let configBytes = try entry("config.json", limit: 64 << 20) else {
            throw fail("the archive has no config.json; a .keras file holds config.json and model.weights.h5")
        }
        guard let weightBytes = try entry("model.weights.h5", limit: maxFileBytes) else {
            throw fail("the archive has no model.weights.h5; a .keras file holds config.json and model.weights.h5")
        }
        var extra: [String: String] = [:]
        var labels: [String] = []
        if let meta = try entry("metadata.json", limit: 1 << 20),
           let object = try? JSONSerialization.jsonObject(with: Data(meta)) as? [String: Any],
           let gcnn = object[KerasExport.metadataKey] as? [String: Any] {
            labels = (gcnn["labels"] as? [String]) ?? []
            for (key, value) in (gcnn["metadata"] as? [String: String]) ?? [:] { extra[key] = value }
        }
        let mapped = try KerasMapping.architecture(KerasModelConfig.parse(String(decoding: configBytes, as: UTF8.self), fail: fail), file: path)
        do {
            let root = try HDF5Snapshot.read(bytes: weightBytes)
            var imported = try model(mapped, weights: try KerasWeights.keras3(root),
                                     format: .kerasArchive, extra: extra, path: path)
            if labels.count == max(2, mapped.classes) { imported.checkpoint.labels = labels }
            return imported
        } catch let error as HDF5Failure {
            throw fail("model.weights.h5: \(error.description)")
        }
    }

    private static func model(_ mapped: KerasMappedModel, weights: KerasWeights, format: KerasFileFormat,
                              extra: [String: String], path: String) throws -> KerasImportedModel {
        let resolved: ResolvedArchitecture
        do { resolved = try mapped.architecture.resolved(classes: mapped.classes, source: path) } catch {
            throw KerasError(file: path, "\(error)".dropPrefix("\(path): "))
        }
        let parameters = try KerasConversion.parameters(resolved, sources: mapped.sources, weights: weights, file: path)
        // The checkpoint's metadata carries the spec as JSON: it must read back as the same architecture.
        guard (try? Architecture.parse(mapped.architecture.jsonText, source: path)) == mapped.architecture else {
            throw KerasError(file: path, "the imported architecture does not survive gcnn's JSON form; please report this file")
        }
        let config = NetworkConfig(architecture: mapped.architecture, classes: mapped.classes)
        return KerasImportedModel(format: format, checkpoint: ModelCheckpoint.Loaded(parameters: parameters, config: config,
                                                                                    labels: [], metadata: extra))
    }
}

/// The architecture of a weights-only file: a gcnn spec (layers matched to the file's by kind and order) or
/// a Keras model config (layers matched by name).
public enum KerasArchitectureSource {
    case gcnn(Architecture, source: String)
    case keras(text: String, source: String)

    /// A gcnn preset or `.json` spec, or a Keras model JSON file (recognised by its `class_name`).
    public static func load(_ argument: String) throws -> KerasArchitectureSource {
        if Architecture.preset(named: argument) == nil, FileManager.default.fileExists(atPath: argument),
           let data = FileManager.default.contents(atPath: argument), data.count <= 64 << 20,
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["class_name"] != nil {
            return .keras(text: String(decoding: data, as: UTF8.self), source: argument)
        }
        return .gcnn(try Architecture.load(nameOrPath: argument), source: argument)
    }

    func mapped(weights: KerasWeights, file: String) throws -> KerasMappedModel {
        switch self {
        case let .keras(text, source):
            return try KerasMapping.architecture(KerasModelConfig.parse(text) { KerasError(file: source, $0) }, file: source)
        case let .gcnn(architecture, source):
            // The head's outputs come from the weights: the last dense layer's bias.
            let denses = weights.layers(of: .dense)
            guard let last = denses.last, let bias = weights.layers[last]?.last, bias.shape.count == 1, let classes = bias.shape.first else {
                throw KerasError(file: file, "holds no Dense layer weights, so they cannot fill architecture '\(architecture.name)' (\(source))")
            }
            var sources: [Int: KerasWeightSource] = [:]
            var next: [KerasWeightSource.Kind: Int] = [:]
            for (i, layer) in architecture.layers.enumerated() {
                let kind: KerasWeightSource.Kind
                switch layer {
                case .conv2d: kind = .conv2d
                case .batchnorm: kind = .batchnorm
                case .dense: kind = .dense
                default: continue
                }
                let candidates = weights.layers(of: kind)
                let k = next[kind, default: 0]
                guard k < candidates.count else {
                    throw KerasError(file: file, "layer \(i + 1) (\(layer.summary)) of '\(source)': the file holds only \(candidates.count) layer(s) of that kind; was it saved from another architecture?")
                }
                next[kind] = k + 1
                var s = KerasWeightSource(kind: kind, kerasName: candidates[k])
                if kind == .batchnorm, let count = weights.layers[candidates[k]]?.count {
                    guard count == 4 || count == 2 else {
                        throw KerasError(file: file, "Keras layer '\(candidates[k])' holds \(count) batch-norm arrays; with scale or center off alone, pass the Keras model's JSON as --arch")
                    }
                    s.scale = count == 4; s.center = count == 4
                }
                sources[i] = s
            }
            for (kind, used) in next where used < weights.layers(of: kind).count {
                throw KerasError(file: file, "holds \(weights.layers(of: kind).count) \(kind) layers, but '\(source)' has \(used); was it saved from another architecture?")
            }
            return KerasMappedModel(architecture: architecture, classes: classes, sources: sources)
        }
    }
}
