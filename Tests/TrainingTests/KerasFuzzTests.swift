import Foundation
import KerasFormat
import Model
import XCTest

/// The Keras importer in the bounded fuzz loop: mutants of a Keras 2 HDF5 model, of a weights-only HDF5
/// file and of `.keras` archives (Keras' own and gcnn's export) must import (and build) or be refused with
/// one `KerasError` line naming the source. libhdf5 and ZIPFoundation parse the containers; the mutants
/// test that every failure inside them, and everything gcnn reads out of them, ends in that one line.
extension ParserFuzzTests {
    static let kerasFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KerasFormatTests/Fixtures")

    static func kerasSeeds() throws -> [[UInt8]] {
        var seeds = try ["global_max_k2.h5", "paper_k3.keras", "strided_conv_k2.h5"].map {
            [UInt8](try Data(contentsOf: kerasFixtures.appendingPathComponent($0)))
        }
        let architecture = try Architecture.parse(#"{"name": "tiny", "input": [6, 7], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3, "activation": "relu"}, {"type": "batchnorm"}, {"type": "maxpool", "size": 2}, {"type": "dense"}]}"#, source: "tiny")
        let config = NetworkConfig(architecture: architecture, classes: 1, maxBatch: 1)
        var rng = RandomGenerator(seed: 5)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        seeds.append([UInt8](try KerasExport.archive(ModelCheckpoint.Loaded(parameters: parameters, config: config,
                                                                               labels: ["a", "b"], metadata: ["mel_recipe": "seed"]))))
        return seeds
    }

    static func parseKeras(_ b: [UInt8]) throws {
        let loaded = try KerasImport.decode(b, path: source).checkpoint
        var config = loaded.config
        config.maxBatch = 1
        let activations = try config.resolved().layers.reduce(config.inputCount) { $0 + $1.output.count }
        if activations <= 1 << 20 {
            _ = try Network(backend: ReferenceBackend(), config: config, parameters: loaded.parameters)
        }
    }

    /// The Keras fuzz loop (`testKerasImportFuzzLoop`), run in child processes of this test binary. libhdf5
    /// loops for good on some damaged files (KerasCLITests.testFileThatHangsLibHDF5IsOneErrorLine), on some of
    /// these mutants too (not on every run): gcnn reports such a file in one line after `GCNN_HDF5_SECONDS` and
    /// refuses HDF5 files for the rest of its process, as the looping thread cannot be stopped. A child that
    /// meets one ends there, and the next child goes on with the following mutant, so every mutant is parsed
    /// by a free libhdf5 and the Keras tests after this one are unaffected.
    func testKerasImportFuzz() throws {
        let iterations = 1_000 * Self.scale
        var next = 0, valid = 0, refused = 0, failures = 0, looping: [Int] = []
        while next < iterations {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            child.arguments = ["TrainingTests.ParserFuzzTests/testKerasImportFuzzLoop"]
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childVariable] = String(next)
            environment["GCNN_HDF5_SECONDS"] = "5"
            child.environment = environment
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-keras-fuzz-\(UUID().uuidString).log")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: output) }
            let handle = try FileHandle(forWritingTo: output)
            child.standardOutput = handle
            child.standardError = handle
            try child.run()
            let deadline = Date().addingTimeInterval(1_200)
            while child.isRunning && Date() < deadline { usleep(20_000) }
            if child.isRunning { child.terminate() }
            child.waitUntilExit()
            let log = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix(Self.verdictPrefix) }) else {
                return XCTFail("the fuzz child from mutant \(next) ended without its verdict:\n\(log)")
            }
            let n = line.dropFirst(Self.verdictPrefix.count).split(separator: " ").compactMap { Int($0) }
            guard n.count == 5, n[4] > next else { return XCTFail("unreadable verdict: \(line)") }
            valid += n[0]; refused += n[1]; failures += n[2]
            if n[3] >= 0 { looping.append(n[3]) }
            if n[2] > 0 { XCTFail("fuzz child from mutant \(next):\n\(log)") }
            next = n[4]
            XCTAssertLessThanOrEqual(looping.count, 20, "libhdf5 loops on too many mutants")
            if looping.count > 20 { break }
        }
        print("keras fuzz: \(valid) imported, \(refused) refused (mutants on which libhdf5 loops: \(looping))")
        XCTAssertEqual(failures, 0)
        XCTAssertEqual(valid + refused, iterations)
        XCTAssertGreaterThan(Double(refused), 0.3 * Double(iterations), "too few mutants were refused: is the mutator working?")
    }

    static let childVariable = "GCNN_KERAS_FUZZ_FROM"
    static let verdictPrefix = "keras fuzz child verdict: "

    /// The loop from mutant `GCNN_KERAS_FUZZ_FROM` on, as `testKerasImportFuzz`'s child: every mutant of the
    /// Keras seeds must import (and build) or be refused with one `KerasError` line naming the source. It stops
    /// after a mutant on which libhdf5 keeps looping and ends with its verdict line — imported, refused,
    /// failures, the looping mutant (−1: none), the next mutant — via `_exit` (a normal exit would wait for
    /// the looping thread).
    func testKerasImportFuzzLoop() throws {
        guard let first = ProcessInfo.processInfo.environment[Self.childVariable].flatMap(Int.init) else {
            throw XCTSkip("runs in the child processes of testKerasImportFuzz")
        }
        // "strided_conv_k2.h5" is refused as it stands (strides 2): its mutants exercise the refusals.
        let seeds = try Self.kerasSeeds()
        if first == 0 {
            for s in seeds where (try? Self.parseKeras(s)) == nil {
                XCTAssertThrowsError(try Self.parseKeras(s)) { XCTAssertTrue($0 is KerasError, "\($0)") }
            }
        }
        let iterations = 1_000 * Self.scale
        var mutator = ByteMutator(seed: 0x4E5A &+ Self.seedOffset &* 0x9E37_79B9, seeds: seeds)
        var valid = 0, refused = 0, looping = -1, next = iterations
        for i in 0..<iterations {
            let input = mutator.mutant()
            if i < first { continue }
            do {
                try Self.parseKeras(input)
                valid += 1
            } catch {
                refused += 1
                checkRefusal(error, name: "keras", mutant: i, isTyped: { $0 is KerasError })
                if !KerasImport.waitUntilHDF5IsFree(seconds: 0) {
                    looping = i
                    next = i + 1
                    break
                }
            }
        }
        print("\(Self.verdictPrefix)\(valid) \(refused) \(testRun?.totalFailureCount ?? 1) \(looping) \(next)")
        fflush(stdout)
        _exit(0)
    }
}
