import CLRuntime
import Foundation
import Model
@testable import Training
import XCTest

/// Augmented training on OpenCL against the reference path: the same crops bit for bit, and the same run within
/// float32 tolerance (both backends apply the same per-epoch tables).
final class AugmentationOpenCLTests: XCTestCase {
    private func openCL() throws -> OpenCLBackend {
        do {
            let devices = try CLDevice.all()
            guard let device = devices.first(where: { $0.kind == .gpu }) ?? devices.first else { throw CLError.noDevice("no device") }
            return try OpenCLBackend(device: device)
        } catch CLError.noPlatform, CLError.noDevice {
            if ProcessInfo.processInfo.environment["GCNN_REQUIRE_OPENCL"] == "1" {
                XCTFail("GCNN_REQUIRE_OPENCL=1 but no OpenCL device is usable")
            }
            throw XCTSkip("no OpenCL device; set GCNN_REQUIRE_OPENCL=1 to make this a failure")
        }
    }

    private let (mels, frames) = (16, 21)

    private func job(out: URL) -> TrainingJob {
        var rng = RandomGenerator(seed: 1)
        func clips(_ n: Int) -> LabeledClips {
            var x: [Float] = []
            for i in 0..<n { for r in 0..<mels { for _ in 0..<frames { x.append(rng.uniform(-1, 1) + (i % 2 == 1 && r < 8 ? 2 : 0)) } } }
            return LabeledClips(features: x, labels: (0..<n).map { $0 % 2 }, clipLength: mels * frames)
        }
        var job = TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(21), validation: clips(10),
                              split: .stratified, valFraction: 0.3, seed: 7, epochs: 2,
                              network: NetworkConfig.paper(inputHeight: mels, inputWidth: frames, filters: 4, maxBatch: 4),
                              features: [:], out: out, resume: false)
        let lengths = (0..<7).map { 30 + 3 * $0 }, stride = lengths.max()!
        var values = [Float](repeating: 0, count: 7 * mels * stride)
        for i in values.indices { values[i] = rng.uniform(-3, 1) }
        job.crops = CropSource(mels: mels, trackStride: stride, trackFrames: lengths, values: values,
                               clipTracks: (0..<21).map { $0 % 7 }, topDB: 2.5)
        job.augmentation = AugmentationConfig(randomCrop: true,
                                              specAugment: SpecAugmentConfig(frequencyWidth: 4, frequencyMasks: 2, timeWidth: 5, timeMasks: 1),
                                              mixupAlpha: 0.4)
        return job
    }

    func testCropsAreBitwiseAndTrainingMatchesTheReference() throws {
        let device = try openCL()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-augment-cl-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        // The first batch of epoch 1, cropped only, on both backends.
        func cropped<B: Backend>(_ backend: B) throws -> [Float] {
            let j = job(out: dir)
            var config = j.augmentation!
            config.specAugment = nil; config.mixupAlpha = nil
            let augmenter = try Augmenter(backend: backend, config: config, crops: j.crops, seed: 7, clips: 21, batchSize: 4,
                                          mels: mels, frames: frames, classes: 1)
            try augmenter.beginEpoch(1)
            let order = try backend.makeIndexBuffer((0..<21).map { Int32(20 - $0) }, label: "order")
            let x = try backend.makeBuffer(j.train.features, label: "x"), y = try backend.makeBuffer(j.train.labels.map(Float.init), label: "y")
            let bx = try backend.makeBuffer(count: 4 * mels * frames, label: "bx"), by = try backend.makeBuffer(count: 4, label: "by")
            let (out, _) = try augmenter.batch(1, start: 4, rows: 4, order: order, clipsX: x, clipsY: y, batchX: bx, batchY: by)
            return try backend.read(out, offset: 0, count: 4 * mels * frames)
        }
        XCTAssertEqual(try cropped(device).map(\.bitPattern), try cropped(ReferenceBackend()).map(\.bitPattern))

        let onDevice = try TrainingRun.run(job(out: dir.appendingPathComponent("cl")), backend: device, device: "opencl")
        let onHost = try TrainingRun.run(job(out: dir.appendingPathComponent("ref")), backend: ReferenceBackend(), device: "cpu")
        for (a, b) in zip(onDevice.parameters.tensors, onHost.parameters.tensors) {
            XCTAssertEqual(a.name, b.name)
            let scale = max(b.values.map { abs($0) }.max() ?? 0, 1e-6)
            let error = zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(error / scale, 1e-4, "\(a.name): max abs error \(error)")
        }
        XCTAssertEqual(onDevice.parameters.tensors.count, onHost.parameters.tensors.count)
        for (a, b) in zip(onDevice.history, onHost.history) {
            XCTAssertEqual(a.train_loss, b.train_loss, accuracy: 1e-4 * max(1, abs(b.train_loss)))
        }
    }
}
