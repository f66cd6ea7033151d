import Foundation
import Model
import Training
import XCTest

/// The training loop on the reference backend at a small input size: files, metrics, exact resumption.
final class TrainingRunTests: XCTestCase {
    private func tempDir() throws -> URL { try temporaryFolder("train") }

    /// Two separable classes of 16×21 "spectrograms": class 1 has a bright band in its upper half.
    private func clips(count: Int, seed: UInt64) -> LabeledClips { separableClips(count: count, seed: seed) }

    private func job(out: URL, epochs: Int, resume: Bool = false, lr: Float = 1e-3,
                     architecture: Architecture = .paperVariant(inputHeight: 16, inputWidth: 21, filters: 4)) -> TrainingJob {
        TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(count: 21, seed: 1),
                    validation: clips(count: 10, seed: 2), split: .stratified, valFraction: 0.3, seed: 7, epochs: epochs,
                    network: NetworkConfig(architecture: architecture, adam: AdamConfig(learningRate: lr), maxBatch: 4, seed: 7),
                    features: [:], out: out, resume: resume)
    }

    /// Every layer type but the global poolings (conv same/valid, non-square, batch norm on maps and features,
    /// ReLU, max and overlapping average pooling, dropout on maps and features, flatten, dense + ReLU).
    static let everyLayer = try! Architecture.parse("""
        {"name": "toy-every-layer", "input": [16, 21], "layers": [
          {"type": "conv2d", "filters": 3, "kernel": [3, 5], "padding": "same"},
          {"type": "batchnorm", "momentum": 0.9}, {"type": "relu"}, {"type": "maxpool", "size": 2},
          {"type": "conv2d", "filters": 4, "kernel": 4, "padding": "same", "activation": "relu"},
          {"type": "avgpool", "size": [2, 3], "stride": [1, 2]}, {"type": "dropout", "rate": 0.25}, {"type": "flatten"},
          {"type": "dense", "units": 6, "activation": "relu"}, {"type": "batchnorm"}, {"type": "dropout", "rate": 0.5},
          {"type": "dense"}]}
        """, source: "toy-every-layer")

    /// A network with dropout stopped after one epoch and resumed ends bitwise where an uninterrupted run
    /// ends (masks are keyed by seed, layer and step, not drawn from a stream), and its folder records the spec.
    func testSpecWithDropoutResumesBitwiseAndIsRecorded() throws {
        let dir = try tempDir()
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let straight = try TrainingRun.run(job(out: a, epochs: 3, architecture: Self.everyLayer), backend: ReferenceBackend(), device: "cpu")
        _ = try TrainingRun.run(job(out: b, epochs: 1, architecture: Self.everyLayer), backend: ReferenceBackend(), device: "cpu")
        let resumed = try TrainingRun.run(job(out: b, epochs: 3, resume: true, architecture: Self.everyLayer),
                                          backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(resumed.parameters, straight.parameters)
        XCTAssertNotEqual(straight.history.first?.train_loss, straight.history.last?.train_loss)
        let recorded = try String(contentsOf: b.appendingPathComponent("architecture.json"), encoding: .utf8)
        XCTAssertEqual(try Architecture.parse(recorded, source: "architecture.json"), Self.everyLayer)
        let loaded = try ModelCheckpoint.read(b.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(loaded.architecture, Self.everyLayer)
        XCTAssertEqual(loaded.parameters, straight.parameters)
        XCTAssertThrowsError(try TrainingRun.run(job(out: b, epochs: 4, resume: true), backend: ReferenceBackend(), device: "cpu")) {
            XCTAssertEqual($0 as? RunFolderError,
                           .configMismatch(path: b.path, settings: ["architecture ('toy-every-layer', now 'paper')"]))
        }
    }

    func testRunWritesEveryFileAndLearns() throws {
        let out = try tempDir().appendingPathComponent("run")
        var records: [EpochRecord] = []
        var events = TrainingEvents()
        events.epoch = { records.append($0) }
        let outcome = try TrainingRun.run(job(out: out, epochs: 4, lr: 3e-3), backend: ReferenceBackend(), device: "cpu", events: events)
        XCTAssertEqual(records.map(\.epoch), [1, 2, 3, 4])
        for name in ["config.json", "metrics.jsonl", "model.safetensors", "training-state.safetensors", "confusion.txt",
                     "confusion.svg", "learning-curves.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "precision", "recall", "f1", "seconds"] {
                XCTAssertNotNil(object[key], key)
            }
            for key in ["train_acc", "val_acc", "precision", "recall", "f1"] {
                let v = try XCTUnwrap(object[key] as? Double)
                XCTAssertTrue((0...1).contains(v), "\(key) = \(v)")
            }
        }
        XCTAssertLessThan(records.last!.train_loss, records.first!.train_loss)
        XCTAssertEqual(records.last!.confusion.joined().reduce(0, +), 10)
        // The checkpoint reads back as the network it came from.
        let loaded = try ModelCheckpoint.read(out.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(loaded.parameters, outcome.parameters)
        XCTAssertEqual(loaded.labels, ["a", "b"])
        XCTAssertEqual(loaded.config.architecture, job(out: out, epochs: 1).network.architecture)
        XCTAssertEqual(loaded.config.classes, 1)
    }

    /// An interrupted run resumed to the same number of epochs ends bitwise where an uninterrupted one does.
    func testResumeEqualsUninterruptedRunBitwise() throws {
        let dir = try tempDir()
        let straight = try TrainingRun.run(job(out: dir.appendingPathComponent("a"), epochs: 3), backend: ReferenceBackend(), device: "cpu")
        _ = try TrainingRun.run(job(out: dir.appendingPathComponent("b"), epochs: 1), backend: ReferenceBackend(), device: "cpu")
        let resumed = try TrainingRun.run(job(out: dir.appendingPathComponent("b"), epochs: 3, resume: true), backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(resumed.parameters, straight.parameters)
        func strip(_ r: EpochRecord) -> EpochRecord { var r = r; r.seconds = 0; r.clips_per_second = 0; return r }
        XCTAssertEqual(resumed.history.map(strip), straight.history.map(strip))
        let state = try TrainingState.read(dir.appendingPathComponent("b/training-state.safetensors"))
        XCTAssertEqual(state.epochsDone, 3)
    }

    func testNewRunRefusesAnOccupiedFolderAndResumeRefusesOtherSettings() throws {
        let out = try tempDir().appendingPathComponent("run")
        _ = try TrainingRun.run(job(out: out, epochs: 1), backend: ReferenceBackend(), device: "cpu")
        let before = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 1), backend: ReferenceBackend(), device: "cpu")) {
            XCTAssertEqual($0 as? RunFolderError, .occupied(path: out.path))
        }
        XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, resume: true, lr: 5e-3), backend: ReferenceBackend(), device: "cpu")) {
            XCTAssertEqual($0 as? RunFolderError, .configMismatch(path: out.path, settings: ["learningRate"]))
        }
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")), before, "a refused run must not touch the folder")
    }

    func testNonFiniteLossStopsWithoutWritingACheckpoint() throws {
        // An absurd learning rate makes the loss overflow within the first epoch.
        let out = try tempDir().appendingPathComponent("bad")
        XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, lr: 1e30), backend: ReferenceBackend(), device: "cpu")) { error in
            guard case TrainingError.nonFiniteLoss(epoch: 1, phase: "training") = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    }
}
