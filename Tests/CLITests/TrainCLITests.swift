import Foundation
import XCTest

/// `gcnn train`, `evaluate` and `predict` end to end on a tiny built-in corpus (3 tracks per genre,
/// four 0.5-s clips per track), on the reference path and on OpenCL.
final class TrainCLITests: XCTestCase {
    private let tiny = ["--synthetic-tracks", "3", "--clip-seconds", "0.5", "--clips-per-track", "4"]

    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func train(_ device: String, out: URL, extra: [String] = []) throws -> GCNNBinary.Result {
        let r = try GCNNBinary.run(["train", "--device", device, "--task", "metal-jazz", "--out", out.path] + tiny + extra)
        XCTAssertEqual(r.status, 0, "gcnn train failed:\n\(r.stderr)")
        return r
    }

    private func metrics(_ out: URL) throws -> [[String: Any]] {
        try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    private func checkRunFolder(_ out: URL, epochs: Int) throws {
        for name in ["config.json", "metrics.jsonl", "model.safetensors", "training-state.safetensors", "confusion.txt",
                     "confusion.svg", "learning-curves.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["task"] as? String, "metal-jazz")
        XCTAssertEqual(config["labels"] as? [String], ["metal", "jazz"])
        let lines = try metrics(out)
        XCTAssertEqual(lines.count, epochs)
        for line in lines {
            for key in ["train_acc", "val_acc", "precision", "recall", "f1"] {
                let v = try XCTUnwrap(line[key] as? Double, key)
                XCTAssertTrue((0...1).contains(v), "\(key) \(v)")
            }
            XCTAssertTrue((try XCTUnwrap(line["train_loss"] as? Double)).isFinite)
            XCTAssertGreaterThan(try XCTUnwrap(line["seconds"] as? Double), 0)
        }
    }

    func testTrainOnReferencePathThenEvaluateAndPredict() throws {
        let out = try tempDir().appendingPathComponent("run")
        let r = try train("cpu", out: out, extra: ["--json"])
        try checkRunFolder(out, epochs: 2)
        // --json: stdout is exactly one JSON object per epoch.
        let objects = r.stdout.split(separator: "\n")
        XCTAssertEqual(objects.count, 2)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(objects[0].utf8)) as? [String: Any])

        let model = out.appendingPathComponent("model.safetensors").path
        let e = try GCNNBinary.run(["evaluate", "--model", model, "--device", "cpu", "--synthetic-tracks", "3"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("tracks") && e.stdout.contains("accuracy"), e.stdout)
        XCTAssertTrue(e.stdout.contains("ROC-AUC") && e.stdout.contains("PR-AUC"), e.stdout)

        let wav = try FileManager.default.contentsOfDirectory(at: GCNNBinary.cache.appendingPathComponent("gcnn"), includingPropertiesForKeys: nil)
            .first { $0.lastPathComponent.hasPrefix("synthetic") }.map { $0.appendingPathComponent("jazz/jazz.00000.wav") }
        let p = try GCNNBinary.run(["predict", "--model", model, "--device", "cpu", "--json", try XCTUnwrap(wav).path])
        XCTAssertEqual(p.status, 0, p.stderr)
        let verdict = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(["metal", "jazz"].contains(verdict["genre"] as? String ?? ""))
        XCTAssertEqual((verdict["clips"] as? [[Double]])?.count, 4)
    }

    func testTrainOnOpenCL() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        let out = try tempDir().appendingPathComponent("run")
        _ = try train("opencl", out: out, extra: ["--epochs", "1"])
        try checkRunFolder(out, epochs: 1)
    }

    /// The default recipe validates on precise batch-norm statistics and splits by track; `--recipe seed`
    /// is the seed's run (Keras' running statistics, keras-tail); explicit options override the recipe.
    func testRecipesAndTheirOverrides() throws {
        let dir = try tempDir()
        func config(_ name: String, _ extra: [String]) throws -> [String: Any] {
            let out = dir.appendingPathComponent(name)
            _ = try train(try OpenCLRequirement.available() ? "opencl" : "cpu", out: out, extra: ["--epochs", "1"] + extra)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        }
        let standard = try config("default", [])
        XCTAssertEqual(standard["recipe"] as? String, "default")
        XCTAssertEqual(standard["batchNormStatistics"] as? String, "precise")
        XCTAssertEqual(standard["split"] as? String, "stratified")
        let line = try XCTUnwrap(try metrics(dir.appendingPathComponent("default")).first)
        XCTAssertNotNil(line["val_roc_auc"] as? Double)
        XCTAssertNotNil(line["val_track_acc"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(line["bn_statistics_seconds"] as? Double), 0)
        // The seed's recipe, its split overridden (its keras-tail split: TrainingRecipeTests).
        let seed = try config("seed", ["--recipe", "seed", "--split", "stratified"])
        XCTAssertEqual(seed["recipe"] as? String, "seed")
        XCTAssertEqual(seed["batchNormStatistics"] as? String, "running")
        XCTAssertEqual(seed["split"] as? String, "stratified")
        let bad = try GCNNBinary.run(["train", "--task", "metal-jazz", "--recipe", "keras"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("default") && bad.stderr.contains("seed"), bad.stderr)
    }

    /// Resuming after epoch 1 ends bitwise where the uninterrupted 2-epoch run ends (reference path).
    func testResumeEqualsUninterruptedRun() throws {
        let dir = try tempDir()
        let straight = dir.appendingPathComponent("straight"), resumed = dir.appendingPathComponent("resumed")
        _ = try train("cpu", out: straight)
        _ = try train("cpu", out: resumed, extra: ["--epochs", "1"])
        let r = try train("cpu", out: resumed, extra: ["--resume"])
        XCTAssertTrue(r.stderr.contains("resuming"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: resumed.appendingPathComponent("model.safetensors")),
                       try Data(contentsOf: straight.appendingPathComponent("model.safetensors")))
        func strip(_ m: [[String: Any]]) -> [NSDictionary] {
            m.map { var d = $0; d["seconds"] = nil; d["clips_per_second"] = nil; d["bn_statistics_seconds"] = nil; return d as NSDictionary }
        }
        XCTAssertEqual(strip(try metrics(resumed)), strip(try metrics(straight)))
    }

    func testKerasTailValidationHoldsOneClass() throws {
        let out = try tempDir().appendingPathComponent("run")
        _ = try train("cpu", out: out, extra: ["--split", "keras-tail", "--epochs", "1"])
        let confusion = try XCTUnwrap(try metrics(out)[0]["confusion"] as? [[Int]])
        XCTAssertEqual(confusion[0].reduce(0, +), 0, "no metal clip in keras-tail validation")
        XCTAssertGreaterThan(confusion[1].reduce(0, +), 0)
    }

    func testBadInputGivesOneClearLine() throws {
        let unknown = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-polka"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown task 'metal-polka'") && unknown.stderr.contains("rock-country"), unknown.stderr)
        let device = try GCNNBinary.run(["train", "--device", "tpu", "--task", "metal-jazz"])
        XCTAssertNotEqual(device.status, 0)
        XCTAssertTrue(device.stderr.contains("The value 'tpu' is invalid for '--device <device>'") && device.stderr.contains("'opencl:N'"),
                      device.stderr)
        let empty = try tempDir()
        let noGenres = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--data", empty.path])
        XCTAssertNotEqual(noGenres.status, 0)
        XCTAssertTrue(noGenres.stderr.contains(empty.lastPathComponent), noGenres.stderr)
        // A folder that already holds a run is refused, and left as it was.
        let out = try tempDir().appendingPathComponent("run")
        _ = try train("cpu", out: out, extra: ["--epochs", "1"])
        let before = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
        let again = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--out", out.path] + tiny)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)
        let other = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--out", out.path, "--resume", "--lr", "0.01"] + tiny)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("learningRate"), other.stderr)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")), before)
    }
}
