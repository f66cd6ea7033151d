import Foundation
import Model
@testable import Training
import XCTest

/// Training with data augmentation on the reference path: the tables each epoch draws, what the batches hold,
/// exact resumption, and the run folder's record of the setting.
final class AugmentationTrainingTests: XCTestCase {
    private func tempDir() throws -> URL { try temporaryFolder("augment") }

    private let (mels, frames) = (16, 21)

    private func clips(count: Int, seed: UInt64) -> LabeledClips { separableClips(count: count, seed: seed, mels: mels, frames: frames) }

    /// 7 tracks of 30–48 frames (different lengths, so the padding stride matters), 3 training clips each.
    private func crops() -> CropSource {
        var rng = RandomGenerator(seed: 3)
        let lengths = (0..<7).map { 30 + 3 * $0 }, stride = lengths.max()!
        var values = [Float](repeating: .nan, count: 7 * mels * stride)
        for (k, n) in lengths.enumerated() {
            for m in 0..<mels { for t in 0..<n { values[(k * mels + m) * stride + t] = rng.uniform(-3, 1) + (k % 2 == 1 && m < 8 ? 2 : 0) } }
        }
        return CropSource(mels: mels, trackStride: stride, trackFrames: lengths, values: values,
                          clipTracks: (0..<21).map { $0 % 7 }, topDB: 2.5)
    }

    private let everything = AugmentationConfig(randomCrop: true,
                                                specAugment: SpecAugmentConfig(frequencyWidth: 4, frequencyMasks: 2, timeWidth: 5, timeMasks: 1),
                                                mixupAlpha: 0.4)

    /// 21 training clips in batches of 4: 6 batches an epoch, the last one short.
    private func job(out: URL, epochs: Int, resume: Bool, augmentation: AugmentationConfig?, classes: Int = 1) -> TrainingJob {
        var train = clips(count: 21, seed: 1), validation = clips(count: 10, seed: 2)
        if classes > 2 {
            train.labels = train.labels.indices.map { $0 % classes }
            validation.labels = validation.labels.indices.map { $0 % classes }
        }
        var job = TrainingJob(task: "toy", labels: (0..<max(classes, 2)).map { "g\($0)" }, data: "toy", dataHash: "0",
                              train: train, validation: validation, split: .stratified, valFraction: 0.3, seed: 7,
                              epochs: epochs,
                              network: NetworkConfig.paper(inputHeight: mels, inputWidth: frames, filters: 4, classes: classes, maxBatch: 4),
                              features: [:], out: out, resume: resume)
        job.augmentation = augmentation
        if augmentation?.randomCrop == true { job.crops = crops() }
        return job
    }

    private func strip(_ r: EpochRecord) -> EpochRecord { var r = r; r.seconds = 0; r.clips_per_second = 0; return r }

    func testTablesFollowTheirDefinitions() {
        let source = crops()
        let t1 = AugmentationTables.draw(config: everything, crops: source, seed: 7, epoch: 1, clips: 21, batchSize: 4,
                                         mels: mels, frames: frames)
        XCTAssertEqual(t1, AugmentationTables.draw(config: everything, crops: source, seed: 7, epoch: 1, clips: 21, batchSize: 4,
                                                   mels: mels, frames: frames))
        let t2 = AugmentationTables.draw(config: everything, crops: source, seed: 7, epoch: 2, clips: 21, batchSize: 4,
                                         mels: mels, frames: frames)
        XCTAssertNotEqual(t1.cropStarts, t2.cropStarts, "a new window every epoch")
        for (c, start) in t1.cropStarts.enumerated() {
            let track = c % 7, offset = Int(start) - track * mels * source.trackStride
            XCTAssertTrue((0...(source.trackFrames[track] - frames)).contains(offset), "clip \(c): window at frame \(offset)")
        }
        XCTAssertEqual(t1.masks.count, 21 * 2 * 3)
        for c in 0..<21 {
            let m = Array(t1.masks[(c * 6)..<(c * 6 + 6)]).map(Int.init)
            for k in 0..<2 { XCTAssertTrue(m[2 * k + 1] <= 4 && m[2 * k] + m[2 * k + 1] <= mels, "\(m)") }
            XCTAssertTrue(m[5] <= 5 && m[4] + m[5] <= frames, "\(m)")
        }
        XCTAssertEqual(t1.lambdas.count, 6)
        XCTAssertTrue(t1.lambdas.allSatisfy { $0 >= 0 && $0 <= 1 })
        for b in 0..<6 {
            let rows = min(4, 21 - 4 * b)
            XCTAssertEqual(Set(t1.partners[(4 * b)..<(4 * b + rows)]), Set((0..<Int32(rows)).map { $0 }), "batch \(b) partners are a permutation")
        }
    }

    /// The batches the augmenter builds are the crops, masks and mixes of the tables, computed here by hand.
    func testBatchesAreTheTablesApplied() throws {
        let backend = ReferenceBackend(), source = crops()
        let train = clips(count: 21, seed: 1)
        let augmenter = try Augmenter(backend: backend, config: everything, crops: source, seed: 7, clips: 21, batchSize: 4,
                                      mels: mels, frames: frames, classes: 1)
        try augmenter.beginEpoch(3)
        let order: [Int32] = (0..<21).reversed().map { $0 }
        let orderBuffer = try backend.makeIndexBuffer(order, label: "order")
        let x = try backend.makeBuffer(train.features, label: "x"), y = try backend.makeBuffer(train.labels.map(Float.init), label: "y")
        let bx = try backend.makeBuffer(count: 4 * mels * frames, label: "bx"), by = try backend.makeBuffer(count: 4, label: "by")
        let b = 2, start = 8, rows = 4
        let (mx, my) = try augmenter.batch(b, start: start, rows: rows, order: orderBuffer, clipsX: x, clipsY: y, batchX: bx, batchY: by)
        let t = augmenter.tables, per = mels * frames
        var expected: [[Float]] = []
        for r in 0..<rows {
            let slot = Int(order[start + r])
            var w = (0..<mels).flatMap { m in (0..<frames).map { source.values[Int(t.cropStarts[slot]) + m * source.trackStride + $0] } }
            let floor = w.max()! - 2.5
            w = w.map { max($0, floor) }
            let mean = Float(w.reduce(0.0) { $0 + Double($1) } / Double(per))
            let m = t.masks[(slot * 6)..<(slot * 6 + 6)].map(Int.init)
            for band in 0..<mels {
                for f in 0..<frames {
                    let masked = (0..<2).contains { band >= m[2 * $0] && band < m[2 * $0] + m[2 * $0 + 1] } || (f >= m[4] && f < m[4] + m[5])
                    if masked { w[band * frames + f] = mean }
                }
            }
            expected.append(w)
        }
        let lambda = t.lambdas[b], values = try backend.read(mx, offset: 0, count: rows * per)
        let targets = try backend.read(my, offset: 0, count: rows)
        for r in 0..<rows {
            let p = Int(t.partners[b * 4 + r])
            for j in 0..<per {
                XCTAssertEqual(values[r * per + j], Float(Double(lambda) * Double(expected[r][j]) + Double(1 - lambda) * Double(expected[p][j])),
                               "row \(r) value \(j)")
            }
            let la = Float(train.labels[Int(order[start + r])]), lb = Float(train.labels[Int(order[start + p])])
            XCTAssertEqual(targets[r], Float(Double(lambda) * Double(la) + Double(1 - lambda) * Double(lb)))
        }
    }

    func testAugmentedStopAndResumeIsBitwise() throws {
        let dir = try tempDir()
        for (name, classes) in [("binary", 1), ("three classes", 3)] {
            let straight = try TrainingRun.run(job(out: dir.appendingPathComponent("straight-\(classes)"), epochs: 2, resume: false,
                                                   augmentation: everything, classes: classes),
                                               backend: ReferenceBackend(), device: "cpu")
            XCTAssertTrue(straight.history.allSatisfy { $0.train_loss.isFinite }, name)
            let out = dir.appendingPathComponent("stopped-\(classes)")
            var batches = 0
            var events = TrainingEvents()
            events.batch = { _, _, _, _ in batches += 1 }
            events.shouldStop = { batches >= 8 }
            let stopped = try TrainingRun.run(job(out: out, epochs: 2, resume: false, augmentation: everything, classes: classes),
                                              backend: ReferenceBackend(), device: "cpu", events: events)
            XCTAssertEqual(stopped.interruption?.epoch, 2, name)
            let resumed = try TrainingRun.run(job(out: out, epochs: 2, resume: true, augmentation: everything, classes: classes),
                                              backend: ReferenceBackend(), device: "cpu")
            XCTAssertEqual(resumed.parameters, straight.parameters, name)
            XCTAssertEqual(resumed.history.map(strip), straight.history.map(strip), name)
        }
    }

    /// Each augmentation changes training; none of them changes validation's clips; config.json names the setting
    /// (and has no such key when augmentation is off); `--resume` refuses another setting.
    func testEachAugmentationChangesTrainingAndIsRecorded() throws {
        let dir = try tempDir()
        let plain = try TrainingRun.run(job(out: dir.appendingPathComponent("plain"), epochs: 1, resume: false, augmentation: nil),
                                        backend: ReferenceBackend(), device: "cpu")
        let plainConfig = try String(contentsOf: dir.appendingPathComponent("plain/config.json"), encoding: .utf8)
        XCTAssertFalse(plainConfig.contains("augmentation"), plainConfig)
        let single = [AugmentationConfig(randomCrop: true),
                      AugmentationConfig(specAugment: SpecAugmentConfig(frequencyWidth: 4, frequencyMasks: 1, timeWidth: 5, timeMasks: 1)),
                      AugmentationConfig(mixupAlpha: 0.2)]
        for (k, config) in single.enumerated() {
            let out = dir.appendingPathComponent("aug-\(k)")
            let run = try TrainingRun.run(job(out: out, epochs: 1, resume: false, augmentation: config), backend: ReferenceBackend(), device: "cpu")
            XCTAssertNotEqual(run.parameters, plain.parameters, "\(config)")
            let recorded = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: out.appendingPathComponent("config.json")))
            XCTAssertEqual(recorded.augmentation, config)
            let other = single[(k + 1) % single.count]
            XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, resume: true, augmentation: other),
                                                     backend: ReferenceBackend(), device: "cpu")) { error in
                XCTAssertEqual(error as? RunFolderError, .configMismatch(path: out.path, settings: ["augmentation"]))
            }
            XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, resume: true, augmentation: nil),
                                                     backend: ReferenceBackend(), device: "cpu"))
        }
    }

    func testSettingsAreParsedAndChecked() throws {
        XCTAssertEqual(SpecAugmentConfig(parsing: "8,2, 20,2"), SpecAugmentConfig(frequencyWidth: 8, frequencyMasks: 2, timeWidth: 20, timeMasks: 2))
        for bad in ["8,2,20", "8,2,20,2,1", "a,2,20,2", "-1,2,20,2", ""] { XCTAssertNil(SpecAugmentConfig(parsing: bad), bad) }
        XCTAssertThrowsError(try AugmentationConfig(specAugment: SpecAugmentConfig(parsing: "65,1,20,1")).validate(mels: 64, frames: 173)) {
            XCTAssertTrue("\($0)".contains("F = 65"), "\($0)")
        }
        XCTAssertThrowsError(try AugmentationConfig(specAugment: SpecAugmentConfig(parsing: "8,1,174,1")).validate(mels: 64, frames: 173))
        XCTAssertThrowsError(try AugmentationConfig(mixupAlpha: 0).validate(mels: 64, frames: 173))
        XCTAssertNoThrow(try everything.validate(mels: 64, frames: 173))
        XCTAssertFalse(AugmentationConfig().isEnabled)
    }

    func testMixupWithClassWeightsIsRefusedBeforeAnyWork() throws {
        var request = TrainingRequest(task: "metal-jazz", device: .cpu, out: FileManager.default.temporaryDirectory
            .appendingPathComponent("gcnn-mixup-weights-\(UUID().uuidString)"))
        request.augmentation = AugmentationConfig(mixupAlpha: 0.2)
        request.options.classWeighting = .balanced
        XCTAssertThrowsError(try TrainingSession.run(request, events: TrainingEvents())) {
            XCTAssertTrue("\($0)".contains("--mixup and --class-weight balanced"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: request.out!.path))
    }
}
