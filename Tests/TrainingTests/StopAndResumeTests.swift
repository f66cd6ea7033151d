import Foundation
import Model
@testable import Training
import XCTest

/// Stopping a run between batches (what Ctrl-C does) and resuming it, in-process on the reference backend:
/// whatever batch it stops after, the resumed run ends bitwise where an uninterrupted one ends.
final class StopAndResumeTests: XCTestCase {
    private func tempDir() throws -> URL { try temporaryFolder("stop") }

    private func clips(count: Int, seed: UInt64) -> LabeledClips { separableClips(count: count, seed: seed) }

    /// 21 training clips in batches of 4: 6 batches an epoch, the last one short.
    private func job(out: URL, epochs: Int, resume: Bool) -> TrainingJob {
        TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(count: 21, seed: 1),
                    validation: clips(count: 10, seed: 2), split: .stratified, valFraction: 0.3, seed: 7, epochs: epochs,
                    network: NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 4, maxBatch: 4),
                    features: [:], out: out, resume: resume)
    }

    private func strip(_ r: EpochRecord) -> EpochRecord { var r = r; r.seconds = 0; r.clips_per_second = 0; return r }

    func testStopAfterAnyBatchResumesBitwise() throws {
        let dir = try tempDir()
        let straight = try TrainingRun.run(job(out: dir.appendingPathComponent("straight"), epochs: 3, resume: false),
                                           backend: ReferenceBackend(), device: "cpu")
        // After batch 2 of epoch 1, after the last (short) batch of epoch 1 before its validation, and
        // twice in one run: after batch 3 of epoch 2, then after batch 5 of epoch 2 again.
        for stops in [[2], [6], [9, 11]] {
            let out = dir.appendingPathComponent("stopped-\(stops)")
            var resume = false
            for stop in stops {
                var batches = 0
                var events = TrainingEvents()
                events.batch = { _, _, _, _ in batches += 1 }
                events.shouldStop = { batches >= stop - (resume ? stops[0] : 0) }
                let outcome = try TrainingRun.run(job(out: out, epochs: 3, resume: resume), backend: ReferenceBackend(), device: "cpu", events: events)
                let interruption = try XCTUnwrap(outcome.interruption, "\(stops)")
                XCTAssertEqual(interruption.epoch, (stop - 1) / 6 + 1, "\(stops)")
                XCTAssertEqual(interruption.batchesDone, (stop - 1) % 6 + 1, "\(stops)")
                let state = try TrainingState.read(out.appendingPathComponent(TrainingState.fileName))
                XCTAssertEqual(state.epochsDone, interruption.epoch - 1)
                XCTAssertEqual(state.partial?.batchesDone, interruption.batchesDone)
                XCTAssertEqual(state.partial?.losses.count, min(4 * interruption.batchesDone, 21))
                resume = true
            }
            var notices: [String] = []
            var events = TrainingEvents()
            events.notice = { notices.append($0) }
            let resumed = try TrainingRun.run(job(out: out, epochs: 3, resume: true), backend: ReferenceBackend(), device: "cpu", events: events)
            XCTAssertNil(resumed.interruption)
            XCTAssertTrue(notices.contains { $0.contains("after batch") }, "\(notices)")
            XCTAssertEqual(resumed.parameters, straight.parameters, "stopped after \(stops)")
            XCTAssertEqual(resumed.history.map(strip), straight.history.map(strip), "stopped after \(stops)")
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")),
                           try Data(contentsOf: dir.appendingPathComponent("straight/model.safetensors")))
        }
    }

    /// A stop requested before training starts writes nothing beyond config.json and resumes from scratch.
    func testStopBeforeTheFirstBatchWritesNoCheckpoint() throws {
        let out = try tempDir().appendingPathComponent("run")
        var events = TrainingEvents()
        events.shouldStop = { true }
        let outcome = try TrainingRun.run(job(out: out, epochs: 2, resume: false), backend: ReferenceBackend(), device: "cpu", events: events)
        XCTAssertEqual(outcome.interruption, TrainingInterruption(epoch: 1, batchesDone: 0, batches: 6))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(TrainingState.fileName).path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path))
    }

    func testStoppedEpochRoundTripsThroughTheStateFile() throws {
        let url = try tempDir().appendingPathComponent(TrainingState.fileName)
        var parameters = ParameterSet()
        parameters.append(NamedTensor(name: "w", shape: [2], values: [1, -2]))
        let partial = PartialEpoch(batchesDone: 3, losses: [0.5, 0.25, 0.125], probabilities: [0.9, 0.1, 0.4], seconds: 1.5)
        let state = TrainingState(epochsDone: 2, parameters: parameters, adam: AdamState(step: 9, m: parameters, v: parameters),
                                  rng: RandomGenerator(seed: 3).state, history: [], partial: partial)
        try state.write(to: url)
        XCTAssertEqual(try TrainingState.read(url), state)
        // Without a stopped epoch the file holds none of its keys.
        var finished = state
        finished.partial = nil
        try finished.write(to: url)
        XCTAssertEqual(try TrainingState.read(url), finished)
    }

    /// Temporary files of killed writers go when the folder is next opened; a live writer's stays, and so
    /// does anything that is not one of the folder's temporary files.
    func testOpeningAFolderRemovesTemporaryFilesOfDeadWriters() throws {
        let dir = try tempDir()
        var dead = pid_t(Int32.max - 7)
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let stale = ".model.safetensors.tmp-\(dead)-123", live = ".metrics.jsonl.tmp-\(getppid())-456", other = ".notes.tmp-\(dead)-1"
        for name in [stale, live, other] { FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data([1])) }
        RunFolder(dir).removeStaleTemporaryFiles()
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        XCTAssertEqual(left, [live, other])
    }
}
