import Foundation

/// `model.safetensors`: a `Network`'s `state_dict` in PyTorch's names, shapes and dtypes, so that
/// `module.load_state_dict(safetensors.torch.load_file(path), strict=True)` loads it into the equivalent
/// PyTorch module (`num_batches_tracked` int64 scalars; every other tensor float32). The architecture
/// (its spec as JSON), the head's outputs and the class names travel in the file's metadata, so a checkpoint
/// alone rebuilds its network.
public enum ModelCheckpoint {
    /// Metadata keys gcnn writes (all strings, as the format requires).
    public enum Key {
        public static let format = "format", architecture = "architecture", classes = "classes", labels = "labels",
                          inputHeight = "input_height", inputWidth = "input_width"
    }

    /// The safetensors tensors of `parameters`.
    public static func tensors(_ parameters: ParameterSet) -> [SafeTensor] {
        parameters.tensors.map { t in
            switch t.storage {
            case .float32: return SafeTensor(name: t.name, shape: t.shape, floats: t.values)
            case .int64: return SafeTensor(name: t.name, shape: t.shape, int64s: t.values.map { Int64($0) })
            }
        }
    }

    /// Writes `parameters` of a network of `config` atomically; `labels` names the classes in order
    /// (e.g. `["metal", "jazz"]`) so `predict` can say genre names.
    public static func write(_ parameters: ParameterSet, config: NetworkConfig, labels: [String],
                             extraMetadata: [String: String] = [:], to url: URL) throws {
        try SafeTensors.write(tensors(parameters), metadata: metadata(config: config, labels: labels, extra: extraMetadata), to: url)
    }

    /// The metadata `write` stores.
    public static func metadata(config: NetworkConfig, labels: [String], extra: [String: String] = [:]) -> [String: String] {
        var metadata = extra
        metadata[Key.format] = "pt"
        metadata[Key.architecture] = config.architecture.jsonText
        metadata[Key.classes] = String(config.classes)
        metadata[Key.inputHeight] = String(config.inputHeight)
        metadata[Key.inputWidth] = String(config.inputWidth)
        metadata[Key.labels] = labels.joined(separator: ",")
        return metadata
    }

    /// A checkpoint read back: the parameters, the network they fit, the class names.
    public struct Loaded {
        public var parameters: ParameterSet
        /// The network's architecture and head (Adam's settings and the batch size are defaults).
        public var config: NetworkConfig
        public var labels: [String]
        public var metadata: [String: String]
        public var architecture: Architecture { config.architecture }

        public init(parameters: ParameterSet, config: NetworkConfig, labels: [String], metadata: [String: String]) {
            self.parameters = parameters; self.config = config; self.labels = labels; self.metadata = metadata
        }
    }

    /// Reads `url`, rebuilding the architecture from the metadata and checking that every tensor the network
    /// needs is present with the right shape and dtype (extra tensors are refused, as PyTorch's strict load).
    public static func read(_ url: URL) throws -> Loaded {
        try interpret(SafeTensors.read(url), path: url.path)
    }

    /// `read` of a file's bytes; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Loaded {
        try interpret(SafeTensors.decode(bytes, path: path), path: path)
    }

    /// Largest input side accepted from a checkpoint's metadata (keeps every derived size far from overflow).
    public static let maxInputSide = 65_536

    private static func interpret(_ file: (tensors: [SafeTensor], metadata: [String: String]), path: String) throws -> Loaded {
        let (tensors, metadata) = file
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let architecture: Architecture
        let classes: Int
        if let text = metadata[Key.architecture] {
            do { architecture = try Architecture.parse(text, source: "\(path) (metadata '\(Key.architecture)')") } catch {
                throw SafeTensorsError.malformed(path: path, reason: "\(error)")
            }
            guard let c = metadata[Key.classes].flatMap(Int.init), (1...4096).contains(c) else {
                throw SafeTensorsError.malformed(path: path, reason: "metadata '\(Key.classes)' is missing or not a class count in 1…4096")
            }
            classes = c
        } else {
            (architecture, classes) = try legacyPaper(byName, metadata: metadata, path: path)
        }
        let resolved: ResolvedArchitecture
        do { resolved = try architecture.resolved(classes: classes, source: path) } catch {
            throw SafeTensorsError.malformed(path: path, reason: "\(error)")
        }
        let expected = resolved.tensors
        let extra = Set(byName.keys).subtracting(expected.map(\.name))
        guard extra.isEmpty else {
            throw SafeTensorsError.malformed(path: path, reason: "tensors \(extra.sorted()) are not part of architecture '\(architecture.name)'; was the file written for another network?")
        }
        var parameters = ParameterSet()
        let layerOf = Dictionary(uniqueKeysWithValues: resolved.layers.flatMap { layer in
            layer.tensors.map { ($0.name, "layer \(layer.index + 1) (\(layer.spec.summary))") }
        })
        for spec in expected {
            let layer = layerOf[spec.name] ?? "the network"
            guard let t = byName[spec.name] else { throw SafeTensorsError.missingTensor(path: path, name: spec.name, layer: layer) }
            guard t.shape == spec.shape else {
                throw SafeTensorsError.wrongShape(path: path, name: spec.name, layer: layer, expected: spec.shape, found: t.shape)
            }
            if spec.role == .batchCount {
                guard t.dtype == "I64" else { throw SafeTensorsError.wrongDType(path: path, name: spec.name, layer: layer, expected: "I64", found: t.dtype) }
                // Held as a float, later a batch count: only counts a float keeps exactly.
                guard t.int64s.allSatisfy({ (0...(1 << 24)).contains($0) }) else {
                    throw SafeTensorsError.malformed(path: path, reason: "\(spec.name) \(t.int64s) is not a batch count in 0…16777216")
                }
                parameters.append(NamedTensor(name: spec.name, shape: spec.shape, values: t.int64s.map { Float($0) }, storage: .int64))
            } else {
                guard t.dtype == "F32" else { throw SafeTensorsError.wrongDType(path: path, name: spec.name, layer: layer, expected: "F32", found: t.dtype) }
                parameters.append(NamedTensor(name: spec.name, shape: spec.shape, values: t.floats))
            }
        }
        let labels = metadata[Key.labels].map { $0.split(separator: ",").map(String.init) } ?? []
        return Loaded(parameters: parameters, config: NetworkConfig(architecture: architecture, classes: classes),
                      labels: labels, metadata: metadata)
    }

    /// A checkpoint written before architectures were data: the paper's network, its filters and kernel read
    /// from `conv1.weight`, its outputs from `fc.weight`, its input size from the metadata.
    private static func legacyPaper(_ byName: [String: SafeTensor], metadata: [String: String],
                                    path: String) throws -> (Architecture, Int) {
        guard let conv1 = byName["conv1.weight"], let fc = byName["fc.weight"] else {
            throw SafeTensorsError.malformed(path: path, reason: "no '\(Key.architecture)' metadata and no paper-network tensors (conv1.weight, fc.weight); the file was not written by gcnn")
        }
        guard conv1.shape.count == 4, conv1.shape[1] == 1, conv1.shape[2] == conv1.shape[3], (1...7).contains(conv1.shape[2]),
              (1...65_536).contains(conv1.shape[0]), fc.shape.count == 2, (1...4096).contains(fc.shape[0]) else {
            throw SafeTensorsError.malformed(path: path, reason: "conv1.weight \(conv1.shape) / fc.weight \(fc.shape) do not describe the paper's network")
        }
        var (h, w) = (Architecture.paper.inputHeight, Architecture.paper.inputWidth)
        if let mh = metadata[Key.inputHeight].flatMap(Int.init), let mw = metadata[Key.inputWidth].flatMap(Int.init) {
            guard (1...maxInputSide).contains(mh), (1...maxInputSide).contains(mw) else {
                throw SafeTensorsError.malformed(path: path, reason: "input size \(mh)×\(mw) in the metadata is outside 1…\(maxInputSide)")
            }
            (h, w) = (mh, mw)
        }
        let architecture = Architecture.paperVariant(inputHeight: h, inputWidth: w, filters: conv1.shape[0], kernel: conv1.shape[2])
        return (architecture, fc.shape[0])
    }
}
