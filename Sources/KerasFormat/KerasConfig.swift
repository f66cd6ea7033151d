import Foundation
import Model

/// One layer of a Keras model's JSON config: its class, name and options.
struct KerasLayerConfig {
    var className: String
    var name: String
    var config: [String: Any]
    /// `Conv2D conv2d_1`, for messages.
    var label: String { "\(className) '\(name)'" }
}

/// A Keras model config (`model.to_json()`, Keras 2's `model_config` attribute, Keras 3's config.json) read as
/// a chain of layers.
struct KerasModelConfig {
    var modelName: String
    var layers: [KerasLayerConfig]
    /// `[height, width, channels]` of one input, when the config records it.
    var inputShape: [Int?]?

    /// Reads the JSON text; `fail` makes the one-line error.
    static func parse(_ text: String, fail: (String) -> KerasError) throws -> KerasModelConfig {
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw fail("the model config is not JSON")
        }
        guard let top = object as? [String: Any], let className = top["class_name"] as? String else {
            throw fail("the model config has no \"class_name\"; is it a Keras model config?")
        }
        let config = top["config"]
        switch className {
        case "Sequential":
            // Keras ≥ 2.2.3: {"name", "layers": [...]}; earlier: the list of layers itself.
            let body = config as? [String: Any]
            guard let rawLayers = (body?["layers"] ?? config) as? [Any] else { throw fail("the Sequential config has no \"layers\" list") }
            let layers = try rawLayers.enumerated().map { try layer($1, index: $0, fail: fail) }
            var shape: [Int?]?
            if let build = body?["build_input_shape"] { shape = dims(build) }
            if shape == nil, let build = (top["build_config"] as? [String: Any])?["input_shape"] { shape = dims(build) }
            return KerasModelConfig(modelName: (body?["name"] as? String) ?? "sequential", layers: layers,
                                    inputShape: shape.map { Array($0.dropFirst()) })
        case "Functional", "Model":
            return try functional(config as? [String: Any], fail: fail)
        default:
            throw fail("the model is a Keras \(className); gcnn imports Sequential models (and functional ones that are one chain of layers)")
        }
    }

    private static func layer(_ raw: Any, index: Int, fail: (String) -> KerasError) throws -> KerasLayerConfig {
        guard let object = raw as? [String: Any], let className = object["class_name"] as? String else {
            throw fail("layer \(index + 1) of the model config has no \"class_name\"")
        }
        let config = object["config"] as? [String: Any] ?? [:]
        let name = config["name"] as? String ?? object["name"] as? String ?? "\(className.lowercased())_\(index)"
        return KerasLayerConfig(className: className, name: name, config: config)
    }

    /// A functional model whose layers form one chain, each taking the previous one's only output.
    private static func functional(_ body: [String: Any]?, fail: (String) -> KerasError) throws -> KerasModelConfig {
        guard let body, let rawLayers = body["layers"] as? [Any] else { throw fail("the functional model's config has no \"layers\" list") }
        var layers: [KerasLayerConfig] = []
        for (i, raw) in rawLayers.enumerated() {
            let layer = try layer(raw, index: i, fail: fail)
            let inbound = inboundLayers((raw as? [String: Any])?["inbound_nodes"] ?? [])
            if i == 0 {
                guard inbound.isEmpty else { throw fail("\(layer.label) takes inputs from \(inbound); the first layer of the chain must be its input") }
            } else {
                guard inbound == [layers[i - 1].name] else {
                    let from = inbound.isEmpty ? "no layer" : inbound.map { "'\($0)'" }.joined(separator: ", ")
                    throw fail("\(layer.label) takes its input from \(from), not only from the layer before it ('\(layers[i - 1].name)'): functional models with branches or shared layers are not supported; gcnn imports one chain of layers")
                }
            }
            if layer.className == "Functional" || layer.className == "Sequential" || layer.className == "Model" {
                throw fail("\(layer.label) is a nested model; flatten it into one Sequential model before importing")
            }
            layers.append(layer)
        }
        return KerasModelConfig(modelName: body["name"] as? String ?? "model", layers: layers, inputShape: nil)
    }

    /// The names of the layers feeding a functional layer: Keras 2 `[[["name", 0, 0, {}]]]`, Keras 3
    /// `[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["name", 0, 0]}}]}]`.
    private static func inboundLayers(_ nodes: Any) -> [String] {
        var names: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let history = object["keras_history"] as? [Any], let name = history.first as? String {
                    names.append(name)
                    return
                }
                for key in object.keys.sorted() { walk(object[key]!) }
            } else if let array = value as? [Any] {
                if array.count >= 3, let name = array[0] as? String, array[1] is NSNumber, array[2] is NSNumber {
                    names.append(name)
                    return
                }
                array.forEach(walk)
            }
        }
        walk(nodes)
        return names
    }

    /// `[null, 64, 173, 1]` → `[nil, 64, 173, 1]`.
    static func dims(_ value: Any?) -> [Int?]? {
        guard let array = value as? [Any] else { return nil }
        return array.map { ($0 as? NSNumber).flatMap { n in Double(truncating: n).rounded() == Double(truncating: n) ? n.intValue : nil } }
    }
}
