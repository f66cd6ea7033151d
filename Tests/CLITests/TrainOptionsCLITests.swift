import Foundation
import XCTest

/// `gcnn train`'s optimiser, schedule, early-stopping and class-weight options end to end on a tiny built-in
/// corpus (the reference path and OpenCL): typed values in --help, one-line refusals, the run folder's records.
final class TrainOptionsCLITests: XCTestCase {
    private let tiny = ["--synthetic-tracks", "3", "--clip-seconds", "0.5", "--clips-per-track", "4"]

    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-cli-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testHelpListsTheValues() throws {
        let r = try GCNNBinary.run(["train", "--help"])
        XCTAssertEqual(r.status, 0)
        for text in ["adam, adamw, sgd", "constant, step, cosine, plateau", "none, balanced", "keras, pytorch",
                     "val_loss, val_acc, precision, recall, f1"] {
            XCTAssertTrue(r.stdout.contains(text), "--help lacks \(text)")
        }
    }

    /// Inconsistent options fail before any work, in one line naming the option; the folder is not created.
    func testInconsistentOptionsFailInOneLineNamingTheOption() throws {
        let out = try tempDir().appendingPathComponent("never")
        let cases: [([String], String)] = [
            (["--optimizer", "sgd", "--nesterov"], "--nesterov needs --momentum above 0"),
            (["--weight-decay", "0.1"], "--weight-decay applies to --optimizer adamw"),
            (["--lr-gamma", "0.5"], "--lr-gamma applies to --lr-schedule step, not constant"),
            (["--lr-schedule", "cosine", "--lr-warmup-epochs", "2"], "--lr-warmup-epochs (2) must be below --epochs (2)"),
            (["--patience", "3"], "--patience applies to --early-stop METRIC"),
            (["--early-stop", "val_acc", "--monitor", "val_loss"], "--early-stop val_acc and --monitor val_loss differ"),
            (["--optimizer", "rmsprop"], "rmsprop"),
        ]
        for (arguments, message) in cases {
            let r = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--out", out.path] + tiny + arguments)
            XCTAssertNotEqual(r.status, 0, "\(arguments)")
            let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("Error: ") && first.contains(message), "\(arguments): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(arguments) created the run folder")
        }
    }

    /// SGD with Nesterov momentum, a step schedule, early stopping and balanced class weights on OpenCL (the
    /// reference path runs them in-process, TrainingOptionsRunTests): config.json records them, metrics.jsonl
    /// the rates, best.json / best.safetensors the best.
    func testOptionsReachTheRunFolder() throws {
        let dir = try tempDir()
        for device in ["opencl"] {
            let out = dir.appendingPathComponent(device)
            let r = try GCNNBinary.run(["train", "--device", device, "--task", "metal-jazz", "--out", out.path, "--epochs", "2",
                                        "--optimizer", "sgd", "--lr", "0.01", "--momentum", "0.9", "--nesterov", "--weight-decay", "1e-4",
                                        "--lr-schedule", "step", "--lr-step-epochs", "1", "--lr-gamma", "0.5",
                                        "--early-stop", "val_acc", "--patience", "5", "--class-weight", "balanced"] + tiny)
            if device == "opencl", r.stderr.contains("no OpenCL"),
               ProcessInfo.processInfo.environment["GCNN_REQUIRE_OPENCL"] != "1" { continue }
            XCTAssertEqual(r.status, 0, r.stderr)
            let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
            XCTAssertEqual(config["optimizer"] as? String, "sgd")
            XCTAssertEqual(config["nesterov"] as? Bool, true)
            XCTAssertEqual(config["monitor"] as? String, "val_acc")
            XCTAssertEqual(config["earlyStopPatience"] as? Int, 5)
            XCTAssertEqual(config["classWeight"] as? String, "balanced")
            XCTAssertEqual((config["classWeights"] as? [Double])?.count, 2)
            let schedule = try XCTUnwrap(config["lrSchedule"] as? [String: Any])
            XCTAssertNotNil(schedule["step"], "\(schedule)")
            let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            let lrs = try lines.map { try XCTUnwrap((JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["lr"] as? Double) }
            XCTAssertEqual(lrs.count, 2)
            XCTAssertEqual(lrs[0], 0.01, accuracy: 1e-9); XCTAssertEqual(lrs[1], 0.005, accuracy: 1e-9)
            let best = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("best.json"))) as? [String: Any])
            XCTAssertEqual(best["metric"] as? String, "val_acc")
            XCTAssertNotNil(best["best_epoch"] as? Int)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("best.safetensors").path))
            // Resuming with another optimiser is refused, naming it.
            let again = try GCNNBinary.run(["train", "--device", device, "--task", "metal-jazz", "--out", out.path, "--epochs", "3",
                                            "--resume", "--optimizer", "adamw", "--lr", "0.01",
                                            "--lr-schedule", "step", "--lr-step-epochs", "1", "--lr-gamma", "0.5",
                                            "--early-stop", "val_acc", "--patience", "5", "--class-weight", "balanced"] + tiny)
            XCTAssertNotEqual(again.status, 0)
            XCTAssertTrue(again.stderr.contains("different settings") && again.stderr.contains("optimizer"), again.stderr)
        }
    }
}
