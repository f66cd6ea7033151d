import Foundation
import Model
import XCTest

/// The two files of a fixture in the ModelTests bundle: `<name>.json` and `<name>.f32` (little-endian float32).
enum FixtureFiles {
    static func load(_ name: String) throws -> (json: Data, floats: [Float]) {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError("the ModelTests bundle has no Fixtures directory")
        }
        let json = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        let bytes = try Data(contentsOf: directory.appendingPathComponent(name + ".f32"))
        let floats = bytes.withUnsafeBytes { raw in
            (0..<bytes.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return (json, floats)
    }

    /// The tensor at `entry` (element offset, shape) of `data`, or a failure naming the fixture and the key.
    static func tensor(_ key: String, of name: String, entry: (offset: Int, shape: [Int])?, data: [Float]) throws -> [Float] {
        guard let entry else { throw FixtureError("\(name): no tensor '\(key)'") }
        let count = entry.shape.reduce(1, *)
        guard entry.offset + count <= data.count else { throw FixtureError("\(name): '\(key)' runs past the data") }
        return Array(data[entry.offset..<entry.offset + count])
    }
}

/// A one-training-step fixture written by `Fixtures/make_fixtures.py` from PyTorch: `<name>.json` (configuration,
/// scalars and an index of tensors) and `<name>.f32` (the tensors, little-endian float32).
struct PyTorchFixture {
    struct Index: Decodable {
        struct Config: Decodable {
            let inputHeight, inputWidth, filters, kernel, classes, batch: Int
            let batchNormMomentumKeras, batchNormEpsilon: Float
        }
        struct Adam: Decodable { let learningRate, beta1, beta2, epsilon: Double }
        struct Perturbation: Decodable { let name: String; let lo, hi: Float }
        struct Entry: Decodable { let offset: Int; let shape: [Int] }
        let config: Config
        let adam: Adam
        let seed: UInt64
        let perturbations: [Perturbation]
        let initial_sums: [String: Double]
        let loss: Double
        let tensors: [String: Entry]
    }

    let name: String
    let index: Index
    private let data: [Float]

    init(named name: String) throws {
        self.name = name
        let (json, data) = try FixtureFiles.load(name)
        index = try JSONDecoder().decode(Index.self, from: json)
        self.data = data
    }

    var batch: Int { index.config.batch }

    /// The network of the fixture: PyTorch's `BatchNorm2d(momentum=0.01, eps=1e-3)` variance rule.
    func config(placement: AdamEpsilonPlacement) -> NetworkConfig {
        let c = index.config
        return NetworkConfig.paper(
            inputHeight: c.inputHeight, inputWidth: c.inputWidth, filters: c.filters, kernel: c.kernel,
            classes: c.classes,
            batchNorm: BatchNormConfig(momentum: c.batchNormMomentumKeras, epsilon: c.batchNormEpsilon,
                                       unbiasedRunningVariance: true),
            adam: AdamConfig(learningRate: Float(index.adam.learningRate), beta1: Float(index.adam.beta1),
                             beta2: Float(index.adam.beta2), epsilon: Float(index.adam.epsilon), placement: placement),
            maxBatch: c.batch)
    }

    /// A stored tensor, or a failure naming the key.
    func tensor(_ key: String) throws -> [Float] {
        try FixtureFiles.tensor(key, of: name, entry: index.tensors[key].map { ($0.offset, $0.shape) }, data: data)
    }

    func has(_ key: String) -> Bool { index.tensors[key] != nil }

    /// The fixture's initial state, regenerated as the script drew it: `Network.initialParameters` from the
    /// seed, then the perturbations in order. Throws if a sum disagrees with the script's (a diverged generator).
    func initialParameters() throws -> ParameterSet {
        var rng = RandomGenerator(seed: index.seed)
        var set = try Network<ReferenceBackend>.initialParameters(config: config(placement: .pytorch), rng: &rng)
        for p in index.perturbations {
            let count = try set.tensor(named: p.name).count
            try set.replaceValues(of: p.name, with: (0..<count).map { _ in rng.uniform(p.lo, p.hi) })
        }
        for (tensorName, expected) in index.initial_sums {
            let values = try set.tensor(named: tensorName).values
            let sum = values.reduce(0.0) { $0 + Double($1) }
            let scale = values.reduce(0.0) { $0 + abs(Double($1)) }
            guard abs(sum - expected) <= 1e-9 * scale else {
                throw FixtureError("\(name): regenerated '\(tensorName)' sums to \(sum), the script's to \(expected): "
                                   + "RandomGenerator or Initializers no longer match make_fixtures.py")
            }
        }
        return set
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The largest deviation of `actual` from `expected`, absolute and relative to `expected`'s largest magnitude.
struct Deviation: CustomStringConvertible {
    let maxAbs: Double
    let maxAbsExpected: Double
    var relativeToMax: Double { maxAbsExpected > 0 ? maxAbs / maxAbsExpected : maxAbs }

    init(_ actual: [Float], _ expected: [Float]) {
        precondition(actual.count == expected.count, "Deviation: \(actual.count) vs \(expected.count) values")
        maxAbs = zip(actual, expected).map { abs(Double($0) - Double($1)) }.max() ?? 0
        maxAbsExpected = expected.map { abs(Double($0)) }.max() ?? 0
    }

    var description: String {
        String(format: "max abs err %.3g (max |expected| %.3g, relative to it %.3g)", maxAbs, maxAbsExpected, relativeToMax)
    }
}

/// Tolerances of the PyTorch comparisons, float32 throughout.
///
/// Criterion: `max |actual − expected| ≤ rtol · max |expected|` per tensor. Every compared value is a sum of
/// thousands of products of mixed sign (a conv2 weight gradient sums 4·26·80 = 8 320 terms, a logit 33 280),
/// so the rounding error of an element scales with the magnitude of its terms, i.e. with the tensor's scale,
/// not with the element itself, which cancellation can make arbitrarily small; element-wise relative error
/// would be meaningless there. `make_fixtures.py` measures float32 PyTorch against the same step in float64
/// PyTorch: at most 2.0e-6 of the max for the paper's gradients and 3e-6 absolute on logits of magnitude ~1.
/// The reference backend accumulates in Double, so it sits at PyTorch's own float32 error; OpenCL kernels
/// accumulating in float32 add an error of the same size. 2e-5 leaves a factor 10 over PyTorch's own error.
enum FixtureTolerance {
    static let forward = 2e-5
    static let gradient = 2e-5
    static let runningStatistics = 2e-5
}

/// Runs one training step of `Network<B>` from the fixture's initial state and checks, against PyTorch:
/// logits, per-example losses and probabilities, the mean loss, the gradient of every parameter, BatchNorm's
/// running statistics and batch count, and every parameter after one Adam step with PyTorch's ε placement;
/// then every parameter after one Adam step with Keras' placement (the script's float64 numpy values where the
/// fixture stores them, else the same float64 formula evaluated here from the fixture's gradients).
/// Returns one line per comparison, for the log.
@discardableResult
func assertMatchesPyTorchFixture<B: Backend>(backend: B, fixture name: String,
                                             file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
    let fixture = try PyTorchFixture(named: name)
    let initial = try fixture.initialParameters()
    let config = fixture.config(placement: .pytorch)
    let n = fixture.batch, classes = config.classes
    var report: [String] = []

    func check(_ what: String, _ actual: [Float], _ expected: [Float], rtol: Double) {
        guard actual.count == expected.count else {
            XCTFail("\(name) \(what): \(actual.count) values, PyTorch has \(expected.count)", file: file, line: line)
            return
        }
        let d = Deviation(actual, expected)
        report.append("\(name) \(what): \(d)")
        XCTAssertLessThanOrEqual(d.maxAbs, rtol * d.maxAbsExpected,
                                 "\(name) \(what) vs PyTorch: \(d), tolerance \(rtol) of the max", file: file, line: line)
    }

    let model = try Network(backend: backend, config: config, parameters: initial)
    let input = try backend.makeBuffer(try fixture.tensor("input"), label: "fixture input")
    let labels = try backend.makeBuffer(try fixture.tensor("labels"), label: "fixture labels")
    let losses = try backend.makeBuffer(count: n, label: "losses")
    let probabilities = try backend.makeBuffer(count: n * classes, label: "probabilities")
    try model.trainStep(input: input, labels: labels, batch: n, losses: losses, probabilities: probabilities,
                        resultOffset: 0)

    check("logits", try model.logits(batch: n), try fixture.tensor("logits"), rtol: FixtureTolerance.forward)
    let ourLosses = try backend.read(losses, offset: 0, count: n)
    check("losses", ourLosses, try fixture.tensor("losses"), rtol: FixtureTolerance.forward)
    check("probabilities", try backend.read(probabilities, offset: 0, count: n * classes),
          try fixture.tensor("probabilities"), rtol: FixtureTolerance.forward)
    let meanLoss = ourLosses.reduce(0.0) { $0 + Double($1) } / Double(n)
    XCTAssertEqual(meanLoss, fixture.index.loss, accuracy: FixtureTolerance.forward * abs(fixture.index.loss),
                   "\(name) mean loss", file: file, line: line)

    let gradients = try model.gradients()
    for tensor in gradients.tensors {
        check("gradient \(tensor.name)", tensor.values, try fixture.tensor("grad." + tensor.name),
              rtol: FixtureTolerance.gradient)
    }

    let after = try model.parameters()
    for statistic in ["bn1.running_mean", "bn1.running_var"] {
        check(statistic, try after.tensor(named: statistic).values, try fixture.tensor("after." + statistic),
              rtol: FixtureTolerance.runningStatistics)
    }
    XCTAssertEqual(try after.tensor(named: "bn1.num_batches_tracked").values, [1], file: file, line: line)

    // Adam, PyTorch's placement: after one step from zero moments the update is ≈ ±lr wherever |g| ≫ ε, so
    // the updated parameters test the sign and scale of every gradient element and the optimiser's
    // arithmetic. Tolerance per element: see `AdamStepDeviation`.
    let adamConfig = config.adam
    func checkAdam(_ what: String, parameter: String, actual: [Float], expected: [Float], epsilon: Double) throws {
        let g = try fixture.tensor("grad." + parameter)
        let d = AdamStepDeviation(initial: try initial.tensor(named: parameter).values, gradient: g,
                                  gradientError: FixtureTolerance.gradient * (g.map { abs(Double($0)) }.max() ?? 0),
                                  learningRate: Double(adamConfig.learningRate), epsilon: epsilon,
                                  actual: actual, expected: expected)
        report.append("\(name) \(what) \(parameter): \(d)")
        XCTAssertLessThanOrEqual(d.worstRatio, 1, "\(name) \(what) \(parameter): \(d); element \(d.worstIndex): "
                                 + "\(actual[d.worstIndex]) vs \(expected[d.worstIndex])", file: file, line: line)
    }
    let a = fixture.index.adam
    for tensor in after.tensors where gradients[tensor.name] != nil {
        try checkAdam("adam(pytorch)", parameter: tensor.name, actual: tensor.values,
                      expected: try fixture.tensor("adam_pytorch." + tensor.name), epsilon: a.epsilon)
    }

    // Adam, Keras' placement, from the same initial parameters and this backend's gradients.
    var kerasConfig = adamConfig
    kerasConfig.placement = .keras
    for tensor in gradients.tensors {
        let w0 = try initial.tensor(named: tensor.name).values
        let parameter = try backend.makeBuffer(w0, label: tensor.name)
        let gradient = try backend.makeBuffer(tensor.values, label: "gradient of \(tensor.name)")
        let m = try backend.makeBuffer([Float](repeating: 0, count: w0.count), label: "m")
        let v = try backend.makeBuffer([Float](repeating: 0, count: w0.count), label: "v")
        try backend.adamStep(parameter: parameter, gradient: gradient, m: m, v: v, count: w0.count, step: 1,
                             config: kerasConfig)
        let expected: [Float]
        if fixture.has("adam_keras." + tensor.name) {
            expected = try fixture.tensor("adam_keras." + tensor.name)
        } else {
            let g = try fixture.tensor("grad." + tensor.name)
            expected = zip(w0, g).map { w, g in
                let m = (1 - a.beta1) * Double(g), v = (1 - a.beta2) * Double(g) * Double(g)
                return Float(Double(w) - a.learningRate * (1 - a.beta2).squareRoot() / (1 - a.beta1)
                             * m / (v.squareRoot() + a.epsilon))
            }
        }
        try checkAdam("adam(keras)", parameter: tensor.name,
                      actual: try backend.read(parameter, offset: 0, count: w0.count), expected: expected,
                      epsilon: a.epsilon / (1 - a.beta2).squareRoot())
    }
    return report
}

/// Parameters after the first Adam step (zero moments) of one implementation against another's.
///
/// The first update is u = lr·g/(|g| + ε) (ε/√(1 − β2) for Keras' placement). Tolerance per element: float32
/// rounding, 2⁻²⁴·(16·|u| + 2·|w|) (a float32 implementation rounds the update up to about 8 times on its way,
/// PyTorch: lerp, addcmul, sqrt, division, +ε, addcdiv, at ≤ 2⁻²⁴·|u| each, so two of them differ by up to
/// 16·2⁻²⁴·|u|; the final w − u is rounded once by each side, ≤ 1 ulp of w apart; measured against PyTorch:
/// up to 3.5 ulps of u), plus the update's response to the gradient error the comparison allows, lr·ε·δg/(|g| + ε)²
/// (the derivative of u), which only matters where |g| is near ε: there a gradient that is tiny in both
/// implementations can legitimately give updates anywhere in ±lr.
struct AdamStepDeviation: CustomStringConvertible {
    var maxAbs = 0.0
    var worstRatio = 0.0
    var worstIndex = 0

    init(initial w0: [Float], gradient g: [Float], gradientError: Double, learningRate lr: Double, epsilon eps: Double,
         actual: [Float], expected: [Float]) {
        precondition(w0.count == g.count && g.count == actual.count && actual.count == expected.count,
                     "AdamStepDeviation: tensors of different sizes")
        for i in expected.indices {
            let error = abs(Double(actual[i]) - Double(expected[i]))
            let update = abs(Double(w0[i]) - Double(expected[i]))
            let tolerance = 0x1p-24 * (16 * update + 2 * max(abs(Double(w0[i])), abs(Double(expected[i]))))
                + lr * eps * gradientError / pow(abs(Double(g[i])) + eps, 2)
            maxAbs = max(maxAbs, error)
            if error / tolerance > worstRatio { worstRatio = error / tolerance; worstIndex = i }
        }
    }

    var description: String {
        String(format: "max abs err %.3g, worst err/tolerance %.3g at %d", maxAbs, worstRatio, worstIndex)
    }
}
