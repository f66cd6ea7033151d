import Foundation
import KerasFormat
import Model
import XCTest

/// The Keras importer in the bounded fuzz loop: mutants of a Keras 2 HDF5 model, of a weights-only HDF5
/// file and of `.keras` archives (Keras' own and gcnn's export) must import (and build) or be refused with
/// one `KerasError` line naming the source. libhdf5 (in a child process) and libzip parse the containers; the mutants
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
                                                                               labels: ["a", "b"], metadata: ["mel_recipe": "seed"]),
                                                             date: Date(timeIntervalSince1970: 1_764_633_600))))
        return seeds
    }

    static func parseKeras(_ b: [UInt8]) throws {
        try buildNetwork(try KerasImport.decode(b, path: source).checkpoint)
    }

    /// Every mutant of the Keras seeds must import (and build) or be refused with one `KerasError` line naming
    /// the source, also those on which libhdf5 crashes or loops (it reads them in a child process, given 3 s
    /// here): the loop goes on in this process after them.
    func testKerasImportFuzz() throws {
        setenv("GCNN_HDF5_SECONDS", "3", 1)
        defer { unsetenv("GCNN_HDF5_SECONDS") }
        let seeds = try Self.kerasSeeds()
        // "strided_conv_k2.h5" is refused as it stands (strides 2): its mutants exercise the refusals.
        for s in seeds where (try? Self.parseKeras(s)) == nil {
            XCTAssertThrowsError(try Self.parseKeras(s)) { XCTAssertTrue($0 is KerasError, "\($0)") }
        }
        var crashed = 0, looped = 0
        let (valid, refused) = fuzz("keras", seeds: seeds, iterations: 1_000, seed: 0x4E5A, minRefused: 0.3, skipSeedCheck: true,
                                    isTyped: { $0 is KerasError }) { input in
            do { try Self.parseKeras(input) } catch {
                if "\(error)".contains("libhdf5 crashed") { crashed += 1 }
                if "\(error)".contains("libhdf5 did not finish") { looped += 1 }
                throw error
            }
        }
        print("keras fuzz: \(valid) imported, \(refused) refused (libhdf5 crashed on \(crashed), looped on \(looped))")
        // The library in this process is untouched by them: a seed still imports.
        XCTAssertNoThrow(try Self.parseKeras(seeds[1]))
    }
}
