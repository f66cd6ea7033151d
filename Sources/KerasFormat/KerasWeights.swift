import Foundation
import Model

/// One array of a Keras layer's weights, as stored (channels-last).
struct KerasArray {
    /// The weight's own name (`kernel`, `gamma`, … without layer prefix or `:0`), when the file records it.
    var name: String?
    var shape: [Int]
    var values: [Float]
}

/// The weights of a Keras file by layer name, in the file's layer order.
struct KerasWeights {
    var order: [String] = []
    var layers: [String: [KerasArray]] = [:]
    /// Keras 3 files key layers by class (`conv2d`, `conv2d_1`, …), Keras 2 files by layer name.
    var keyedByClass = false

    /// Keras 2's layout (`model.save` under `model_weights`, `save_weights` at the root): a `layer_names`
    /// attribute, one group per layer with a `weight_names` attribute naming its datasets.
    static func keras2(_ group: HDF5Group) throws -> KerasWeights {
        guard let names = try group.strings(attribute: "layer_names") else {
            throw HDF5Failure("\(group.path) has no layer_names attribute")
        }
        var weights = KerasWeights()
        for name in names where !name.isEmpty {
            guard try group.child(name) == .group else { throw HDF5Failure("layer_names lists '\(name)', but \(group.path) has no such group") }
            let layer = try group.group(name)
            let weightNames = try layer.strings(attribute: "weight_names") ?? []
            let arrays = try weightNames.map { weightName -> KerasArray in
                guard try layer.child(weightName) == .dataset else {
                    throw HDF5Failure("weight_names of \(layer.path) lists '\(weightName)', but there is no such dataset")
                }
                let (shape, values) = try layer.floats(weightName)
                var short = weightName.split(separator: "/").last.map(String.init) ?? weightName
                if let colon = short.lastIndex(of: ":") { short = String(short[..<colon]) }
                return KerasArray(name: short, shape: shape, values: values)
            }
            weights.order.append(name)
            weights.layers[name] = arrays
        }
        return weights
    }

    /// Keras 3's layout (`model.weights.h5` of a `.keras` archive, `.weights.h5`): `layers/<name>/vars/<i>`;
    /// TensorFlow 2.13–2.15's `.keras` files name the top group `_layer_checkpoint_dependencies`. Layer order
    /// is not recorded: layers come in natural name order (`conv2d`, `conv2d_1`, … `conv2d_10`).
    static func keras3(_ root: HDF5Group) throws -> KerasWeights {
        let top = try ["layers", "_layer_checkpoint_dependencies"].first { try root.child($0) == .group }
        guard let top else { throw HDF5Failure("no 'layers' group: not a Keras 3 weights file") }
        let layersGroup = try root.group(top)
        var weights = KerasWeights(keyedByClass: true)
        for name in try layersGroup.childNames().sorted(by: naturalOrder) {
            guard try layersGroup.child(name) == .group else { continue }
            let layer = try layersGroup.group(name)
            var arrays: [KerasArray] = []
            if try layer.child("vars") == .group {
                let vars = try layer.group("vars")
                let indices = try vars.childNames().compactMap { Int($0).map { ($0, $0) } }.map(\.0).sorted()
                guard indices == Array(0..<indices.count) else {
                    throw HDF5Failure("\(vars.path) holds datasets \(indices), not 0…\(indices.count - 1)")
                }
                arrays = try indices.map { i in
                    let (shape, values) = try vars.floats(String(i))
                    return KerasArray(name: nil, shape: shape, values: values)
                }
            }
            weights.order.append(name)
            weights.layers[name] = arrays
        }
        return weights
    }

    /// `a` before `b` in natural order: the same prefix, then the numeric suffix (`x` < `x_1` < `x_2` < `x_10`).
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        func split(_ s: String) -> (String, Int) {
            if let underscore = s.lastIndex(of: "_"), let n = Int(s[s.index(after: underscore)...]) { return (String(s[..<underscore]), n) }
            return (s, 0)
        }
        let (pa, na) = split(a), (pb, nb) = split(b)
        return pa != pb ? pa < pb : (na != nb ? na < nb : a < b)
    }

    /// Keras layers whose weights look like a gcnn layer kind, in order: convolutions (4-D kernel), dense
    /// (2-D kernel) and batch norm (only 1-D arrays, two to four of them). For `--arch` with a gcnn spec.
    func layers(of kind: KerasWeightSource.Kind) -> [String] {
        order.filter { name in
            let arrays = layers[name] ?? []
            switch kind {
            case .conv2d: return arrays.count >= 1 && arrays[0].shape.count == 4
            case .dense: return arrays.count >= 1 && arrays[0].shape.count == 2
            case .batchnorm: return (2...4).contains(arrays.count) && arrays.allSatisfy { $0.shape.count == 1 }
            }
        }
    }
}

/// Keras weights → gcnn tensors in PyTorch layouts.
enum KerasConversion {
    /// The parameters of `resolved`, taken from `weights` through `sources`; every shape is checked.
    static func parameters(_ resolved: ResolvedArchitecture, sources: [Int: KerasWeightSource], weights: KerasWeights,
                           file: String) throws -> ParameterSet {
        var parameters = ParameterSet()
        /// gcnn feature index → Keras feature index, while features are flattened maps.
        var featureOrder: [Int]?
        for layer in resolved.layers {
            func fail(_ message: String) -> KerasError {
                KerasError(file: file, "layer \(layer.index + 1) (\(layer.spec.summary)): \(message)")
            }
            switch layer.spec {
            case .flatten:
                if case let .maps(c, h, w) = layer.input { featureOrder = KerasMapping.flattenOrder(c: c, h: h, w: w) }
                continue
            case .globalmaxpool, .globalavgpool:
                featureOrder = nil
                continue
            default: break
            }
            guard !layer.tensors.isEmpty else { continue }
            guard let source = sources[layer.index] else { throw fail("no Keras layer holds its weights") }
            let key = weights.keyedByClass ? source.kerasPath ?? source.kerasName : source.kerasName
            guard let arrays = weights.layers[key] ?? weights.layers[source.kerasName] else {
                let held = weights.order.filter { !(weights.layers[$0]?.isEmpty ?? true) }.map { "'\($0)'" }.joined(separator: ", ")
                throw fail("the weights have no layer '\(key)' (the file holds weights of \(held.isEmpty ? "no layer" : held))")
            }
            func pick(_ wanted: [String]) throws -> [KerasArray] {
                guard arrays.count == wanted.count else {
                    throw fail("Keras layer '\(source.kerasName)' holds \(arrays.count) weight arrays, not \(wanted.count) (\(wanted.joined(separator: ", ")))")
                }
                guard arrays.allSatisfy({ $0.name != nil }) else { return arrays }
                return try wanted.map { w in
                    guard let a = arrays.first(where: { $0.name == w }) else {
                        throw fail("Keras layer '\(source.kerasName)' has no '\(w)' weight (it has \(arrays.compactMap(\.name).joined(separator: ", ")))")
                    }
                    return a
                }
            }
            func check(_ a: KerasArray, _ shape: [Int], _ what: String) throws {
                guard a.shape == shape else {
                    throw fail("Keras layer '\(source.kerasName)' \(what) has shape \(a.shape), not \(shape) as the architecture needs")
                }
            }
            switch layer.spec {
            case .conv2d(let s):
                guard case let .maps(cin, _, _) = layer.input else { continue }
                let p = try pick(["kernel", "bias"])
                try check(p[0], [s.kernelH, s.kernelW, cin, s.filters], "kernel")
                try check(p[1], [s.filters], "bias")
                var weight = [Float](repeating: 0, count: p[0].values.count)
                let k = p[0].values
                for o in 0..<s.filters { for i in 0..<cin { for y in 0..<s.kernelH { for x in 0..<s.kernelW {
                    weight[((o * cin + i) * s.kernelH + y) * s.kernelW + x] = k[((y * s.kernelW + x) * cin + i) * s.filters + o]
                } } } }
                parameters.append(NamedTensor(name: "\(s.name).weight", shape: [s.filters, cin, s.kernelH, s.kernelW], values: weight))
                parameters.append(NamedTensor(name: "\(s.name).bias", shape: [s.filters], values: p[1].values))
            case .batchnorm(let s):
                let c = layer.tensors[0].shape[0]
                var wanted: [String] = []
                if source.scale { wanted.append("gamma") }
                if source.center { wanted.append("beta") }
                wanted += ["moving_mean", "moving_variance"]
                let p = try pick(wanted)
                for (a, w) in zip(p, wanted) { try check(a, [c], w) }
                let named = Dictionary(uniqueKeysWithValues: zip(wanted, p.map(\.values)))
                func ordered(_ v: [Float]) -> [Float] {
                    guard let order = featureOrder, case .features = layer.input else { return v }
                    return order.map { v[$0] }
                }
                parameters.append(NamedTensor(name: "\(s.name).weight", shape: [c], values: ordered(named["gamma"] ?? Array(repeating: 1, count: c))))
                parameters.append(NamedTensor(name: "\(s.name).bias", shape: [c], values: ordered(named["beta"] ?? Array(repeating: 0, count: c))))
                parameters.append(NamedTensor(name: "\(s.name).running_mean", shape: [c], values: ordered(named["moving_mean"]!)))
                parameters.append(NamedTensor(name: "\(s.name).running_var", shape: [c], values: ordered(named["moving_variance"]!)))
                parameters.append(NamedTensor(name: "\(s.name).num_batches_tracked", shape: [], values: [0], storage: .int64))
            case .dense(let s):
                let inFeatures = layer.input.count
                let out = layer.output.count
                var order = featureOrder
                if case let .maps(c, h, w) = layer.input { order = KerasMapping.flattenOrder(c: c, h: h, w: w) }
                let p = try pick(["kernel", "bias"])
                try check(p[0], [inFeatures, out], "kernel")
                try check(p[1], [out], "bias")
                let k = p[0].values
                var weight = [Float](repeating: 0, count: k.count)
                for o in 0..<out { for g in 0..<inFeatures { weight[o * inFeatures + g] = k[(order?[g] ?? g) * out + o] } }
                parameters.append(NamedTensor(name: "\(s.name).weight", shape: [out, inFeatures], values: weight))
                parameters.append(NamedTensor(name: "\(s.name).bias", shape: [out], values: p[1].values))
                featureOrder = nil
            default: break
            }
        }
        return parameters
    }
}
