import Foundation
import Model
import XCTest

/// A one-training-step fixture of a network built from an architecture spec, written by
/// `Fixtures/make_fixtures.py` through `scripts/gcnn_torch.py`: the spec, the initial state, the input, the
/// dropout masks PyTorch applied (gcnn draws its own from the same Philox key), and everything one step computes.
struct SpecFixture {
    struct Index: Decodable {
        struct Config: Decodable { let classes, batch: Int }
        struct Adam: Decodable { let learningRate, beta1, beta2, epsilon: Double }
        struct Dropout: Decodable { let seed: UInt64; let step: Int; let layers: [String: Float] }
        struct Vanishing: Decodable { let names: [String] }
        struct Entry: Decodable { let offset: Int; let shape: [Int] }
        let config: Config
        let adam: Adam
        let dropout: Dropout?
        let vanishing_gradients: Vanishing?
        let loss: Double
        let tensors: [String: Entry]
    }

    let name: String
    let index: Index
    let architecture: Architecture
    private let data: [Float]

    init(named name: String) throws {
        self.name = name
        let (json, data) = try FixtureFiles.load(name)
        self.data = data
        index = try JSONDecoder().decode(Index.self, from: json)
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any], let spec = object["spec"] else {
            throw FixtureError("\(name): no spec")
        }
        architecture = try Architecture.parse(String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self),
                                              source: "\(name).json spec")
    }

    func tensor(_ key: String) throws -> [Float] {
        try FixtureFiles.tensor(key, of: name, entry: index.tensors[key].map { ($0.offset, $0.shape) }, data: data)
    }

    /// The network of the fixture: PyTorch's running-variance rule, its Adam, its dropout seed.
    func config(placement: AdamEpsilonPlacement) -> NetworkConfig {
        let a = index.adam
        return NetworkConfig(architecture: architecture, classes: index.config.classes,
                             adam: AdamConfig(learningRate: Float(a.learningRate), beta1: Float(a.beta1), beta2: Float(a.beta2),
                                              epsilon: Float(a.epsilon), placement: placement),
                             maxBatch: index.config.batch, unbiasedRunningVariance: true, seed: index.dropout?.seed ?? 0)
    }

    /// The stored initial state (batch counts 0).
    func initialParameters() throws -> ParameterSet {
        let resolved = try config(placement: .pytorch).resolved()
        return ParameterSet(try resolved.tensors.map { t in
            t.role == .batchCount ? NamedTensor(name: t.name, shape: [], values: [0], storage: .int64)
                : NamedTensor(name: t.name, shape: t.shape, values: try tensor("initial." + t.name))
        })
    }
}

/// Networks of every layer type against PyTorch, one training step, on both backends: logits, losses,
/// probabilities, every gradient, the batch-norm statistics, every parameter after Adam (both placements),
/// and the dropout masks (gcnn's Philox draw against the mask the fixture applied).
final class SpecFixtureTests: XCTestCase {
    static let fixtures = ["every_layer", "global_max", "global_avg"]

    func testEveryLayerTypeMatchesPyTorchOnTheReferencePath() throws {
        for name in Self.fixtures { try assertMatches(backend: ReferenceBackend(), fixture: name) }
    }

    func testEveryLayerTypeMatchesPyTorchOnOpenCL() throws {
        let backend = try OpenCLTestBackend.shared()
        for name in Self.fixtures { try assertMatches(backend: backend, fixture: name) }
    }

    /// Between them the fixtures use every layer type of the spec.
    func testFixturesCoverEveryLayerType() throws {
        let types = Set(try Self.fixtures.flatMap { try SpecFixture(named: $0).architecture.layers.map(\.typeName) })
        XCTAssertEqual(types, ["conv2d", "batchnorm", "relu", "maxpool", "avgpool", "globalmaxpool", "globalavgpool",
                               "dropout", "flatten", "dense"])
    }

    /// gcnn's masks for the fixture's (seed, layer, step) are the ones PyTorch applied.
    func testDropoutMasksAreTheFixtures() throws {
        let backend = ReferenceBackend()
        for name in Self.fixtures {
            let fixture = try SpecFixture(named: name)
            guard let dropout = fixture.index.dropout else { continue }
            let resolved = try fixture.config(placement: .pytorch).resolved()
            for (layer, rate) in dropout.layers {
                let index = Int(layer)!
                let count = fixture.index.config.batch * resolved.layers[index].input.count
                let ones = try backend.makeBuffer([Float](repeating: 1, count: count), label: "ones")
                let out = try backend.makeBuffer(count: count, label: "mask")
                try backend.dropoutForward(input: ones, output: out, count: count, rate: rate,
                                           key: DropoutKey(seed: dropout.seed, layer: UInt32(index), step: UInt64(dropout.step)))
                XCTAssertEqual(out.values.map { $0 != 0 }, try fixture.tensor("dropout_mask.\(layer)").map { $0 != 0 },
                               "\(name) layer \(layer)")
            }
        }
    }

    private func assertMatches<B: Backend>(backend: B, fixture name: String,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try SpecFixture(named: name)
        let config = fixture.config(placement: .pytorch)
        let initial = try fixture.initialParameters()
        let n = fixture.index.config.batch, classes = config.classes
        let vanishing = Set(fixture.index.vanishing_gradients?.names ?? [])
        var worst = (relative: 0.0, what: "")
        defer { print("\(name) on \(backend.deviceName): worst deviation from PyTorch \(worst.relative) of the tensor's max (\(worst.what))") }
        func check(_ what: String, _ actual: [Float], _ expected: [Float], rtol: Double) {
            guard actual.count == expected.count else {
                return XCTFail("\(name) \(what): \(actual.count) values, PyTorch has \(expected.count)", file: file, line: line)
            }
            let d = Deviation(actual, expected)
            if d.relativeToMax > worst.relative { worst = (d.relativeToMax, what) }
            XCTAssertLessThanOrEqual(d.maxAbs, rtol * d.maxAbsExpected, "\(name) \(what) on \(backend.deviceName): \(d)",
                                     file: file, line: line)
        }

        let model = try Network(backend: backend, config: config, parameters: initial)
        let input = try backend.makeBuffer(try fixture.tensor("input"), label: "input")
        let labels = try backend.makeBuffer(try fixture.tensor("labels"), label: "labels")
        let losses = try backend.makeBuffer(count: n, label: "losses")
        let probabilities = try backend.makeBuffer(count: n * classes, label: "probabilities")
        try model.trainStep(input: input, labels: labels, batch: n, losses: losses, probabilities: probabilities, resultOffset: 0)

        check("logits", try model.logits(batch: n), try fixture.tensor("logits"), rtol: FixtureTolerance.forward)
        let ours = try backend.read(losses, offset: 0, count: n)
        check("losses", ours, try fixture.tensor("losses"), rtol: FixtureTolerance.forward)
        check("probabilities", try backend.read(probabilities, offset: 0, count: n * classes),
              try fixture.tensor("probabilities"), rtol: FixtureTolerance.forward)
        XCTAssertEqual(ours.reduce(0.0) { $0 + Double($1) } / Double(n), fixture.index.loss,
                       accuracy: FixtureTolerance.forward * abs(fixture.index.loss), "\(name) mean loss", file: file, line: line)

        let gradients = try model.gradients()
        XCTAssertEqual(gradients.names, initial.tensors.filter { $0.storage == .float32 && !$0.name.contains("running_") }.map(\.name))
        let largestGradient = try gradients.tensors.flatMap { try fixture.tensor("grad." + $0.name) }.map { abs(Double($0)) }.max() ?? 0
        for t in gradients.tensors {
            let expected = try fixture.tensor("grad." + t.name)
            if vanishing.contains(t.name) {
                let worst = zip(t.values, expected).map { abs(Double($0) - Double($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, FixtureTolerance.gradient * largestGradient,
                                         "\(name) gradient \(t.name) (zero in exact arithmetic)", file: file, line: line)
            } else {
                check("gradient \(t.name)", t.values, expected, rtol: FixtureTolerance.gradient)
            }
        }

        let after = try model.parameters()
        for t in after.tensors {
            if t.name.hasSuffix(".running_mean") || t.name.hasSuffix(".running_var") {
                check(t.name, t.values, try fixture.tensor("after." + t.name), rtol: FixtureTolerance.runningStatistics)
            } else if t.name.hasSuffix(".num_batches_tracked") {
                XCTAssertEqual(t.values, [1], "\(name) \(t.name)", file: file, line: line)
            }
        }
        let a = fixture.index.adam
        for t in after.tensors where gradients[t.name] != nil && !vanishing.contains(t.name) {
            let g = try fixture.tensor("grad." + t.name)
            let d = AdamStepDeviation(initial: try initial.tensor(named: t.name).values, gradient: g,
                                      gradientError: FixtureTolerance.gradient * (g.map { abs(Double($0)) }.max() ?? 0),
                                      learningRate: a.learningRate, epsilon: a.epsilon,
                                      actual: t.values, expected: try fixture.tensor("adam_pytorch." + t.name))
            XCTAssertLessThanOrEqual(d.worstRatio, 1, "\(name) adam(pytorch) \(t.name) on \(backend.deviceName): \(d)",
                                     file: file, line: line)
        }

        // Keras' placement: one fresh network, one step, compared with the fixture's float64 Keras-form update.
        let keras = try Network(backend: backend, config: fixture.config(placement: .keras), parameters: initial)
        try keras.trainStep(input: input, labels: labels, batch: n, losses: losses, probabilities: probabilities, resultOffset: 0)
        for t in try keras.parameters().tensors where gradients[t.name] != nil && !vanishing.contains(t.name) {
            let g = try fixture.tensor("grad." + t.name)
            let d = AdamStepDeviation(initial: try initial.tensor(named: t.name).values, gradient: g,
                                      gradientError: FixtureTolerance.gradient * (g.map { abs(Double($0)) }.max() ?? 0),
                                      learningRate: a.learningRate, epsilon: a.epsilon / (1 - a.beta2).squareRoot(),
                                      actual: t.values, expected: try fixture.tensor("adam_keras." + t.name))
            XCTAssertLessThanOrEqual(d.worstRatio, 1, "\(name) adam(keras) \(t.name) on \(backend.deviceName): \(d)",
                                     file: file, line: line)
        }
    }
}
