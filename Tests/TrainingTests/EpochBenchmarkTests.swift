import Foundation
import Model
import Training
import XCTest

/// `gcnn bench epoch`'s library code on a tiny configuration (the reference path, seconds): counts, sane
/// times, the extrapolation and its label, the JSON. No timing is asserted beyond "positive and finite".
final class EpochBenchmarkTests: XCTestCase {
    /// 7 training clips in batches of 4 (a partial last batch), 3 validation clips, 16×21 inputs.
    private let tiny = EpochBenchmarkSetup(trainClips: 7, validationClips: 3,
                                           architecture: .paperVariant(inputHeight: 16, inputWidth: 21),
                                           batchSize: 4, warmupEpochs: 1, timedEpochs: 2, seed: 5)

    func testTinyRunOnCPUReturnsSaneNumbers() throws {
        var lines: [String] = []
        let r = try EpochBenchmark.run(tiny, on: .cpu, progress: { lines.append($0) })
        XCTAssertEqual(r.device, "cpu")
        XCTAssertEqual(r.deviceName, ReferenceBackend().deviceName)
        XCTAssertNil(r.kernels)
        XCTAssertEqual(r.setup, tiny)
        XCTAssertEqual(r.warmup.count, 1)
        XCTAssertEqual(r.epochs.count, 2)
        XCTAssertEqual(lines.count, 3, "one progress line per epoch, warm-up included")
        XCTAssertTrue(lines[0].contains("warm-up"))
        for e in r.warmup + r.epochs {
            XCTAssertGreaterThan(e.trainSeconds, 0)
            XCTAssertGreaterThan(e.validationSeconds, 0)
            XCTAssertTrue(e.trainLoss.isFinite && e.trainLoss > 0)
            XCTAssertGreaterThanOrEqual(e.cpuSeconds, 0)
        }
        XCTAssertGreaterThan(r.uploadSeconds, 0)
        let epochs = r.epochs.map(\.seconds)
        XCTAssertEqual(r.medianEpochSeconds, (epochs[0] + epochs[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(r.trainClipsPerSecond, 7 / r.medianTrainSeconds, accuracy: 1e-9)
        XCTAssertEqual(r.validationClipsPerSecond, 3 / r.medianValidationSeconds, accuracy: 1e-9)
        XCTAssertTrue(r.isExtrapolated)
        XCTAssertEqual(r.paperEpochSeconds, 1120 / r.trainClipsPerSecond + 480 / r.validationClipsPerSecond, accuracy: 1e-9)
        XCTAssertGreaterThan(r.paperEpochSeconds, r.medianEpochSeconds)
    }

    func testSameSeedGivesSameTrainingLosses() throws {
        let a = try EpochBenchmark.run(tiny, on: .cpu), b = try EpochBenchmark.run(tiny, on: .cpu)
        XCTAssertEqual((a.warmup + a.epochs).map(\.trainLoss), (b.warmup + b.epochs).map(\.trainLoss))
    }

    func testJSONCarriesMediansAndRoundTrips() throws {
        let e = [EpochTiming(trainSeconds: 3, validationSeconds: 1, trainLoss: 0.7, cpuSeconds: 6),
                 EpochTiming(trainSeconds: 5, validationSeconds: 2, trainLoss: 0.6, cpuSeconds: 9),
                 EpochTiming(trainSeconds: 4, validationSeconds: 0.5, trainLoss: 0.5, cpuSeconds: 8)]
        let r = EpochBenchmarkResult(device: "opencl:0", deviceName: "dev", kernels: "k", setup: EpochBenchmarkSetup(),
                                     uploadSeconds: 0.1, warmup: [], epochs: e)
        XCTAssertFalse(r.isExtrapolated)
        XCTAssertEqual(r.medianEpochSeconds, 4.5)   // of whole epochs 4, 7, 4.5: not 4 + 1
        XCTAssertEqual(r.medianTrainSeconds, 4)
        XCTAssertEqual(r.medianValidationSeconds, 1)
        XCTAssertEqual(r.medianEpochCPUSeconds, 8)
        XCTAssertEqual(r.paperEpochSeconds, 4.5, "a measured seed's epoch is the median epoch, not a sum of medians")
        let data = try JSONEncoder().encode(EpochBenchmarkReport(results: [r], machine: "m", cores: 2))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let first = try XCTUnwrap((object["results"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["median_epoch_seconds"] as? Double, 4.5)
        XCTAssertEqual(first["extrapolated"] as? Bool, false)
        XCTAssertEqual((first["epochs"] as? [[String: Any]])?.first?["seconds"] as? Double, 4)
        XCTAssertEqual(try JSONDecoder().decode(EpochBenchmarkReport.self, from: data).results, [r])
    }

    func testReferencePathHasNoKernelProfile() throws {
        let r = try EpochBenchmark.run(tiny, on: .cpu, profile: true)
        XCTAssertNil(r.kernelProfile)
        XCTAssertNil(r.kernelProfileTable)
    }

    func testKernelProfileTableAndJSON() throws {
        let e = [EpochTiming(trainSeconds: 0.3, validationSeconds: 0.1, trainLoss: 0.7, cpuSeconds: 0.8)]
        let profile = [KernelTime(kernel: "conv2d_forward_cpu", global: [11, 60, 512], calls: 35, milliseconds: 300),
                       KernelTime(kernel: "adam_step", global: [4160], calls: 35, milliseconds: 100)]
        let r = EpochBenchmarkResult(device: "opencl:0", deviceName: "dev", kernels: "k", setup: EpochBenchmarkSetup(),
                                     uploadSeconds: 0.1, warmup: [], epochs: e, kernelProfile: profile)
        let table = try XCTUnwrap(r.kernelProfileTable).split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 4, "\(table)")
        XCTAssertTrue(table[1].hasPrefix("conv2d_forward_cpu") && table[1].contains("11×60×512")
                      && table[1].contains("300.0") && table[1].hasSuffix("75.0 %"), table[1])
        XCTAssertTrue(table[2].hasSuffix("25.0 %"), table[2])
        XCTAssertTrue(table[3].hasPrefix("kernels 400.0 ms of a 400.0 ms median epoch (100.0 %)"), table[3])
        let data = try JSONEncoder().encode(r)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual((object["kernel_profile_per_epoch"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual(try JSONDecoder().decode(EpochBenchmarkResult.self, from: data), r)
    }

    func testRefusesOptionsOutOfRange() {
        var s = tiny
        s.timedEpochs = 0
        XCTAssertThrowsError(try EpochBenchmark.run(s, on: .cpu)) {
            XCTAssertEqual($0 as? EpochBenchmarkError, .invalid("--epochs must be at least 1"))
        }
        s = tiny
        s.trainClips = 0
        XCTAssertThrowsError(try s.validate())
    }
}
