import Foundation
import Model
@testable import Training
import XCTest

/// The warm-up notice: a run whose BatchNorm running statistics still hold much of their initial values
/// when it validates says so once; a run whose statistics have warmed up says nothing.
final class BatchNormWarmUpTests: XCTestCase {
    func testRemainingShareOfTheInitialStatistics() {
        // The seed's setup: 35 batches an epoch.
        XCTAssertEqual(BatchNormWarmUp.remaining(momentum: 0.99, steps: 35), 0.7034, accuracy: 1e-4)
        XCTAssertEqual(BatchNormWarmUp.remaining(momentum: 0.99, steps: 70), 0.4948, accuracy: 1e-4)
        XCTAssertEqual(BatchNormWarmUp.remaining(momentum: 0.9, steps: 35), 0.0250, accuracy: 1e-4)
        XCTAssertEqual(BatchNormWarmUp.remaining(momentum: 0, steps: 1), 0)
        let note = BatchNormWarmUp.notice(momentum: 0.99, steps: 35)
        XCTAssertTrue(note?.contains("after 35 batches") == true && note?.contains("hold 70 %") == true, note ?? "nil")
        XCTAssertFalse(note?.contains("\n") ?? true)
        XCTAssertNil(BatchNormWarmUp.notice(momentum: 0.9, steps: 35))
        XCTAssertNil(BatchNormWarmUp.notice(momentum: 0.99, steps: 300), "0.99^300 ≈ 0.049: warmed up")
        XCTAssertNotNil(BatchNormWarmUp.notice(momentum: 0.99, steps: 298))
    }

    private func clips(count: Int) -> LabeledClips {
        var rng = RandomGenerator(seed: 3)
        var x: [Float] = []
        for i in 0..<count { for r in 0..<16 { for _ in 0..<17 { x.append(rng.uniform(-1, 1) + (i % 2 == 1 && r < 8 ? 2 : 0)) } } }
        return LabeledClips(features: x, labels: (0..<count).map { $0 % 2 }, clipLength: 16 * 17)
    }

    private func notices(momentum: Float) throws -> [String] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-warmup-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let job = TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(count: 8),
                              validation: clips(count: 4), split: .stratified, valFraction: 0.3, seed: 1, epochs: 2,
                              network: NetworkConfig.paper(inputHeight: 16, inputWidth: 17, filters: 2,
                                                      batchNorm: BatchNormConfig(momentum: momentum), maxBatch: 4),
                              features: [:], out: out, resume: false)
        var said: [String] = []
        var events = TrainingEvents()
        events.notice = { said.append($0) }
        _ = try TrainingRun.run(job, backend: ReferenceBackend(), device: "cpu", events: events)
        return said.filter { $0.contains("BatchNorm's running statistics") }
    }

    func testARunSaysOnceWhileValidationLeansOnColdStatistics() throws {
        let cold = try notices(momentum: 0.99)
        XCTAssertEqual(cold.count, 1, "\(cold)")
        XCTAssertTrue(cold.first?.hasPrefix("note: after 2 batches") == true, "\(cold)")
        XCTAssertEqual(try notices(momentum: 0.1), [])
    }
}
