import Foundation
import Model

/// Where a gcnn layer's tensors come from (or go to) in a Keras model.
struct KerasWeightSource: Equatable {
    enum Kind: Equatable { case conv2d, batchnorm, dense }
    var kind: Kind
    /// The Keras layer's name (its group in Keras 2 files).
    var kerasName: String
    /// Its group under `layers/` in Keras 3 weights files: the class name in snake case, numbered per class in
    /// model order (`conv2d`, `conv2d_1`, …), whatever the layer's own name; nil when unknown.
    var kerasPath: String? = nil
    /// BatchNormalization's `scale` (γ) and `center` (β); absent ones are γ = 1, β = 0.
    var scale = true, center = true
}

/// A Keras model config mapped onto a gcnn architecture.
struct KerasMappedModel {
    var architecture: Architecture
    var classes: Int
    /// gcnn layer index → the Keras layer holding its tensors.
    var sources: [Int: KerasWeightSource]
}

/// Keras ⇄ gcnn layer mapping. Keras works channels-last (`[N, H, W, C]`, kernels `[kh, kw, in, out]`, Dense
/// kernels `[in, out]`, Flatten in (H, W, C) order); gcnn and PyTorch channels-first.
enum KerasMapping {
    /// The name a gcnn export gives the Flatten before a dense layer that gets maps (gcnn's dense flattens
    /// itself); the importer drops such a Flatten again, so an export imports back to the same architecture.
    static func implicitFlattenName(dense: String) -> String { "\(dense)_flatten" }

    /// Maps a Keras model config onto gcnn's layers; anything gcnn lacks is one error naming the layer and option.
    static func architecture(_ model: KerasModelConfig, file: String) throws -> KerasMappedModel {
        func fail(_ message: String) -> KerasError { KerasError(file: file, message) }
        var layers = model.layers
        var inputShape = model.inputShape
        if let first = layers.first, first.className == "InputLayer" {
            inputShape = KerasModelConfig.dims(first.config["batch_shape"] ?? first.config["batch_input_shape"]).map { Array($0.dropFirst()) }
                ?? KerasModelConfig.dims(first.config["shape"]) ?? inputShape
            layers.removeFirst()
        } else if let first = layers.first, let shape = KerasModelConfig.dims(first.config["batch_input_shape"]) {
            inputShape = Array(shape.dropFirst())
        }
        guard let shape = inputShape else {
            throw fail("the model config records no input shape (no InputLayer, no batch_input_shape); give the first layer input_shape=(mel bands, frames, 1)")
        }
        guard shape.count == 3, let height = shape[0], let width = shape[1], shape[2] == 1 else {
            let text = shape.map { $0.map(String.init) ?? "None" }.joined(separator: ", ")
            throw fail("the model's input shape is (\(text)); gcnn imports models of one-channel inputs (mel bands, frames, 1) of a fixed size")
        }
        guard let headIndex = layers.lastIndex(where: { $0.className == "Dense" }) else {
            throw fail("the model has no Dense layer; gcnn's networks end in a Dense layer with sigmoid (1 unit) or softmax")
        }
        var specs: [LayerSpec] = []
        var sources: [Int: KerasWeightSource] = [:]
        var usedNames = Set<String>()
        var kindCounts: [String: Int] = [:]
        var isMaps = true
        /// A gcnn export's Flatten before a dense layer was dropped: the dense layer flattens itself.
        var implicitFlatten = false
        var classes = 1
        // A valid gcnn tensor-name prefix that is not taken: the Keras name, else gcnn's default `<kind><k>`.
        func gcnnName(_ keras: String, kind: String) -> String {
            kindCounts[kind, default: 0] += 1
            let valid = !keras.isEmpty && keras.count <= 64 && !keras.hasPrefix(".") && !keras.hasSuffix(".") && !keras.contains("..")
                && keras.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ".") }
                && !(keras.unicodeScalars.first.map { ("0"..."9").contains($0) } ?? true)
            var name = valid && !usedNames.contains(keras) ? keras : "\(kind)\(kindCounts[kind]!)"
            while usedNames.contains(name) { name += "_" }
            usedNames.insert(name)
            return name
        }
        var headActivation: String?
        var classCounts: [String: Int] = [:]
        for (i, layer) in layers.enumerated() {
            let path = kerasPath(className: layer.className, counts: &classCounts)
            let c = layer.config
            func option(_ message: String) -> KerasError { fail("layer \(i + 1) (\(layer.label)): \(message)") }
            func requireChannelsLast() throws {
                if let format = c["data_format"] as? String, format != "channels_last" {
                    throw option("data_format \"\(format)\" is not supported; gcnn imports channels_last models (Keras' default)")
                }
            }
            func ones(_ key: String, what: String) throws {
                guard let value = c[key] else { return }
                let sides = KerasModelConfig.dims(value) ?? (value as? NSNumber).map { [$0.intValue] } ?? []
                guard !sides.isEmpty, sides.allSatisfy({ $0 == 1 }) else {
                    throw option("\(key) \(describe(value)) is not supported; gcnn's \(what) have \(key) 1")
                }
            }
            func activationName() throws -> String {
                guard let value = c["activation"] else { return "linear" }
                if value is NSNull { return "linear" }
                guard let s = value as? String else { throw option("activation \(describe(value)) is not supported; use relu (or none)") }
                return s
            }
            func requireBias() throws {
                if let bias = c["use_bias"] as? Bool, !bias {
                    throw option("use_bias=False is not supported (gcnn's layer has a bias); re-save the model with use_bias=True or fold a zero bias in")
                }
            }
            if i > headIndex {
                // Only the head's activation may follow it.
                let activation: String
                switch layer.className {
                case "Activation": activation = try activationName()
                case "Softmax": activation = "softmax"
                default: throw option("comes after the last Dense layer; gcnn's networks end in a Dense layer (with sigmoid or softmax)")
                }
                guard activation == "linear" || headActivation == nil || headActivation == "linear" else {
                    throw option("a second activation after the last Dense layer is not supported")
                }
                if activation != "linear" { headActivation = activation }
                continue
            }
            switch layer.className {
            case "Conv2D":
                try requireChannelsLast()
                try ones("strides", what: "convolutions")
                try ones("dilation_rate", what: "convolutions")
                if let groups = c["groups"] as? NSNumber, groups.intValue != 1 { throw option("groups \(groups) is not supported; gcnn's convolutions have groups 1") }
                try requireBias()
                guard isMaps else { throw option("gets features, not maps (after a Flatten, Dense or global pooling); gcnn's convolutions need feature maps") }
                guard let filters = (c["filters"] as? NSNumber)?.intValue else { throw option("has no filters") }
                guard let kernel = sides(c["kernel_size"]) else { throw option("kernel_size \(describe(c["kernel_size"] ?? NSNull())) is not two positive integers") }
                let padding = (c["padding"] as? String) ?? "valid"
                guard let pad = ConvPadding(rawValue: padding) else {
                    throw option("padding \"\(padding)\" is not supported; use \"valid\" or \"same\"")
                }
                let activation = try activationName()
                guard activation == "relu" || activation == "linear" else {
                    throw option("activation \"\(activation)\" is not supported on a convolution; gcnn has relu (or none)")
                }
                let name = gcnnName(layer.name, kind: "conv")
                sources[specs.count] = KerasWeightSource(kind: .conv2d, kerasName: layer.name, kerasPath: path)
                specs.append(.conv2d(Conv2DLayerSpec(name: name, filters: filters, kernelH: kernel.0, kernelW: kernel.1,
                                                     padding: pad, relu: activation == "relu")))
            case "BatchNormalization":
                let axes = KerasModelConfig.dims(c["axis"]) ?? (c["axis"] as? NSNumber).map { [$0.intValue] } ?? [-1]
                let channelAxis = isMaps ? 3 : 1
                guard axes.count == 1, let axis = axes[0], axis == -1 || axis == channelAxis else {
                    throw option("axis \(describe(c["axis"] ?? NSNull())) is not supported; gcnn normalises over channels (axis -1)")
                }
                if let renorm = c["renorm"] as? Bool, renorm { throw option("renorm=True is not supported") }
                let momentum = (c["momentum"] as? NSNumber).map { Float(truncating: $0) } ?? 0.99
                let epsilon = (c["epsilon"] as? NSNumber).map { Float(truncating: $0) } ?? 1e-3
                let name = gcnnName(layer.name, kind: "bn")
                sources[specs.count] = KerasWeightSource(kind: .batchnorm, kerasName: layer.name, kerasPath: path,
                                                         scale: (c["scale"] as? Bool) ?? true, center: (c["center"] as? Bool) ?? true)
                specs.append(.batchnorm(BatchNormLayerSpec(name: name, momentum: momentum, epsilon: epsilon)))
            case "MaxPooling2D", "AveragePooling2D":
                try requireChannelsLast()
                let padding = (c["padding"] as? String) ?? "valid"
                guard padding == "valid" else { throw option("padding \"\(padding)\" is not supported; gcnn's pooling has no padding (\"valid\")") }
                guard let size = sides(c["pool_size"] ?? [2, 2]) else { throw option("pool_size \(describe(c["pool_size"] ?? NSNull())) is not two positive integers") }
                let stride = c["strides"].flatMap { $0 is NSNull ? nil : $0 }.map { sides($0) } ?? size
                guard let stride else { throw option("strides \(describe(c["strides"] ?? NSNull())) are not two positive integers") }
                guard isMaps else { throw option("gets features, not maps; pooling needs feature maps") }
                let window = PoolWindow(sizeH: size.0, sizeW: size.1, strideH: stride.0, strideW: stride.1)
                specs.append(layer.className == "MaxPooling2D" ? .maxpool(window) : .avgpool(window))
            case "GlobalMaxPooling2D", "GlobalAveragePooling2D":
                try requireChannelsLast()
                if let keep = c["keepdims"] as? Bool, keep { throw option("keepdims=True is not supported") }
                guard isMaps else { throw option("gets features, not maps; global pooling needs feature maps") }
                specs.append(layer.className == "GlobalMaxPooling2D" ? .globalmaxpool : .globalavgpool)
                isMaps = false
            case "Dropout":
                if let shape = c["noise_shape"], !(shape is NSNull) { throw option("noise_shape is not supported") }
                guard let rate = (c["rate"] as? NSNumber).map({ Float(truncating: $0) }) else { throw option("has no rate") }
                specs.append(.dropout(rate: rate))
            case "Flatten":
                try requireChannelsLast()
                let next = layers.indices.contains(i + 1) ? layers[i + 1] : nil
                if isMaps, let next, next.className == "Dense", layer.name == implicitFlattenName(dense: next.name) {
                    implicitFlatten = true
                    continue
                }
                specs.append(.flatten)
                isMaps = false
            case "Activation", "ReLU":
                if layer.className == "ReLU" {
                    for key in ["max_value", "negative_slope", "threshold"] {
                        if let v = c[key], !(v is NSNull), (v as? NSNumber)?.doubleValue != 0 {
                            throw option("\(key) \(describe(v)) is not supported; gcnn's ReLU is max(x, 0)")
                        }
                    }
                    specs.append(.relu)
                } else {
                    let activation = try activationName()
                    switch activation {
                    case "relu": specs.append(.relu)
                    case "linear": break
                    default: throw option("activation \"\(activation)\" is not supported here; gcnn has relu, and sigmoid or softmax after the last Dense layer")
                    }
                }
            case "Dense":
                try requireBias()
                guard !isMaps || implicitFlatten else {
                    throw option("gets feature maps: Keras applies a Dense layer at every position of its input, gcnn's dense layer flattens it; put a Flatten or a global pooling layer before it")
                }
                guard let units = (c["units"] as? NSNumber)?.intValue, units >= 1 else { throw option("has no units") }
                isMaps = false
                implicitFlatten = false
                let activation = try activationName()
                if i == headIndex {
                    headActivation = activation
                    classes = units
                    specs.append(.dense(DenseLayerSpec(name: gcnnName(layer.name, kind: "fc"), units: nil)))
                } else {
                    guard activation == "relu" || activation == "linear" else {
                        throw option("activation \"\(activation)\" is not supported before the last Dense layer; gcnn has relu (or none)")
                    }
                    specs.append(.dense(DenseLayerSpec(name: gcnnName(layer.name, kind: "fc"), units: units, relu: activation == "relu")))
                }
                sources[specs.count - 1] = KerasWeightSource(kind: .dense, kerasName: layer.name, kerasPath: path)
            case "InputLayer":
                throw option("a second InputLayer is not supported")
            default:
                throw option("gcnn has no \(layer.className) layer; it imports InputLayer, Conv2D, BatchNormalization, MaxPooling2D, AveragePooling2D, GlobalMaxPooling2D, GlobalAveragePooling2D, Dropout, Flatten, Dense, Activation and ReLU")
            }
        }
        let head = layers[headIndex]
        switch (headActivation ?? "linear", classes) {
        case ("sigmoid", 1), ("softmax", 2...): break
        case ("sigmoid", _):
            throw fail("layer \(headIndex + 1) (\(head.label)): sigmoid on \(classes) units (multi-label) is not supported; gcnn's heads are sigmoid on 1 unit or softmax on 2 or more")
        case ("softmax", _):
            throw fail("layer \(headIndex + 1) (\(head.label)): softmax on 1 unit is constant; use sigmoid on 1 unit")
        case (let activation, _):
            throw fail("layer \(headIndex + 1) (\(head.label)): the last Dense layer's activation is \"\(activation)\"; gcnn's networks end in sigmoid (1 unit) or softmax (2 or more), which gcnn applies to the logits")
        }
        let name = model.modelName.isEmpty || model.modelName.count > 100 || model.modelName.unicodeScalars.contains { $0.properties.generalCategory == .control }
            ? "keras" : model.modelName
        let architecture = Architecture(name: name, inputHeight: height, inputWidth: width, layers: specs)
        do { _ = try architecture.resolved(classes: classes, source: file) } catch { throw fail("\(error)".dropPrefix("\(file): ")) }
        return KerasMappedModel(architecture: architecture, classes: classes, sources: sources)
    }

    /// Keras 3's weights-file key of the next layer of `className`: `to_snake_case(class)`, then `_1`, `_2`, …
    static func kerasPath(className: String, counts: inout [String: Int]) -> String {
        let base = snakeCase(className)
        let k = counts[base, default: 0]
        counts[base] = k + 1
        return k == 0 ? base : "\(base)_\(k)"
    }

    /// Keras' `to_snake_case`: `(.)([A-Z][a-z]+)` → `\1_\2`, then `([a-z])([A-Z])` → `\1_\2`, lower-cased.
    static func snakeCase(_ name: String) -> String {
        let c = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        var first: [Character] = []
        var i = 0
        while i < c.count {
            // An upper-case letter followed by lower-case ones, not at the start, gets an underscore before it.
            if i > 0, c[i].isUppercase, i + 1 < c.count, c[i + 1].isLowercase { first.append("_") }
            first.append(c[i])
            i += 1
        }
        var out: [Character] = []
        for (j, ch) in first.enumerated() {
            if j > 0, ch.isUppercase, first[j - 1].isLowercase { out.append("_") }
            out.append(ch)
        }
        return String(out).lowercased()
    }

    /// `[3, 2]`, `[3]`-less `3`, or `(3, 2)` as two positive integers.
    static func sides(_ value: Any?) -> (Int, Int)? {
        if let n = value as? NSNumber, n.intValue >= 1 { return (n.intValue, n.intValue) }
        guard let d = KerasModelConfig.dims(value), d.count == 2, let h = d[0], let w = d[1], h >= 1, w >= 1 else { return nil }
        return (h, w)
    }

    static func describe(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            let text = String(decoding: data, as: UTF8.self)
            return text.count > 40 ? String(text.prefix(40)) + "…" : text
        }
        return "\(value)"
    }

    /// For each gcnn feature index, the index of the same value in Keras' flattened (H, W, C) order of `c×h×w` maps.
    static func flattenOrder(c: Int, h: Int, w: Int) -> [Int] {
        var order = [Int](repeating: 0, count: c * h * w)
        for ci in 0..<c { for y in 0..<h { for x in 0..<w { order[(ci * h + y) * w + x] = (y * w + x) * c + ci } } }
        return order
    }
}

extension String {
    func dropPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
