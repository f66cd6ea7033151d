import Foundation
import Audio
import Model
@testable import Training
import XCTest

/// Precise BN: the running statistics become the example-weighted averages of the batch statistics over
/// the training set under the final weights; training itself is untouched; a stopped and resumed run still
/// ends bitwise where an uninterrupted one ends. And per-epoch track-level metrics.
final class PreciseBatchNormTests: XCTestCase {
    private func clips(count: Int, seed: UInt64) -> LabeledClips {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = []
        for i in 0..<count { for r in 0..<16 { for _ in 0..<17 { x.append(rng.uniform(-1, 1) + (i % 2 == 1 && r < 8 ? 2 : 0)) } } }
        return LabeledClips(features: x, labels: (0..<count).map { $0 % 2 }, clipLength: 16 * 17)
    }

    private let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 17, filters: 3, maxBatch: 4)

    private func network() throws -> Network<ReferenceBackend> {
        var rng = RandomGenerator(seed: 5)
        return try Network(backend: ReferenceBackend(), config: config, parameters: try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng))
    }

    private func statistics(_ net: Network<ReferenceBackend>) throws -> (mean: [Float], variance: [Float]) {
        let p = try net.parameters()
        return (try XCTUnwrap(p["bn1.running_mean"]).values, try XCTUnwrap(p["bn1.running_var"]).values)
    }

    func testAccumulationIsTheExampleWeightedMeanOfBatchStatistics() throws {
        let data = clips(count: 7, seed: 1)
        let backend = ReferenceBackend()
        // Each batch alone (clipsBefore 0 replaces the statistics): batches of 4 and 3 clips.
        var single: [(mean: [Float], variance: [Float])] = []
        for (start, rows) in [(0, 4), (4, 3)] {
            let net = try network()
            let x = try backend.makeBuffer(Array(data.features[start * data.clipLength..<(start + rows) * data.clipLength]), label: "x")
            try net.accumulateBatchNormStatistics(input: x, batch: rows, clipsBefore: 0)
            single.append(try statistics(net))
        }
        XCTAssertNotEqual(single[0].mean, single[1].mean, "the two batches must differ for the test to mean anything")
        let net = try network()
        let before = try net.parameters()
        let trainer = try Trainer(network: net, train: data, validation: clips(count: 2, seed: 2), batchSize: 4)
        try trainer.estimateBatchNormStatistics()
        let both = try statistics(net)
        for c in both.mean.indices {
            XCTAssertEqual(both.mean[c], (4 * single[0].mean[c] + 3 * single[1].mean[c]) / 7, accuracy: 1e-6)
            XCTAssertEqual(both.variance[c], (4 * single[0].variance[c] + 3 * single[1].variance[c]) / 7, accuracy: 1e-5)
        }
        // Nothing else moved: weights, γ, β, num_batches_tracked, Adam's step.
        let after = try net.parameters()
        for t in before.tensors where !t.name.hasPrefix("bn1.running") {
            XCTAssertEqual(after[t.name]?.values, t.values, t.name)
        }
        XCTAssertEqual(net.step, 0)
    }

    private func job(out: URL, epochs: Int, statistics: BatchNormStatistics, resume: Bool = false) -> TrainingJob {
        var job = TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(count: 16, seed: 3),
                              validation: clips(count: 8, seed: 4), split: .stratified, valFraction: 0.3, seed: 1, epochs: epochs,
                              network: config, features: [:], out: out, resume: resume)
        job.batchNormStatistics = statistics
        job.validationTracks = (0..<8).map { "track\($0 / 4)" }
        return job
    }

    private func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-precise-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTrainingIsUnchangedAndValidationUsesTheEstimate() throws {
        let dir = tempDir()
        let running = try TrainingRun.run(job(out: dir.appendingPathComponent("r"), epochs: 2, statistics: .running),
                                          backend: ReferenceBackend(), device: "cpu")
        let precise = try TrainingRun.run(job(out: dir.appendingPathComponent("p"), epochs: 2, statistics: .precise),
                                          backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(running.history.map(\.train_loss), precise.history.map(\.train_loss), "training must not depend on the statistics")
        for t in running.parameters.tensors where !t.name.hasPrefix("bn1.running") {
            XCTAssertEqual(precise.parameters[t.name]?.values, t.values, t.name)
        }
        XCTAssertNotEqual(precise.parameters["bn1.running_mean"]?.values, running.parameters["bn1.running_mean"]?.values)
        XCTAssertNotEqual(precise.history.map(\.val_loss), running.history.map(\.val_loss))
        // The recorded settings say which.
        let config = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: dir.appendingPathComponent("p/config.json")))
        XCTAssertEqual(config.batchNormStatistics, "precise")
        // Track level each epoch: 2 tracks of 4 clips.
        let last = try XCTUnwrap(precise.history.last)
        XCTAssertNotNil(last.val_track_acc)
        XCTAssertTrue([0, 0.5, 1].contains(last.val_track_acc!), "\(last.val_track_acc!)")
        let line = try String(contentsOf: dir.appendingPathComponent("p/metrics.jsonl"), encoding: .utf8)
        for key in ["val_roc_auc", "val_pr_auc", "val_track_acc", "val_track_f1", "val_track_roc_auc", "val_track_pr_auc"] {
            XCTAssertTrue(line.contains("\"\(key)\":"), key)
        }
    }

    func testAPreciseRunResumesBitwise() throws {
        let dir = tempDir()
        let straight = try TrainingRun.run(job(out: dir.appendingPathComponent("a"), epochs: 3, statistics: .precise),
                                           backend: ReferenceBackend(), device: "cpu")
        _ = try TrainingRun.run(job(out: dir.appendingPathComponent("b"), epochs: 1, statistics: .precise), backend: ReferenceBackend(), device: "cpu")
        let resumed = try TrainingRun.run(job(out: dir.appendingPathComponent("b"), epochs: 3, statistics: .precise, resume: true),
                                          backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(resumed.parameters, straight.parameters)
        func strip(_ r: EpochRecord) -> EpochRecord {
            var r = r; r.seconds = 0; r.clips_per_second = 0; r.bn_statistics_seconds = nil; return r
        }
        XCTAssertEqual(resumed.history.map(strip), straight.history.map(strip))
        XCTAssertNotNil(straight.history.last?.bn_statistics_seconds)
    }

    func testTrackMetricsAverageEachTracksClips() {
        // Track t0 (label 0): clips 0.2, 0.9 → mean 0.55 → called 1 (wrong); t1 (label 1): 0.8, 0.7 → right.
        let m = TrackMetrics.metrics(probabilities: [0.2, 0.8, 0.9, 0.7], labels: [0, 1, 0, 1], tracks: ["t0", "t1", "t0", "t1"], classes: 2)
        XCTAssertEqual(m.accuracy, 0.5)
        XCTAssertEqual(m.confusion.counts, [[0, 1], [0, 1]])
        XCTAssertEqual(m.rocAUC, 1, "0.75 > 0.55")
        XCTAssertEqual(m.loss, (-log(0.45) - log(0.75)) / 2, accuracy: 1e-6)
    }
}

/// The recipes' settings, and a request's explicit options over them.
final class TrainingRecipeTests: XCTestCase {
    func testRecipesAndOverrides() {
        XCTAssertEqual(TrainingRecipe.seed.split, .kerasTail)
        XCTAssertEqual(TrainingRecipe.seed.batchNormStatistics, .running)
        XCTAssertEqual(TrainingRecipe.seed.melRecipe, .seed)
        XCTAssertEqual(TrainingRecipe.default.split, .stratified)
        XCTAssertEqual(TrainingRecipe.default.batchNormStatistics, .precise)
        XCTAssertEqual(TrainingRecipe.default.melRecipe, .librosa)
        var request = TrainingRequest(task: "metal-jazz")
        request.recipe = .seed
        XCTAssertEqual(request.resolvedMelRecipe, .seed)
        request.melRecipe = .librosa
        XCTAssertEqual(request.resolvedMelRecipe, .librosa)
        XCTAssertNil(request.split, "no explicit split: the recipe's")
    }
}
