import CLRuntime
import Foundation
import Model
import XCTest

/// `gcnn tune`'s search and cache on the test device (pocl in CI): the cache is written, reused without a
/// search, invalidated when the kernel sources change, never trusted when damaged, and its winners pass the
/// op check. The searches are tiny: a small paper-shaped network, batch 4, a few candidates.
final class KernelTuningTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-tuning-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private static let small = Architecture.paperVariant(inputHeight: 16, inputWidth: 27, filters: 6, kernel: 5)

    private func tinyTuner() throws -> KernelTuner {
        var tuner = KernelTuner(architecture: try Self.small.resolved(classes: 1))
        tuner.batch = 4
        tuner.checkBatch = 2
        tuner.repeats = 1
        tuner.candidateLimit = 3
        tuner.budgetSeconds = 600
        return tuner
    }

    func testTuningReplacesOnlyItsOwnVariantsParameters() {
        let cpu = OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4,
                                     reduceWorkGroup: 64, cpuChannels: 6)
        let tiled = OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256)
        let blocks = KernelTuning(cpu: .init(channels: 4, vectors: 3, weightChannels: 3, weightTaps: 3))
        let applied = blocks.applied(to: cpu)
        XCTAssertEqual([applied.cpuChannels, applied.cpuVectors, applied.cpuWeightChannels, applied.cpuWeightTaps], [4, 3, 3, 3])
        XCTAssertTrue(applied.buildOptions.contains("-DCPU_OCB=4 -DCPU_XV=3 -DCPU_WOCB=3 -DCPU_KXB=3"), applied.buildOptions)
        XCTAssertEqual(blocks.applied(to: tiled), tiled)
        XCTAssertEqual(KernelTuning(of: cpu).applied(to: cpu), cpu)
        let tiles = KernelTuning(tiles: .init(tileM: 32, tileN: 64, tileK: 16, regM: 4, regN: 4))
        XCTAssertTrue(tiles.isValid)
        XCTAssertEqual(tiles.applied(to: tiled).tileN, 64)
        XCTAssertEqual(tiles.applied(to: tiled).tileM, 32)
        XCTAssertEqual(tiles.applied(to: cpu), cpu)
        // conv2d.cl's #error rules: the items (here 8 × 4 = 32) a multiple of tileN (64) and of tileK.
        XCTAssertFalse(KernelTuning(tiles: .init(tileM: 16, tileN: 64, tileK: 16, regM: 4, regN: 8)).isValid)
        XCTAssertFalse(KernelTuning(tiles: .init(tileM: 64, tileN: 64, tileK: 3, regM: 4, regN: 4)).isValid)
        XCTAssertTrue(KernelTuning(tiles: .init(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4)).isValid)
        XCTAssertFalse(KernelTuning(cpu: .init(channels: 0, vectors: 2, weightChannels: 2, weightTaps: 5)).isValid)
        // Out-of-range parameters are never applied.
        XCTAssertEqual(KernelTuning(cpu: .init(channels: 99, vectors: 2, weightChannels: 2, weightTaps: 5)).applied(to: cpu), cpu)
    }

    func testSearchIsCachedReusedAndInvalidatedWhenKernelSourcesChange() throws {
        let device = try OpenCLTestBackend.shared().device
        let cache = KernelTuningCache(directory: directory)
        XCTAssertEqual(cache.status(for: device), .untuned)
        let tuner = try tinyTuner()
        var lines: [String] = []
        let first = try tuner.run(device: device, cache: cache) { lines.append($0) }
        guard case .searched(let record) = first else { return XCTFail("first run reused a cache that was empty") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.fileURL(for: device).path))
        XCTAssertEqual(cache.status(for: device), .tuned(record))
        XCTAssertEqual(record.sourceHash, KernelTuningCache.kernelSourceHash)
        XCTAssertEqual(record.deviceName, device.name)
        XCTAssertEqual(record.driverVersion, device.driverVersion)
        // Every group measured the defaults first, and they passed the reference check.
        let defaults = KernelTuning(of: OpenCLKernelConfig.forDevice(device))
        XCTAssertEqual(record.defaults, defaults)
        var groups: [String] = []
        for m in record.measurements where !groups.contains(m.group) { groups.append(m.group) }
        XCTAssertGreaterThanOrEqual(groups.count, 1)
        XCTAssertEqual(record.measurements.first?.candidate, defaults)
        for group in groups {
            let first = try XCTUnwrap(record.measurements.first { $0.group == group })
            XCTAssertTrue(first.passed, "\(group): the defaults failed: \(first.note ?? "")")
            XCTAssertNotNil(first.milliseconds)
            XCTAssertGreaterThan(record.measurements.filter { $0.group == group }.count, 1, "\(group): nothing but the defaults was tried")
        }
        // The winner is a measured candidate that passed (or the defaults).
        XCTAssertTrue(record.tuning == defaults || record.measurements.contains { $0.passed })

        // Later runs on the device use the winners.
        let tuned = try OpenCLBackend(tunedFor: device, cache: cache)
        XCTAssertEqual(tuned.config, record.tuning.applied(to: OpenCLKernelConfig.forDevice(device)))

        // A second run does no search.
        lines.removeAll()
        let second = try tuner.run(device: device, cache: cache) { lines.append($0) }
        guard case .reused(let again) = second else { return XCTFail("second run searched again: \(lines)") }
        XCTAssertEqual(again, record)
        XCTAssertTrue(lines.isEmpty, "\(lines)")

        // Other kernel sources: the record is stale, ignored by runs, and the next tune searches again.
        let edited = "0123456789abcdef"
        guard case .stale(_, let reason) = cache.status(for: device, sourceHash: edited) else {
            return XCTFail("a record for other kernel sources still applies")
        }
        XCTAssertTrue(reason.contains("kernel sources changed"), reason)
        XCTAssertNil(cache.tuning(for: device, sourceHash: edited))
        XCTAssertEqual(cache.config(for: device, sourceHash: edited), OpenCLKernelConfig.forDevice(device))
        let third = try tuner.run(device: device, cache: cache, sourceHash: edited)
        guard case .searched(let fresh) = third else { return XCTFail("changed kernel sources did not trigger a search") }
        XCTAssertEqual(fresh.sourceHash, edited)
        XCTAssertEqual(cache.status(for: device, sourceHash: edited), .tuned(fresh))
        // Another architecture searches again too.
        var other = tuner
        other.architecture = try Architecture.paperVariant(inputHeight: 12, inputWidth: 20, filters: 4, kernel: 3).resolved(classes: 1)
        guard case .searched = try other.run(device: device, cache: cache, sourceHash: edited) else {
            return XCTFail("a record for another architecture was reused")
        }
    }

    /// The winners of a search, and a hand-written record of non-default blocks, pass every op check
    /// (awkward shapes and the network's) when a later run applies them.
    func testCachedWinnersPassTheCheck() throws {
        let device = try OpenCLTestBackend.shared().device
        let base = OpenCLKernelConfig.forDevice(device)
        guard base.variant == .cpu else { throw XCTSkip("the hand-written record holds CPU blocks; \(device.name) builds the tiled kernels") }
        let cache = KernelTuningCache(directory: directory)
        let searched = try tinyTuner().run(device: device, cache: cache).record
        let reference = ReferenceBackend()
        let resolved = try Self.small.resolved(classes: 1)
        let odd = KernelTuning(cpu: .init(channels: 5, vectors: 1, weightChannels: 3, weightTaps: 3))
        for tuning in [searched.tuning, odd] {
            var record = searched
            record.tuning = tuning
            try cache.store(record, for: device)
            let backend = try OpenCLBackend(tunedFor: device, cache: cache)
            XCTAssertEqual(backend.config, tuning.applied(to: base))
            let rows = try BackendCheck.run(device: backend, reference: reference, architecture: resolved, batch: 3)
            XCTAssertFalse(rows.isEmpty)
            for row in rows where !row.passed {
                XCTFail("\(tuning): \(row.op) [\(row.shape)] rel \(row.maxRelError) > \(row.tolerance), deterministic \(row.deterministic)")
            }
        }
    }

    /// Damaged, foreign and out-of-range files are reported and ignored: the device keeps its defaults.
    func testDamagedCacheFilesAreNeverTrusted() throws {
        let device = try OpenCLTestBackend.shared().device
        let cache = KernelTuningCache(directory: directory)
        let defaults = OpenCLKernelConfig.forDevice(device)
        let record = KernelTuningRecord(device: device, sourceHash: KernelTuningCache.kernelSourceHash, tunedAt: Date(),
                                        architecture: Self.small, batch: 4, budgetSeconds: 1, searchSeconds: 1,
                                        defaults: KernelTuning(of: defaults), tuning: KernelTuning(of: defaults),
                                        measurements: [])
        try cache.store(record, for: device)
        let url = cache.fileURL(for: device)
        let valid = try Data(contentsOf: url)

        func write(_ data: Data) throws { try data.write(to: url) }
        try write(Data("not json".utf8))
        guard case .unreadable(let why) = cache.status(for: device) else { return XCTFail("garbage was read as a record") }
        XCTAssertTrue(why.contains(url.path) && why.contains("gcnn tune"), why)
        XCTAssertEqual(cache.config(for: device), defaults)

        var outOfRange = record
        outOfRange.tuning = KernelTuning(cpu: .init(channels: 500, vectors: 2, weightChannels: 2, weightTaps: 5))
        if defaults.variant == .tiled { outOfRange.tuning = KernelTuning(tiles: .init(tileM: 64, tileN: 64, tileK: 3, regM: 4, regN: 4)) }
        try write(try JSONEncoder().encode(outOfRange))
        guard case .unreadable = cache.status(for: device) else { return XCTFail("out-of-range parameters were accepted") }

        var foreign = record
        foreign.driverVersion = "0.0-other"
        try write(try JSONEncoder().encode(foreign))
        guard case .stale(_, let reason) = cache.status(for: device) else { return XCTFail("another driver's record applies") }
        XCTAssertTrue(reason.contains("0.0-other"), reason)

        var future = record
        future.format = KernelTuningRecord.currentFormat + 1
        try write(try JSONEncoder().encode(future))
        guard case .unreadable = cache.status(for: device) else { return XCTFail("a future format was read") }

        // Mutants of a valid file: never a crash, and whatever reads as tuned is a valid tuning.
        var rng = RandomGenerator(seed: 12)
        let punctuation = Array("{}[]\":,0-9e".utf8)
        for _ in 0..<600 {
            var bytes = [UInt8](valid)
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(max(bytes.count, 1)))
                switch rng.next() % 4 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(punctuation[Int(rng.next() % UInt64(punctuation.count))], at: at)
                default: bytes = Array(bytes.prefix(at))
                }
                if bytes.isEmpty { bytes = [0x7b] }
            }
            try write(Data(bytes))
            switch cache.status(for: device) {
            case .tuned(let r): XCTAssertTrue(r.tuning.isValid)
            case .untuned, .stale, .unreadable: break
            }
            XCTAssertNoThrow(cache.config(for: device))
        }
    }
}
