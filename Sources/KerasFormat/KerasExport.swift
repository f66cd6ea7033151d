import Foundation
import Model
import ZIPFoundation

/// Writes a gcnn network as a Keras 3 `.keras` archive (config.json, metadata.json, model.weights.h5) that
/// `keras.models.load_model` loads: a Sequential model of Keras' own layers, channels-last, whose
/// predictions are gcnn's (the head's sigmoid or softmax included).
public enum KerasExport {
    /// The key of gcnn's entry in metadata.json: class names and the checkpoint's feature metadata, so that
    /// `gcnn import keras` of an export gives back the same checkpoint.
    public static let metadataKey = "gcnn"
    /// The Keras version whose `.keras` layout gcnn writes (and tests against).
    public static let kerasVersion = "3.15.1"

    /// Checkpoint metadata keys that are the architecture itself (rebuilt on import), not carried along.
    static let structuralKeys: Set<String> = [ModelCheckpoint.Key.format, ModelCheckpoint.Key.architecture, ModelCheckpoint.Key.classes,
                                              ModelCheckpoint.Key.labels, ModelCheckpoint.Key.inputHeight, ModelCheckpoint.Key.inputWidth]

    /// The archive's bytes for `checkpoint`, saved at `date` (Keras' `date_saved` and the zip entries' times).
    public static func archive(_ checkpoint: ModelCheckpoint.Loaded, date: Date = Date()) throws -> Data {
        let resolved = try checkpoint.architecture.resolved(classes: checkpoint.config.classes)
        let (layers, weights) = try kerasLayers(resolved, parameters: checkpoint.parameters)
        let name = checkpoint.architecture.name
        let inputShape: [Any] = [NSNull(), resolved.architecture.inputHeight, resolved.architecture.inputWidth, 1]
        let config: [String: Any] = [
            "module": "keras", "class_name": "Sequential", "registered_name": NSNull(),
            "config": ["name": name, "trainable": true, "layers": layers, "build_input_shape": inputShape] as [String: Any],
            "build_config": ["input_shape": inputShape],
        ]
        var carried: [String: String] = [:]
        for (key, value) in checkpoint.metadata where !structuralKeys.contains(key) { carried[key] = value }
        let metadata: [String: Any] = [
            "keras_version": kerasVersion, "date_saved": Self.dateSaved(date),
            metadataKey: ["labels": checkpoint.labels, "metadata": carried] as [String: Any],
        ]
        let h5 = try HDF5Library.with { () throws -> [UInt8] in
            let root = try HDF5Node.create()
            let layersGroup = try root.createGroup("layers")
            for (path, arrays) in weights {
                let vars = try layersGroup.createGroup(path).createGroup("vars")
                try vars.setString(attribute: "name", path)
                for (i, a) in arrays.enumerated() { try vars.write(floats: a.values, shape: a.shape, as: String(i)) }
            }
            try root.createGroup("vars").setString(attribute: "name", name)
            return try root.imageBytes()
        }
        let zip = try Archive(data: Data(), accessMode: .create)
        for (entry, bytes) in [("metadata.json", try json(metadata)), ("config.json", try json(config)), ("model.weights.h5", Data(h5))] {
            try zip.addEntry(with: entry, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: date,
                             compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = zip.data else { throw KerasError(file: name, "the zip archive could not be assembled in memory") }
        return data
    }

    /// Writes the archive to `url` atomically.
    public static func write(_ checkpoint: ModelCheckpoint.Loaded, to url: URL) throws {
        try AtomicFile.write(try archive(checkpoint), to: url)
    }

    private static func json(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    private static func dateSaved(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        return f.string(from: date)
    }

    /// A float32 as the shortest decimal that reads back as the same float32.
    private static func number(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    /// Keras layer configs (InputLayer first) and, per Keras layer in order, its weights-file key and arrays.
    static func kerasLayers(_ resolved: ResolvedArchitecture, parameters: ParameterSet) throws
        -> (configs: [[String: Any]], weights: [(String, [KerasArray])]) {
        var used = Set(resolved.layers.compactMap(\.spec.name))
        var counts: [String: Int] = [:]
        func freshName(_ base: String) -> String {
            while true {
                let k = counts[base, default: 0]
                counts[base] = k + 1
                let name = k == 0 ? base : "\(base)_\(k)"
                if used.insert(name).inserted { return name }
            }
        }
        var configs: [[String: Any]] = [[
            "module": "keras.layers", "class_name": "InputLayer", "registered_name": NSNull(),
            "config": ["batch_shape": [NSNull(), resolved.architecture.inputHeight, resolved.architecture.inputWidth, 1] as [Any],
                       "dtype": "float32", "sparse": false, "name": freshName("input_layer")] as [String: Any],
        ]]
        var weights: [(String, [KerasArray])] = []
        var pathCounts: [String: Int] = [:]
        func shape(_ s: ActivationShape) -> [Any] {
            switch s {
            case let .maps(c, h, w): return [NSNull(), h, w, c]
            case let .features(f): return [NSNull(), f]
            }
        }
        func add(_ className: String, _ name: String, _ options: [String: Any], input: ActivationShape, arrays: [KerasArray] = []) {
            var config = options
            config["name"] = name
            config["trainable"] = true
            config["dtype"] = "float32"
            configs.append(["module": "keras.layers", "class_name": className, "registered_name": NSNull(), "config": config,
                            "build_config": ["input_shape": shape(input)]])
            weights.append((KerasMapping.kerasPath(className: className, counts: &pathCounts), arrays))
        }
        func values(_ name: String) throws -> [Float] { try parameters.tensor(named: name).values }
        var featureOrder: [Int]?
        for layer in resolved.layers {
            switch layer.spec {
            case .conv2d(let s):
                guard case let .maps(cin, _, _) = layer.input else { continue }
                let w = try values("\(s.name).weight")
                var k = [Float](repeating: 0, count: w.count)
                for o in 0..<s.filters { for i in 0..<cin { for y in 0..<s.kernelH { for x in 0..<s.kernelW {
                    k[((y * s.kernelW + x) * cin + i) * s.filters + o] = w[((o * cin + i) * s.kernelH + y) * s.kernelW + x]
                } } } }
                add("Conv2D", s.name, ["filters": s.filters, "kernel_size": [s.kernelH, s.kernelW], "strides": [1, 1],
                                       "padding": s.padding.rawValue, "data_format": "channels_last", "dilation_rate": [1, 1],
                                       "groups": 1, "activation": s.relu ? "relu" : "linear", "use_bias": true],
                    input: layer.input,
                    arrays: [KerasArray(name: "kernel", shape: [s.kernelH, s.kernelW, cin, s.filters], values: k),
                             KerasArray(name: "bias", shape: [s.filters], values: try values("\(s.name).bias"))])
            case .batchnorm(let s):
                let c = layer.tensors[0].shape[0]
                func ordered(_ v: [Float]) -> [Float] {
                    guard let order = featureOrder, case .features = layer.input else { return v }
                    var out = v
                    for g in 0..<c { out[order[g]] = v[g] }
                    return out
                }
                let arrays = try ["weight", "bias", "running_mean", "running_var"].map { t in
                    KerasArray(name: nil, shape: [c], values: ordered(try values("\(s.name).\(t)")))
                }
                add("BatchNormalization", s.name, ["axis": -1, "momentum": number(s.momentum), "epsilon": number(s.epsilon),
                                                   "center": true, "scale": true], input: layer.input, arrays: arrays)
            case .relu:
                add("Activation", freshName("activation"), ["activation": "relu"], input: layer.input)
            case .maxpool(let p), .avgpool(let p):
                let isMax = { if case .maxpool = layer.spec { return true } else { return false } }()
                add(isMax ? "MaxPooling2D" : "AveragePooling2D", freshName(isMax ? "max_pooling2d" : "average_pooling2d"),
                    ["pool_size": [p.sizeH, p.sizeW], "strides": [p.strideH, p.strideW], "padding": "valid", "data_format": "channels_last"],
                    input: layer.input)
            case .globalmaxpool, .globalavgpool:
                let isMax = layer.spec == .globalmaxpool
                add(isMax ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D",
                    freshName(isMax ? "global_max_pooling2d" : "global_average_pooling2d"),
                    ["data_format": "channels_last", "keepdims": false], input: layer.input)
                featureOrder = nil
            case .dropout(let rate):
                add("Dropout", freshName("dropout"), ["rate": number(rate)], input: layer.input)
            case .flatten:
                add("Flatten", freshName("flatten"), ["data_format": "channels_last"], input: layer.input)
                if case let .maps(c, h, w) = layer.input { featureOrder = KerasMapping.flattenOrder(c: c, h: h, w: w) }
            case .dense(let s):
                var order = featureOrder
                if case let .maps(c, h, w) = layer.input {
                    let flattenName = KerasMapping.implicitFlattenName(dense: s.name)
                    guard used.insert(flattenName).inserted else {
                        throw KerasError(file: resolved.architecture.name, "layer \(layer.index + 1) (\(layer.spec.summary)): the name '\(flattenName)' of its Flatten is taken by another layer; rename one of them")
                    }
                    add("Flatten", flattenName, ["data_format": "channels_last"], input: layer.input)
                    order = KerasMapping.flattenOrder(c: c, h: h, w: w)
                }
                let inFeatures = layer.input.count, out = layer.output.count
                let w = try values("\(s.name).weight")
                var k = [Float](repeating: 0, count: w.count)
                for o in 0..<out { for g in 0..<inFeatures { k[(order?[g] ?? g) * out + o] = w[o * inFeatures + g] } }
                let isHead = layer.index == resolved.layers.count - 1
                let activation = isHead ? (resolved.classes == 1 ? "sigmoid" : "softmax") : (s.relu ? "relu" : "linear")
                add("Dense", s.name, ["units": out, "activation": activation, "use_bias": true], input: .features(inFeatures),
                    arrays: [KerasArray(name: "kernel", shape: [inFeatures, out], values: k),
                             KerasArray(name: "bias", shape: [out], values: try values("\(s.name).bias"))])
                featureOrder = nil
            }
        }
        return (configs, weights)
    }
}
