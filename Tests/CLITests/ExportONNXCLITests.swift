import Foundation
import Model
import XCTest

/// `gcnn export onnx` as a user runs it: a checkpoint in, one summary line out; a bad model is one error line.
final class ExportONNXCLITests: XCTestCase {
    func testExportsACheckpointAndReportsTheModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-export-onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let architecture = try Architecture.parse(
            #"{"name": "tiny", "input": [8, 10], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu"}, {"type": "batchnorm"}, {"type": "globalavgpool"}, {"type": "dense"}]}"#,
            source: "tiny.json")
        let config = NetworkConfig(architecture: architecture, classes: 4)
        var rng = RandomGenerator(seed: 1)
        let model = dir.appendingPathComponent("model.safetensors")
        try ModelCheckpoint.write(try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng), config: config,
                                  labels: ["a", "b", "c", "d"], to: model)
        let out = dir.appendingPathComponent("tiny.onnx")
        let r = try GCNNBinary.run(["export", "onnx", "--model", model.path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, r.stdout)
        XCTAssertTrue(r.stdout.hasPrefix("\(out.path): ONNX opset 13, 7 nodes, "), r.stdout)
        XCTAssertTrue(r.stdout.contains("input logmel [N, 1, 8, 10] float32, output probabilities [N, 4] (softmax)"), r.stdout)
        let size = try FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int
        XCTAssertTrue(r.stdout.contains("nodes, \(size ?? -1) bytes"), r.stdout)

        let bad = dir.appendingPathComponent("broken.safetensors")
        try Data("not a checkpoint".utf8).write(to: bad)
        for model in [bad.path, dir.appendingPathComponent("missing.safetensors").path] {
            let failed = try GCNNBinary.run(["export", "onnx", "--model", model, "-o", out.path])
            XCTAssertNotEqual(failed.status, 0)
            XCTAssertEqual(failed.stdout, "")
            XCTAssertEqual(failed.stderr.split(separator: "\n").count, 1, failed.stderr)
            XCTAssertTrue(failed.stderr.hasPrefix("Error: \(model): "), failed.stderr)
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int, size, "the earlier export is kept")
        }
    }

    func testHelpNamesTheInputAndOutput() throws {
        let r = try GCNNBinary.run(["export", "onnx", "--help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("opset 13") && r.stdout.contains("--model") && r.stdout.contains("--output"), r.stdout)
    }
}
