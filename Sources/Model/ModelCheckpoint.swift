import Foundation

/// `model.safetensors`: a `PaperCNN`'s `state_dict` in PyTorch's names, shapes and dtypes, so that
/// `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` loads it into the same
/// architecture in PyTorch (`bn1.num_batches_tracked` is an int64 scalar; every other tensor float32).
/// The network's configuration travels in the file's metadata.
public enum ModelCheckpoint {
    /// Metadata keys gcnn writes (all strings, as the format requires).
    public enum Key {
        public static let format = "format", inputHeight = "input_height", inputWidth = "input_width",
                          filters = "filters", kernel = "kernel", classes = "classes", labels = "labels"
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
    public static func write(_ parameters: ParameterSet, config: PaperCNNConfig, labels: [String],
                             extraMetadata: [String: String] = [:], to url: URL) throws {
        var metadata = extraMetadata
        metadata[Key.format] = "pt"
        metadata[Key.inputHeight] = String(config.inputHeight)
        metadata[Key.inputWidth] = String(config.inputWidth)
        metadata[Key.filters] = String(config.filters)
        metadata[Key.kernel] = String(config.kernel)
        metadata[Key.classes] = String(config.classes)
        metadata[Key.labels] = labels.joined(separator: ",")
        try SafeTensors.write(tensors(parameters), metadata: metadata, to: url)
    }

    /// A checkpoint read back: the parameters, the network configuration they fit, the class names.
    public struct Loaded {
        public var parameters: ParameterSet
        public var config: PaperCNNConfig
        public var labels: [String]
        public var metadata: [String: String]
    }

    /// Reads `url`, deriving the architecture from the tensors' shapes and checking every tensor the
    /// network needs is present with the right shape and dtype (extra tensors are refused, as PyTorch's strict load).
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
        func need(_ name: String) throws -> SafeTensor {
            guard let t = byName[name] else { throw SafeTensorsError.missingTensor(path: path, name: name) }
            return t
        }
        let conv1 = try need("conv1.weight"), fc = try need("fc.weight")
        guard conv1.shape.count == 4, conv1.shape[1] == 1, conv1.shape[2] == conv1.shape[3], fc.shape.count == 2 else {
            throw SafeTensorsError.malformed(path: path, reason: "conv1.weight \(conv1.shape) / fc.weight \(fc.shape) do not describe the paper's network")
        }
        var config = PaperCNNConfig(filters: conv1.shape[0], kernel: conv1.shape[2], classes: fc.shape[0])
        if let h = metadata[Key.inputHeight].flatMap(Int.init), let w = metadata[Key.inputWidth].flatMap(Int.init) {
            guard (1...maxInputSide).contains(h), (1...maxInputSide).contains(w) else {
                throw SafeTensorsError.malformed(path: path, reason: "input size \(h)×\(w) in the metadata is outside 1…\(maxInputSide)")
            }
            config.inputHeight = h; config.inputWidth = w
        }
        do { try config.validate() } catch {
            throw SafeTensorsError.malformed(path: path, reason: "\(error)")
        }
        guard fc.shape[1] == config.flattenFeatures else {
            throw SafeTensorsError.wrongShape(path: path, name: "fc.weight", expected: [config.classes, config.flattenFeatures], found: fc.shape)
        }
        let expected = PaperCNN<ReferenceBackend>.stateShapes(config: config)
        let extra = Set(byName.keys).subtracting(expected.map(\.name))
        guard extra.isEmpty else {
            throw SafeTensorsError.malformed(path: path, reason: "unexpected tensors \(extra.sorted()) for the paper's network")
        }
        var parameters = ParameterSet()
        for (name, shape) in expected {
            let t = try need(name)
            guard t.shape == shape else { throw SafeTensorsError.wrongShape(path: path, name: name, expected: shape, found: t.shape) }
            if name == "bn1.num_batches_tracked" {
                guard t.dtype == "I64" else { throw SafeTensorsError.wrongDType(path: path, name: name, expected: "I64", found: t.dtype) }
                // Held as a float, later a batch count: only counts a float keeps exactly.
                guard t.int64s.allSatisfy({ (0...(1 << 24)).contains($0) }) else {
                    throw SafeTensorsError.malformed(path: path, reason: "\(name) \(t.int64s) is not a batch count in 0…16777216")
                }
                parameters.append(NamedTensor(name: name, shape: shape, values: t.int64s.map { Float($0) }, storage: .int64))
            } else {
                guard t.dtype == "F32" else { throw SafeTensorsError.wrongDType(path: path, name: name, expected: "F32", found: t.dtype) }
                parameters.append(NamedTensor(name: name, shape: shape, values: t.floats))
            }
        }
        let labels = metadata[Key.labels].map { $0.split(separator: ",").map(String.init) } ?? []
        return Loaded(parameters: parameters, config: config, labels: labels, metadata: metadata)
    }
}
