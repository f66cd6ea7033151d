import Foundation
import Model
import Training
import XCTest
@testable import KerasFormat

/// The Keras fixtures of `Fixtures/make_keras_fixtures.py` (Keras 2 from TensorFlow 2.15, Keras 3.15) and
/// Keras' own predictions on them.
enum KerasFixtures {
    static let directory: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    struct Model {
        var file: String
        var format: String
        var count: Int
        var input: [Int]
        var outputs: Int
        var inputs: [Float]
        var probabilities: [Float]
        var arch: String?
    }

    static let models: [Model] = {
        let data = try! Data(contentsOf: url("expected.json"))
        let top = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let models = top["models"] as! [String: [String: Any]]
        return models.keys.sorted().map { file in
            let m = models[file]!
            func floats(_ key: String) -> [Float] { (m[key] as! [NSNumber]).map { Float($0.doubleValue) } }
            return Model(file: file, format: m["format"] as! String, count: m["count"] as! Int, input: m["input"] as! [Int],
                         outputs: m["outputs"] as! Int, inputs: floats("inputs"), probabilities: floats("probabilities"),
                         arch: m["arch"] as? String)
        }
    }()
}

final class KerasImportTests: XCTestCase {
    /// gcnn's probabilities of each imported Keras model equal `model.predict`'s within 1e-5 (reference path).
    func testImportedModelsPredictWhatKerasPredicts() throws {
        XCTAssertEqual(KerasFixtures.models.count, 10)
        for m in KerasFixtures.models {
            let imported = try KerasImport.read(KerasFixtures.url(m.file), architecture: m.arch.map { KerasFixtures.url($0).path })
            let expectedFormat: KerasFileFormat = m.format == "keras2" ? .keras2HDF5 : m.format == "weights" ? .weightsOnly : .kerasArchive
            XCTAssertEqual(imported.format, expectedFormat, m.file)
            let config = imported.checkpoint.config
            XCTAssertEqual([config.inputHeight, config.inputWidth], m.input, m.file)
            XCTAssertEqual(config.classes, m.outputs, m.file)
            let p = try Inference(checkpoint: imported.checkpoint, clips: m.inputs, count: m.count).consume(ReferenceBackend(), device: .cpu)
            XCTAssertEqual(p.count, m.probabilities.count, m.file)
            let diff = zip(p, m.probabilities).map { abs($0 - $1) }.max() ?? .infinity
            print("keras fixture \(m.file): max |gcnn − Keras| = \(diff)")
            XCTAssertLessThanOrEqual(diff, 1e-5, m.file)
        }
    }

    /// The seed's file name (spaces, a comma) and its layers: the paper's sequence, Keras' BatchNorm settings.
    func testSeedStyleFile() throws {
        let imported = try KerasImport.read(KerasFixtures.url("Metal, Jazz.hdf5"))
        let a = imported.checkpoint.architecture
        XCTAssertEqual(a.layers.map(\.typeName), ["conv2d", "batchnorm", "maxpool", "conv2d", "maxpool", "flatten", "dense"])
        XCTAssertEqual(a.batchNormMomenta, [0.99])
        guard case .batchnorm(let bn) = a.layers[1] else { return XCTFail() }
        XCTAssertEqual(bn.epsilon, 1e-3)
        // Keras' defaults are conv2d, conv2d_1, …: valid gcnn names, kept.
        XCTAssertTrue(a.layers.compactMap(\.name).allSatisfy { $0.hasPrefix("conv2d") || $0.hasPrefix("batch_normalization") || $0.hasPrefix("dense") })
    }

    /// The every-layer model keeps BatchNormalization's momentum and epsilon and maps each layer to its gcnn kind.
    func testEveryLayerMapping() throws {
        let a = try KerasImport.read(KerasFixtures.url("every_layer_k3.keras")).checkpoint.architecture
        XCTAssertEqual(a.layers.map(\.typeName), ["conv2d", "batchnorm", "relu", "maxpool", "conv2d", "avgpool", "dropout",
                                                  "flatten", "batchnorm", "dense", "relu", "dropout", "dense"])
        XCTAssertEqual(a.batchNormMomenta, [0.9, 0.99])
        guard case .conv2d(let c) = a.layers[0], case .maxpool(let p) = a.layers[3], case .batchnorm(let b) = a.layers[8] else { return XCTFail() }
        XCTAssertEqual([c.kernelH, c.kernelW, c.filters], [3, 2, 4])
        XCTAssertEqual(c.padding, .same)
        XCTAssertEqual([p.sizeH, p.sizeW, p.strideH, p.strideW], [2, 2, 2, 1])
        XCTAssertEqual(b.epsilon, 1e-2)
    }

    /// What gcnn lacks is refused in one line naming the layer and the option.
    func testUnsupportedModelsAreOneLine() throws {
        let cases: [(String, [String])] = [
            ("unsupported_layer.keras", ["layer 2 (LeakyReLU", "gcnn has no LeakyReLU layer"]),
            ("strided_conv_k2.h5", ["layer 1 (Conv2D", "strides [2,2] is not supported"]),
            ("branches.keras", ["functional models with branches", "Conv2D"]),
            ("paper_k2.weights.h5", ["has no model_config attribute", "--arch"]),
        ]
        for (file, needles) in cases {
            XCTAssertThrowsError(try KerasImport.read(KerasFixtures.url(file)), file) { error in
                let text = "\(error)"
                XCTAssertTrue(error is KerasError, "\(file): \(type(of: error))")
                XCTAssertTrue(text.hasPrefix(KerasFixtures.url(file).path + ": "), text)
                XCTAssertFalse(text.contains("\n"), text)
                for n in needles { XCTAssertTrue(text.contains(n), "\(file): '\(n)' missing from: \(text)") }
            }
        }
    }

    /// Empty, truncated and random bytes, as HDF5 and as zip, and a config gcnn cannot map: one line each.
    func testDamagedFilesAreOneLine() throws {
        let h5 = [UInt8](try Data(contentsOf: KerasFixtures.url("every_layer_k2.h5")))
        let zip = [UInt8](try Data(contentsOf: KerasFixtures.url("every_layer_k3.keras")))
        var rng = SystemRandomNumberGenerator()
        var inputs: [(String, [UInt8])] = [("empty", []), ("random", (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }),
                                           ("hdf5 signature + random", Array(h5.prefix(8)) + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }),
                                           ("zip signature + random", Array(zip.prefix(4)) + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) })]
        for fraction in [0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
            inputs.append(("hdf5 truncated to \(fraction)", Array(h5.prefix(Int(Double(h5.count) * fraction)))))
            inputs.append(("zip truncated to \(fraction)", Array(zip.prefix(Int(Double(zip.count) * fraction)))))
        }
        for (what, bytes) in inputs {
            XCTAssertThrowsError(try KerasImport.decode(bytes, path: "bad.keras"), what) { error in
                XCTAssertTrue(error is KerasError, "\(what): \(type(of: error)) \(error)")
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("bad.keras: "), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
    }

    /// A weights-only file with a gcnn spec (layers matched by kind and order) and with the Keras JSON.
    func testWeightsOnlyWithEitherArchitecture() throws {
        let withSpec = try KerasImport.read(KerasFixtures.url("paper_k3.weights.h5"), architecture: KerasFixtures.url("paper_small.json").path)
        let withKeras = try KerasImport.read(KerasFixtures.url("paper_k3.keras"))
        XCTAssertEqual(withSpec.checkpoint.parameters.tensors.map(\.values), withKeras.checkpoint.parameters.tensors.map(\.values))
        XCTAssertThrowsError(try KerasImport.read(KerasFixtures.url("paper_k3.weights.h5"), architecture: "short-chunk")) { error in
            XCTAssertTrue("\(error)".contains("was it saved from another architecture?"), "\(error)")
        }
    }
}
