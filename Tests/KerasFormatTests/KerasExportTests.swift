import Foundation
import Model
import XCTest
@testable import KerasFormat

final class KerasExportTests: XCTestCase {
    /// Specs beyond the presets: every layer kind, dense on maps (an implicit flatten), batch norm on flattened
    /// features, non-square kernels, pools with strides, names with dots.
    static let specs = [
        #"{"name": "every", "input": [12, 15], "layers": [{"type": "conv2d", "filters": 3, "kernel": [3, 5], "padding": "same"}, {"type": "batchnorm", "momentum": 0.9}, {"type": "relu"}, {"type": "maxpool", "size": 2, "stride": [2, 1]}, {"type": "conv2d", "name": "block.conv", "filters": 4, "kernel": 2, "activation": "relu"}, {"type": "avgpool", "size": [2, 3], "stride": 1}, {"type": "dropout", "rate": 0.25}, {"type": "flatten"}, {"type": "batchnorm", "epsilon": 0.01}, {"type": "dense", "units": 5, "activation": "relu"}, {"type": "dropout", "rate": 0.5}, {"type": "dense"}]}"#,
        #"{"name": "implicit", "input": [9, 11], "layers": [{"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "maxpool", "size": 2}, {"type": "dense", "units": 3}, {"type": "batchnorm"}, {"type": "dense"}]}"#,
        #"{"name": "gmax", "input": [8, 10], "layers": [{"type": "conv2d", "filters": 3, "kernel": 1}, {"type": "globalmaxpool"}, {"type": "dense"}]}"#,
        #"{"name": "gavg", "input": [8, 10], "layers": [{"type": "conv2d", "filters": 3, "kernel": 3, "padding": "same"}, {"type": "batchnorm"}, {"type": "globalavgpool"}, {"type": "dropout", "rate": 0.1}, {"type": "dense"}]}"#,
    ]

    static func randomCheckpoint(_ architecture: Architecture, classes: Int, seed: UInt64) throws -> ModelCheckpoint.Loaded {
        var rng = RandomGenerator(seed: seed)
        let resolved = try architecture.resolved(classes: classes)
        var parameters = ParameterSet()
        for t in resolved.tensors {
            if t.role == .batchCount {
                parameters.append(NamedTensor(name: t.name, shape: t.shape, values: [Float(seed % 100)], storage: .int64))
            } else {
                parameters.append(NamedTensor(name: t.name, shape: t.shape,
                                              values: (0..<t.count).map { _ in Float(rng.nextDouble()) * 2 - 0.5 }))
            }
        }
        let labels = classes == 1 ? ["metal", "jazz"] : (0..<classes).map { "class\($0)" }
        return ModelCheckpoint.Loaded(parameters: parameters, config: NetworkConfig(architecture: architecture, classes: classes),
                                      labels: labels, metadata: ["mel_recipe": "seed", "clip_seconds": "2.0"])
    }

    /// import(export(M)) is M: architecture, head, labels, carried metadata, and every tensor bit for bit
    /// (num_batches_tracked, which Keras has no place for, comes back 0). Every preset and every layer kind.
    func testExportImportRoundTripIsBitExact() throws {
        var architectures = Architecture.presetNames.map { Architecture.preset(named: $0)! }
        architectures += try Self.specs.map { try Architecture.parse($0, source: "spec") }
        for (i, architecture) in architectures.enumerated() {
            // fcn's 17 M parameters once: the 3-class head adds nothing another network does not test.
            for classes in architecture.name == "fcn" ? [1] : [1, 3] {
                let m = try Self.randomCheckpoint(architecture, classes: classes, seed: UInt64(i * 10 + classes))
                let bytes = try KerasExport.archive(m)
                let back = try KerasImport.decode([UInt8](bytes), path: "\(architecture.name).keras").checkpoint
                XCTAssertEqual(back.architecture, m.architecture, architecture.name)
                XCTAssertEqual(back.config.classes, classes)
                XCTAssertEqual(back.labels, m.labels)
                XCTAssertEqual(back.metadata["mel_recipe"], "seed")
                XCTAssertEqual(back.metadata["clip_seconds"], "2.0")
                XCTAssertEqual(back.parameters.names, m.parameters.names)
                for (a, b) in zip(back.parameters.tensors, m.parameters.tensors) {
                    XCTAssertEqual(a.shape, b.shape, a.name)
                    if b.storage == .int64 {
                        XCTAssertEqual(a.values, [0], a.name)
                    } else {
                        XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), "\(architecture.name) \(a.name)")
                    }
                }
            }
        }
    }

    /// An export of an imported Keras model imports back to the same checkpoint (Keras → gcnn → Keras → gcnn).
    func testKerasFixturesSurviveExport() throws {
        for m in KerasFixtures.models {
            let first = try KerasImport.read(KerasFixtures.url(m.file), architecture: m.arch.map { KerasFixtures.url($0).path }).checkpoint
            let again = try KerasImport.decode([UInt8](try KerasExport.archive(first)), path: m.file).checkpoint
            XCTAssertEqual(again.architecture, first.architecture, m.file)
            XCTAssertEqual(again.parameters, first.parameters, m.file)
        }
    }
}
