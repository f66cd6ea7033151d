import Foundation
import Model
@testable import Training
import XCTest

/// Tables of seeded experiments: mean ± t-interval per cell, per-seed CSV rows, the study's question.
final class ExperimentTableTests: XCTestCase {
    private func record(epoch: Int, acc: Double, roc: Double? = nil) -> EpochRecord {
        let m = ClassificationMetrics(losses: [0.1, 0.2], probabilities: [0.2, 0.9], labels: [0, 1], classes: 2)
        var r = EpochRecord(epoch: epoch, train: m, validation: m, seconds: 1, trainClips: 2, validationTracks: m)
        r.val_acc = acc
        r.val_roc_auc = roc
        return r
    }

    /// Distinct pairs at 1.0 after epoch 1 with every seed, similar ones at `similar[seed]`.
    private func runs(seeds: Int, similar: [Double]) -> [ExperimentRun] {
        var runs: [ExperimentRun] = []
        for seed in 0..<UInt64(seeds) {
            for split in [SplitProtocol.kerasTail, .stratified] {
                for task in GenreTask.paperTasks {
                    let e1 = Experiments.distinctTasks.contains(task) ? 1.0 : similar[Int(seed)]
                    runs.append(ExperimentRun(task: task, split: split, seed: seed, recipe: Experiments.recipe(for: split),
                                              history: [record(epoch: 1, acc: e1, roc: split == .kerasTail ? nil : 0.9), record(epoch: 2, acc: 1)]))
                }
            }
        }
        return runs
    }

    func testTheQuestionIsAnsweredWithAnIntervalAndAnExactTest() {
        let all = runs(seeds: 5, similar: [0.8, 0.9, 0.85, 0.7, 0.95])
        let q = Experiments.question(all, split: .stratified)
        XCTAssertEqual(q.seeds, [0, 1, 2, 3, 4])
        XCTAssertEqual(q.difference.values.map { ($0 * 1000).rounded() / 1000 }, [0.2, 0.1, 0.15, 0.3, 0.05])
        XCTAssertEqual(q.pValue, 1.0 / 32, "all five differences positive: only the identity flip reaches the observed sum")
        let table = Experiments.paperMarkdown(all)
        XCTAssertTrue(table.contains("| stratified | pop-hiphop | similar | 5 | 0.840 ± 0.119 |"), table)
        XCTAssertTrue(table.contains("| stratified | 5 | 0.160 ± 0.119 | +0.200, +0.100, +0.150, +0.300, +0.050 | 0.0312 | yes |"), table)
        XCTAssertTrue(table.contains("| keras-tail | hiphop-classical | distinct | 5 | 1.000 ± 0.000 | 1.000 ± 0.000 | 0.000 ± 0.000 |"), table)
        XCTAssertTrue(table.contains("| – |"), "keras-tail has no ROC-AUC: \(table)")
        let csv = Experiments.paperCSV(all).split(separator: "\n")
        XCTAssertEqual(csv.count, 1 + 5 * 8 * 2, "one row per seed, cell and epoch")
        XCTAssertTrue(csv[0].hasPrefix("split,recipe,task,seed,epoch,"))
        XCTAssertTrue(csv[1].hasPrefix("keras-tail,seed,hiphop-classical,0,1,"), String(csv[1]))
    }

    func testTooFewSeedsAreUndecidedAndOneSeedHasNoInterval() {
        let two = runs(seeds: 2, similar: [0.8, 0.9])
        XCTAssertTrue(Experiments.paperMarkdown(two).contains("| 0.2500 | undecided"), Experiments.paperMarkdown(two))
        let one = Experiments.paperMarkdown(runs(seeds: 1, similar: [0.8]))
        XCTAssertTrue(one.contains("| stratified | pop-hiphop | similar | 1 | 0.800 | 1.000 |"), one)
    }

    func testPairsAverageOverSeeds() {
        let genres = ["blues", "jazz", "rock"]
        var all: [ExperimentRun] = []
        for (seed, acc) in [(UInt64(0), 0.8), (1, 0.95)] {
            all.append(ExperimentRun(task: "blues-jazz", split: .stratified, seed: seed, recipe: .default,
                                     history: [record(epoch: 1, acc: acc), record(epoch: 2, acc: acc)]))
        }
        let (acc, epochs) = Experiments.pairMatrices(all, genres: genres)
        XCTAssertEqual(acc[0][1]!, 0.875, accuracy: 1e-12)
        XCTAssertEqual(acc[1][0]!, 0.875, accuracy: 1e-12)
        XCTAssertNil(epochs[0][1], "the seeds' mean curve stays below 0.9")
        XCTAssertNil(acc[0][2])
        let csv = Experiments.pairsCSV(all, genres: genres)
        XCTAssertTrue(csv.contains("blues,jazz,0,0.8,,") && csv.contains("blues,jazz,1,0.95,1,"), csv)
        XCTAssertTrue(Experiments.pairsMarkdown(all, genres: genres).contains("| blues–jazz | 2 | 0.875 ± 0.953 |"))
    }

    func testSeedsGoToTheirOwnFolders() {
        var request = ExperimentRequest(seed: 3, seeds: 2, out: URL(fileURLWithPath: "/x"))
        XCTAssertEqual(request.seedList, [3, 4])
        XCTAssertEqual(Experiments.folder(request, task: "metal-jazz", split: .kerasTail, seed: 4).path, "/x/keras-tail/metal-jazz/seed-4")
        request.seeds = 0
        XCTAssertEqual(request.seedList, [])
        XCTAssertEqual(Experiments.recipe(for: .kerasTail), .seed)
        XCTAssertEqual(Experiments.recipe(for: .stratified), .default)
    }
}

extension ExperimentTableTests {
    /// `--tables-only` reads a cell's finished epochs back from its metrics.jsonl.
    func testFinishedEpochsAreReadBackFromTheRunFolder() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-exp-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let request = ExperimentRequest(seeds: 2, out: out)
        let folder = Experiments.folder(request, task: "metal-jazz", split: .stratified, seed: 1)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let records = [record(epoch: 1, acc: 0.75, roc: 0.8), record(epoch: 2, acc: 0.5)]
        try (records.map(\.jsonLine).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("metrics.jsonl"),
                                                                         atomically: true, encoding: .utf8)
        let runs = try Experiments.paper(request, events: TrainingEvents(), training: false)
        XCTAssertEqual(runs.count, 1)
        XCTAssertEqual(runs.first?.seed, 1)
        XCTAssertEqual(runs.first?.recipe, .default)
        XCTAssertEqual(runs.first?.history.map(\.val_acc), [0.75, 0.5])
        XCTAssertEqual(runs.first?.history.first?.val_roc_auc, 0.8)
        XCTAssertEqual(runs.first?.history.first?.val_track_acc, 1)
    }
}

extension ExperimentTableTests {
    /// `--tables-only` parses metrics.jsonl files back: mutants of a valid one never crash, and every run
    /// read back holds only epochs that decoded.
    func testMetricsFileFuzz() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-exp-fuzz-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let request = ExperimentRequest(seeds: 1, out: out)
        let folder = Experiments.folder(request, task: "metal-jazz", split: .stratified, seed: 0)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let valid = [record(epoch: 1, acc: 0.75, roc: 0.8), record(epoch: 2, acc: 0.5)].map(\.jsonLine).joined(separator: "\n") + "\n"
        var mutator = ByteMutator(seed: 13, seeds: [Array(valid.utf8)])
        var readBack = 0
        for _ in 0..<500 {
            try Data(mutator.mutant()).write(to: folder.appendingPathComponent("metrics.jsonl"))
            if let run = Experiments.finished(task: "metal-jazz", split: .stratified, seed: 0, recipe: .default, request) {
                XCTAssertFalse(run.history.isEmpty)
                readBack += 1
            }
        }
        XCTAssertGreaterThan(readBack, 0, "some mutants keep a decodable line")
        _ = Experiments.paperMarkdown(try Experiments.paper(request, events: TrainingEvents(), training: false))
    }
}
