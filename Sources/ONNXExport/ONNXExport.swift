import Foundation
import Model
import ONNXProto
import SwiftProtobuf

/// A gcnn checkpoint as an ONNX model (opset 13, IR version 7): input `logmel` `[N, 1, mel bands, frames]`
/// float32 (N dynamic), output `probabilities` `[N, classes]`, what `gcnn predict` computes — σ of the one
/// logit of a binary head (P(label 1)), else the softmax of the logits. Batch norm runs on its running
/// statistics and dropout is the identity, as at inference in gcnn.
///
/// Layers map onto ONNX operators one to one, in spec order (README, "ONNX export"): `conv2d` → `Conv` (+ `Relu`),
/// `batchnorm` → `BatchNormalization`, `relu` → `Relu`, `maxpool` / `avgpool` → `MaxPool` / `AveragePool`,
/// `globalmaxpool` / `globalavgpool` → `GlobalMaxPool` / `GlobalAveragePool` + `Flatten`, `dropout` → `Dropout`
/// (inference mode), `flatten` → `Flatten`, `dense` → (`Flatten` on maps) `Gemm` (+ `Relu`); the head's `Gemm`
/// is followed by `Sigmoid` or `Softmax`. Initializers carry the checkpoint's float32 tensors under their PyTorch
/// names, bit for bit (`num_batches_tracked` is not needed at inference and is left out).
public enum ONNXExport {
    /// The default-domain operator set the model imports.
    public static let opsetVersion: Int64 = 13
    /// The ONNX IR version of opset 13's release (ONNX 1.8).
    public static let irVersion: Int64 = 7
    /// The graph's input and output names, and the symbolic batch dimension.
    public static let inputName = "logmel", outputName = "probabilities", batchDimension = "N"
    /// Protobuf's limit on one serialized message; larger models would need ONNX's external data.
    public static let maxModelBytes = Int(Int32.max)

    /// The ONNX model of a checkpoint read back by `ModelCheckpoint`.
    public static func model(_ checkpoint: ModelCheckpoint.Loaded) throws -> Onnx_ModelProto {
        let resolved = try checkpoint.config.resolved()
        var bytes = 0
        for t in checkpoint.parameters.tensors where t.storage == .float32 { bytes += 4 * t.count }
        guard bytes < maxModelBytes - (1 << 20) else {
            throw ONNXExportError.tooLarge(architecture: resolved.architecture.name, bytes: bytes)
        }
        var graph = GraphBuilder(parameters: checkpoint.parameters)
        try graph.build(resolved)

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        model.opsetImport = [opset]
        model.producerName = "gcnn"
        model.docString = "gcnn network '\(resolved.architecture.name)': log-mel clips [N, 1, \(resolved.architecture.inputHeight), \(resolved.architecture.inputWidth)] → "
            + (resolved.classes == 1 ? "P(label 1) [N, 1] (sigmoid)" : "class probabilities [N, \(resolved.classes)] (softmax)")
        model.metadataProps = checkpoint.metadata.keys.sorted().filter { $0 != ModelCheckpoint.Key.format }.map { key in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = checkpoint.metadata[key] ?? ""
            return entry
        }
        model.graph = graph.proto(name: resolved.architecture.name)
        return model
    }

    /// `model(checkpoint)` serialized (deterministic: the same checkpoint gives the same bytes).
    public static func serialized(_ checkpoint: ModelCheckpoint.Loaded) throws -> Data {
        try model(checkpoint).serializedData()
    }

    /// What `export` wrote.
    public struct Summary: Equatable, Sendable {
        public var output: String
        public var bytes: Int
        public var nodes: Int
        public var inputShape: [Int]
        public var classes: Int
        /// `sigmoid` or `softmax`.
        public var head: String
    }

    /// Reads the checkpoint `model` (a `model.safetensors`, or a folder holding one) and writes its ONNX model
    /// to `output` atomically (an existing file is replaced only once the new one is complete).
    public static func export(model: URL, to output: URL) throws -> Summary {
        var source = model
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: model.path, isDirectory: &isFolder), isFolder.boolValue {
            source = model.appendingPathComponent("model.safetensors")
        }
        let checkpoint: ModelCheckpoint.Loaded
        do { checkpoint = try ModelCheckpoint.read(source) } catch {
            throw ONNXExportError.unreadableModel("\(error)")
        }
        let proto = try self.model(checkpoint)
        let data = try proto.serializedData()
        var folder: ObjCBool = false
        let parent = output.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &folder), folder.boolValue else {
            throw ONNXExportError.cannotWrite(path: output.path, reason: "the folder \(parent.path) does not exist; create it first")
        }
        do { try AtomicFile.write(data, to: output) } catch {
            throw ONNXExportError.cannotWrite(path: output.path, reason: "\(error)")
        }
        let config = checkpoint.config
        return Summary(output: output.path, bytes: data.count, nodes: proto.graph.node.count,
                       inputShape: [1, config.inputHeight, config.inputWidth], classes: config.classes,
                       head: config.classes == 1 ? "sigmoid" : "softmax")
    }
}

/// An export that cannot be done; the message names the file and what to do.
public enum ONNXExportError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint could not be read (its own one-line error).
    case unreadableModel(String)
    case cannotWrite(path: String, reason: String)
    case tooLarge(architecture: String, bytes: Int)
    /// A tensor the architecture needs is not in the parameters (a checkpoint not read by `ModelCheckpoint`).
    case missingTensor(String)

    public var description: String {
        switch self {
        case let .unreadableModel(why): return why
        case let .cannotWrite(path, reason): return "\(path): cannot write the ONNX model: \(reason)"
        case let .tooLarge(architecture, bytes):
            return "architecture '\(architecture)': \(bytes) bytes of weights exceed protobuf's 2 GiB limit on one ONNX file; use fewer filters or units"
        case let .missingTensor(name): return "the parameters lack tensor '\(name)' that the architecture needs; read the checkpoint with ModelCheckpoint.read"
        }
    }
}

/// Accumulates nodes, initializers and intermediate shapes while walking the resolved layers.
private struct GraphBuilder {
    let parameters: ParameterSet
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var valueInfo: [Onnx_ValueInfoProto] = []
    var inputs: [Onnx_ValueInfoProto] = []
    var outputs: [Onnx_ValueInfoProto] = []
    /// The value flowing out of the last node.
    var current = ONNXExport.inputName

    init(parameters: ParameterSet) { self.parameters = parameters }

    /// `[N] + shape` of one example's activation.
    static func dims(_ shape: ActivationShape) -> [Int] {
        switch shape {
        case let .maps(c, h, w): [c, h, w]
        case let .features(f): [f]
        }
    }

    static func valueInfo(_ name: String, _ dims: [Int]) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = ONNXExport.batchDimension
        shape.dim = [batch] + dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = Int64(d)
            return dim
        }
        tensor.shape = shape
        info.type.tensorType = tensor
        return info
    }

    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }

    /// A float32 initializer: `dims`, little-endian raw bytes of `values`.
    static func tensor(_ name: String, dims: [Int], values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        #if _endian(little)
        t.rawData = values.withUnsafeBytes { Data($0) }
        #else
        var raw = [UInt8](repeating: 0, count: values.count * 4)
        raw.withUnsafeMutableBytes { out in
            for (i, v) in values.enumerated() { out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        t.rawData = Data(raw)
        #endif
        return t
    }

    /// Adds the checkpoint tensor `name` as an initializer and returns its name.
    mutating func initializer(_ name: String) throws -> String {
        guard let t = parameters[name] else { throw ONNXExportError.missingTensor(name) }
        initializers.append(Self.tensor(name, dims: t.shape, values: t.values))
        return name
    }

    /// Appends node `op` named `name` on the current value (plus `extra` inputs); its output, named `output`
    /// (the node's name by default) with per-example shape `dims`, becomes the current value.
    mutating func add(_ op: String, _ name: String, extra: [String] = [], attributes: [Onnx_AttributeProto] = [],
                      dims: [Int], output: String? = nil) {
        var node = Onnx_NodeProto()
        node.name = name
        node.opType = op
        node.input = [current] + extra
        let out = output ?? name
        node.output = [out]
        node.attribute = attributes
        nodes.append(node)
        if output == nil { valueInfo.append(Self.valueInfo(out, dims)) }
        current = out
    }

    mutating func build(_ resolved: ResolvedArchitecture) throws {
        let a = resolved.architecture
        inputs = [Self.valueInfo(ONNXExport.inputName, [1, a.inputHeight, a.inputWidth])]
        for layer in resolved.layers {
            // Node names hold "/", which no tensor name has, so they never collide with initializers.
            let label = "layer\(layer.index + 1)"
            let dims = Self.dims(layer.output)
            switch layer.spec {
            case .conv2d(let s):
                let (top, left) = s.padding == .same ? ((s.kernelH - 1) / 2, (s.kernelW - 1) / 2) : (0, 0)
                let (bottom, right) = s.padding == .same ? (s.kernelH - 1 - top, s.kernelW - 1 - left) : (0, 0)
                let name = "\(label)/\(s.name)"
                add("Conv", name, extra: [try initializer("\(s.name).weight"), try initializer("\(s.name).bias")],
                    attributes: [Self.ints("kernel_shape", [s.kernelH, s.kernelW]), Self.ints("strides", [1, 1]),
                                 Self.ints("dilations", [1, 1]), Self.ints("pads", [top, left, bottom, right]),
                                 Self.int("group", 1)],
                    dims: dims)
                if s.relu { add("Relu", "\(name)/relu", dims: dims) }
            case .batchnorm(let s):
                let extra = try ["weight", "bias", "running_mean", "running_var"].map { try initializer("\(s.name).\($0)") }
                add("BatchNormalization", "\(label)/\(s.name)", extra: extra,
                    attributes: [Self.float("epsilon", s.epsilon), Self.float("momentum", s.momentum)], dims: dims)
            case .relu:
                add("Relu", "\(label)/relu", dims: dims)
            case .maxpool(let p), .avgpool(let p):
                let isMax = layer.spec.typeName == "maxpool"
                add(isMax ? "MaxPool" : "AveragePool", "\(label)/\(layer.spec.typeName)",
                    attributes: [Self.ints("kernel_shape", [p.sizeH, p.sizeW]), Self.ints("strides", [p.strideH, p.strideW]),
                                 Self.ints("pads", [0, 0, 0, 0])],
                    dims: dims)
            case .globalmaxpool, .globalavgpool:
                let isMax = layer.spec.typeName == "globalmaxpool"
                let name = "\(label)/\(layer.spec.typeName)"
                add(isMax ? "GlobalMaxPool" : "GlobalAveragePool", name, dims: dims + [1, 1])
                add("Flatten", "\(name)/flatten", attributes: [Self.int("axis", 1)], dims: dims)
            case .dropout(let rate):
                let name = "\(label)/dropout"
                initializers.append(Self.tensor("\(name)/ratio", dims: [], values: [rate]))
                add("Dropout", name, extra: ["\(name)/ratio"], dims: dims)
            case .flatten:
                add("Flatten", "\(label)/flatten", attributes: [Self.int("axis", 1)], dims: dims)
            case .dense(let s):
                if case .maps = layer.input {
                    add("Flatten", "\(label)/flatten", attributes: [Self.int("axis", 1)], dims: [layer.input.count])
                }
                let name = "\(label)/\(s.name)"
                add("Gemm", name, extra: [try initializer("\(s.name).weight"), try initializer("\(s.name).bias")],
                    attributes: [Self.int("transB", 1)], dims: dims)
                if s.relu { add("Relu", "\(name)/relu", dims: dims) }
                if layer.index == resolved.layers.count - 1 {
                    if resolved.classes == 1 {
                        add("Sigmoid", "\(name)/sigmoid", dims: dims, output: ONNXExport.outputName)
                    } else {
                        add("Softmax", "\(name)/softmax", attributes: [Self.int("axis", 1)], dims: dims, output: ONNXExport.outputName)
                    }
                    outputs = [Self.valueInfo(ONNXExport.outputName, dims)]
                }
            }
        }
    }

    func proto(name: String) -> Onnx_GraphProto {
        var g = Onnx_GraphProto()
        g.name = name
        g.node = nodes
        g.initializer = initializers
        g.input = inputs
        g.output = outputs
        g.valueInfo = valueInfo
        return g
    }
}
