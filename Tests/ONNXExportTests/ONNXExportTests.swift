import Foundation
import Model
import ONNXExport
import ONNXProto
import SwiftProtobuf
import Training
import XCTest

/// `ONNXExport`: the model's structure decoded with SwiftProtobuf, its initializers against the checkpoint
/// bit for bit, and gcnn's probabilities against onnxruntime's on the committed fixtures
/// (scripts/make_onnx_fixtures.py wrote them: onnxruntime ran exactly the committed `.onnx` bytes).
final class ONNXExportTests: XCTestCase {
    static let fixtureNames = ["paper_small", "every_layer", "every_layer_global", "global_max"]

    static func fixtureURL(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    }

    static func checkpoint(_ name: String) throws -> ModelCheckpoint.Loaded {
        try ModelCheckpoint.read(fixtureURL("\(name).safetensors"))
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A checkpoint of `architecture` with Keras-initialised parameters, written and read back as gcnn does.
    static func presetCheckpoint(_ architecture: Architecture, classes: Int, in folder: URL) throws -> ModelCheckpoint.Loaded {
        let config = NetworkConfig(architecture: architecture, classes: classes)
        var rng = RandomGenerator(seed: 7)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let url = folder.appendingPathComponent("\(architecture.name)-\(classes).safetensors")
        try ModelCheckpoint.write(parameters, config: config, labels: [], to: url)
        return try ModelCheckpoint.read(url)
    }

    static func dims(_ info: Onnx_ValueInfoProto) -> [String] {
        info.type.tensorType.shape.dim.map { d in
            switch d.value {
            case .dimValue(let v): String(v)
            case .dimParam(let p): p
            case nil: "?"
            }
        }
    }

    static func attribute(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? {
        node.attribute.first { $0.name == name }
    }

    /// Checks what every exported model must satisfy and returns its operator types in order.
    func checkModel(_ model: Onnx_ModelProto, checkpoint: ModelCheckpoint.Loaded, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let config = checkpoint.config
        XCTAssertEqual(model.irVersion, 7, file: file, line: line)
        XCTAssertEqual(model.opsetImport.map(\.domain), [""], file: file, line: line)
        XCTAssertEqual(model.opsetImport.map(\.version), [13], file: file, line: line)
        XCTAssertEqual(model.producerName, "gcnn", file: file, line: line)
        let graph = model.graph
        XCTAssertEqual(graph.input.map(\.name), ["logmel"], file: file, line: line)
        XCTAssertEqual(graph.input.first.map(Self.dims), ["N", "1", String(config.inputHeight), String(config.inputWidth)], file: file, line: line)
        XCTAssertEqual(graph.input.first?.type.tensorType.elemType, 1, "float32 input", file: file, line: line)
        XCTAssertEqual(graph.output.map(\.name), ["probabilities"], file: file, line: line)
        XCTAssertEqual(graph.output.first.map(Self.dims), ["N", String(config.classes)], file: file, line: line)
        XCTAssertEqual(graph.output.first?.type.tensorType.elemType, 1, file: file, line: line)

        // Every node reads the input, an initializer or an earlier node's output; names are unique.
        var available = Set(["logmel"] + graph.initializer.map(\.name))
        XCTAssertEqual(Set(graph.node.map(\.name)).count, graph.node.count, "node names are unique", file: file, line: line)
        for node in graph.node {
            for input in node.input { XCTAssertTrue(available.contains(input), "\(node.name) reads undefined '\(input)'", file: file, line: line) }
            XCTAssertEqual(node.output.count, 1, file: file, line: line)
            available.formUnion(node.output)
        }
        XCTAssertEqual(graph.node.last?.output, ["probabilities"], file: file, line: line)

        // Initializers: each float32 checkpoint tensor, bit for bit, under its PyTorch name (plus dropout ratios).
        let byName = Dictionary(graph.initializer.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName.count, graph.initializer.count, "initializer names are unique", file: file, line: line)
        let floats = checkpoint.parameters.tensors.filter { $0.storage == .float32 }
        for t in floats {
            guard let i = byName[t.name] else { XCTFail("no initializer \(t.name)", file: file, line: line); continue }
            XCTAssertEqual(i.dims, t.shape.map(Int64.init), t.name, file: file, line: line)
            XCTAssertEqual(i.dataType, 1, t.name, file: file, line: line)
            XCTAssertTrue(i.floatData.isEmpty, file: file, line: line)
            // ONNX's raw_data is little-endian; compare the bit patterns, not the values (−0, NaN payloads).
            let bits = i.rawData.withUnsafeBytes { raw in
                (0..<raw.count / 4).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
            }
            XCTAssertTrue(bits == t.values.map(\.bitPattern), "\(t.name) differs from the checkpoint", file: file, line: line)
        }
        let counts = checkpoint.parameters.tensors.filter { $0.storage == .int64 }.map(\.name)
        XCTAssertTrue(counts.allSatisfy { byName[$0] == nil }, "num_batches_tracked is not exported", file: file, line: line)
        let dropouts = graph.node.filter { $0.opType == "Dropout" }.count
        XCTAssertEqual(graph.initializer.count, floats.count + dropouts, file: file, line: line)
        return graph.node.map(\.opType)
    }

    func testEveryFixtureExportsToTheBytesOnnxruntimeRan() throws {
        for name in Self.fixtureNames {
            let data = try ONNXExport.serialized(Self.checkpoint(name))
            let committed = try Data(contentsOf: Self.fixtureURL("\(name).onnx"))
            XCTAssertTrue(data == committed, "\(name): export differs from the model onnxruntime ran (\(data.count) vs \(committed.count) bytes); rerun scripts/make_onnx_fixtures.py if the change is intended")
        }
    }

    func testGcnnPredictsWhatOnnxruntimePredicted() throws {
        for name in Self.fixtureNames {
            let checkpoint = try Self.checkpoint(name)
            let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtureURL("\(name).json"))) as! [String: Any]
            let shape = fixture["inputShape"] as! [Int]
            let expected = (fixture["onnxruntime"] as! [[Double]]).flatMap { $0 }
            let raw = try Data(contentsOf: Self.fixtureURL("\(name).inputs.f32"))
            XCTAssertEqual(raw.count, 4 * shape.reduce(1, *), name)
            let inputs = raw.withUnsafeBytes { buffer in
                (0..<raw.count / 4).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
            XCTAssertEqual(Array(shape.dropFirst()), [1, checkpoint.config.inputHeight, checkpoint.config.inputWidth], name)
            let probabilities = try DeviceSelection.cpu.run(Inference(checkpoint: checkpoint, clips: inputs, count: shape[0]), notice: { _ in })
            XCTAssertEqual(probabilities.count, expected.count, name)
            let error = zip(probabilities, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(error, 1e-5, "\(name): gcnn vs onnxruntime")
            // Not saturated: the comparison says something.
            XCTAssertTrue(expected.contains { $0 > 0.02 && $0 < 0.98 }, name)
        }
    }

    func testEveryLayerModelMapsEachLayerOntoItsOperators() throws {
        let checkpoint = try Self.checkpoint("every_layer")
        let model = try Onnx_ModelProto(serializedBytes: ONNXExport.serialized(checkpoint))
        let ops = try checkModel(model, checkpoint: checkpoint)
        XCTAssertEqual(ops, ["Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Relu", "AveragePool", "Conv", "Relu",
                             "Dropout", "Flatten", "Gemm", "Relu", "BatchNormalization", "Dropout", "Gemm", "Sigmoid"])
        let nodes = model.graph.node
        func ints(_ i: Int, _ name: String) -> [Int64]? { Self.attribute(nodes[i], name)?.ints }
        // Keras' "same": ⌊(k − 1)/2⌋ before, the rest after; pads are [top, left, bottom, right].
        XCTAssertEqual(ints(0, "kernel_shape"), [3, 5]); XCTAssertEqual(ints(0, "pads"), [1, 2, 1, 2])
        XCTAssertEqual(ints(4, "kernel_shape"), [4, 4]); XCTAssertEqual(ints(4, "pads"), [1, 1, 2, 2])
        XCTAssertEqual(ints(7, "kernel_shape"), [2, 1]); XCTAssertEqual(ints(7, "pads"), [0, 0, 0, 0])
        XCTAssertEqual(nodes[0].input, ["logmel", "conv1.weight", "conv1.bias"])
        XCTAssertEqual(ints(3, "kernel_shape"), [2, 2]); XCTAssertEqual(ints(3, "strides"), [2, 2])
        XCTAssertEqual(ints(6, "kernel_shape"), [2, 3]); XCTAssertEqual(ints(6, "strides"), [1, 2])
        XCTAssertEqual(nodes[1].input.dropFirst(), ["bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"])
        XCTAssertEqual(Self.attribute(nodes[1], "epsilon")?.f, Float(0.001))
        XCTAssertEqual(Self.attribute(nodes[13], "epsilon")?.f, Float(0.01))
        XCTAssertEqual(Self.attribute(nodes[11], "transB")?.i, 1)
        XCTAssertEqual(nodes[15].input, [nodes[14].output[0], "fc2.weight", "fc2.bias"])
        let ratios = model.graph.initializer.filter { $0.name.hasSuffix("/ratio") }
        XCTAssertEqual(ratios.map { $0.rawData.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) } }, [0.25, 0.5])
        XCTAssertEqual(ratios.map(\.dims), [[], []])
        // Intermediate shapes: the conv after the max pool is 4×6×7; the avg pool makes 4×5×3, the [2, 1] conv
        // 5×4×3, flattened to 60 features.
        let info = Dictionary(model.graph.valueInfo.map { ($0.name, Self.dims($0)) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(info[nodes[4].output[0]], ["N", "4", "6", "7"])
        XCTAssertEqual(info[nodes[6].output[0]], ["N", "4", "5", "3"])
        XCTAssertEqual(info[nodes[10].output[0]], ["N", "60"])
        XCTAssertEqual(model.metadataProps.first { $0.key == "labels" }?.value, "metal,jazz")
    }

    func testGlobalPoolingAndSoftmaxHeads() throws {
        let global = try Self.checkpoint("every_layer_global")
        let a = try Onnx_ModelProto(serializedBytes: ONNXExport.serialized(global))
        XCTAssertEqual(try checkModel(a, checkpoint: global),
                       ["Conv", "Relu", "BatchNormalization", "MaxPool", "Conv", "Relu", "GlobalAveragePool", "Flatten",
                        "BatchNormalization", "Gemm", "Relu", "Gemm", "Softmax"])
        XCTAssertEqual(Self.attribute(a.graph.node[12], "axis")?.i, 1)
        XCTAssertEqual(a.graph.node[0].input, ["logmel", "block1.conv.weight", "block1.conv.bias"])
        XCTAssertEqual(Self.attribute(a.graph.node[3], "strides")?.ints, [1, 2])
        XCTAssertEqual(Self.attribute(a.graph.node[4], "pads")?.ints, [0, 1, 1, 1])
        let max = try Self.checkpoint("global_max")
        let b = try Onnx_ModelProto(serializedBytes: ONNXExport.serialized(max))
        XCTAssertEqual(try checkModel(b, checkpoint: max),
                       ["Conv", "Relu", "AveragePool", "GlobalMaxPool", "Flatten", "Dropout", "Gemm", "Softmax"])
        let paper = try Self.checkpoint("paper_small")
        let c = try Onnx_ModelProto(serializedBytes: ONNXExport.serialized(paper))
        XCTAssertEqual(try checkModel(c, checkpoint: paper),
                       ["Conv", "Relu", "BatchNormalization", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Sigmoid"])
    }

    func testEveryPresetExportsWithItsCheckpointTensors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let paperOps = ["Conv", "Relu", "BatchNormalization", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm"]
        let fcnOps = Array(repeating: ["Conv", "BatchNormalization", "Relu", "MaxPool"], count: 4).flatMap { $0 } + ["Flatten", "Gemm"]
        let shortChunkOps = ["BatchNormalization"] + Array(repeating: ["Conv", "BatchNormalization", "Relu", "MaxPool"], count: 7).flatMap { $0 }
            + ["GlobalMaxPool", "Flatten", "Gemm", "BatchNormalization", "Relu", "Dropout", "Gemm"]
        for (architecture, ops) in [(Architecture.paper, paperOps), (Architecture.preset(named: "fcn")!, fcnOps),
                                    (Architecture.preset(named: "short-chunk")!, shortChunkOps)] {
            // fcn's 17 M parameters once: its head is the only part that depends on the classes.
            for classes in architecture.name == "fcn" ? [10] : [1, 10] {
                let checkpoint = try Self.presetCheckpoint(architecture, classes: classes, in: folder)
                let model = try Onnx_ModelProto(serializedBytes: ONNXExport.serialized(checkpoint))
                XCTAssertEqual(try checkModel(model, checkpoint: checkpoint), ops + [classes == 1 ? "Sigmoid" : "Softmax"], architecture.name)
            }
        }
    }

    func testExportWritesTheFileAndTakesARunFolder() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixtureURL("global_max.safetensors"), to: run.appendingPathComponent("model.safetensors"))
        let out = folder.appendingPathComponent("model with space, comma.onnx")
        let summary = try ONNXExport.export(model: run, to: out)
        XCTAssertEqual(summary.nodes, 8)
        XCTAssertEqual(summary.classes, 3)
        XCTAssertEqual(summary.head, "softmax")
        XCTAssertEqual(try Data(contentsOf: out), try Data(contentsOf: Self.fixtureURL("global_max.onnx")))
        XCTAssertEqual(summary.bytes, try Data(contentsOf: out).count)
    }

    func testBadModelsFailWithOneLineAndLeaveTheOutputAlone() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("model.onnx")
        try Data("previous export".utf8).write(to: out)
        let good = try [UInt8](Data(contentsOf: Self.fixtureURL("every_layer.safetensors")))
        var generator = SystemRandomNumberGenerator()
        let cases: [(String, [UInt8]?)] = [
            ("missing.safetensors", nil),
            ("empty.safetensors", []),
            ("truncated.safetensors", Array(good.prefix(good.count / 2))),
            ("header-only.safetensors", Array(good.prefix(8))),
            ("random.safetensors", (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            ("text.safetensors", Array("not a checkpoint\n".utf8)),
        ]
        for (name, bytes) in cases {
            let model = folder.appendingPathComponent(name)
            if let bytes { try Data(bytes).write(to: model) }
            XCTAssertThrowsError(try ONNXExport.export(model: model, to: out), name) { error in
                let line = "\(error)"
                XCTAssertFalse(line.contains("\n"), "\(name): \(line)")
                XCTAssertTrue(line.contains(model.path), "\(name): \(line)")
            }
            XCTAssertEqual(try Data(contentsOf: out), Data("previous export".utf8), name)
        }
        let nowhere = folder.appendingPathComponent("no/such/folder/model.onnx")
        XCTAssertThrowsError(try ONNXExport.export(model: Self.fixtureURL("every_layer.safetensors"), to: nowhere)) { error in
            XCTAssertEqual("\(error)", "\(nowhere.path): cannot write the ONNX model: the folder \(nowhere.deletingLastPathComponent().path) does not exist; create it first")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind")
    }
}
