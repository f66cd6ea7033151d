import Foundation
import Model
import XCTest

/// `Fixtures/make_training_fixtures.py`'s files, as JSON.
private func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw FixtureError("the ModelTests bundle has no Fixtures directory")
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name + ".json")))
}

struct OptimizerFixture: Decodable {
    struct Case: Decodable {
        let name, reference, optimizer, placement: String
        let weightDecay, momentum: Float
        let nesterov: Bool
        let initial: [Float]
        let gradients: [[Float]]
        let lrs: [Double]
        let after: [[Float]]
        let m: [Float]?
        let v: [Float]?
    }
    let beta1, beta2, epsilon: Float
    let cases: [Case]
}

/// Deviations from an optimiser fixture, each relative to the tensor's largest magnitude.
struct OptimizerDeviation {
    /// The parameters, worst over every step.
    var parameters = 0.0
    /// The state after the last step: m (Adam's first moment or SGD's momentum buffer) and v.
    var m = 0.0, v = 0.0
}

/// Runs `fixture`'s steps with the backend's optimiser ops.
func runOptimizerFixture<B: Backend>(_ c: OptimizerFixture.Case, fixture: OptimizerFixture, on backend: B) throws -> OptimizerDeviation {
    let n = c.initial.count
    let w = try backend.makeBuffer(c.initial, label: "parameter")
    let g = try backend.makeBuffer(count: n, label: "gradient")
    let m = try backend.makeBuffer([Float](repeating: 0, count: n), label: "m")
    let v = try backend.makeBuffer([Float](repeating: 0, count: n), label: "v")
    guard let placement = AdamEpsilonPlacement(rawValue: c.placement), let kind = OptimizerKind(rawValue: c.optimizer) else {
        throw FixtureError("\(c.name): unknown optimizer \(c.optimizer) or placement \(c.placement)")
    }
    var worst = OptimizerDeviation()
    for (step, (gradient, lr)) in zip(c.gradients, c.lrs).enumerated() {
        try backend.write(gradient, to: g, offset: 0)
        let adam = AdamConfig(learningRate: Float(lr), beta1: fixture.beta1, beta2: fixture.beta2, epsilon: fixture.epsilon,
                              placement: placement)
        switch kind {
        case .adam: try backend.adamStep(parameter: w, gradient: g, m: m, v: v, count: n, step: step + 1, config: adam)
        case .adamw:
            try backend.adamWStep(parameter: w, gradient: g, m: m, v: v, count: n, step: step + 1, config: adam,
                                  weightDecay: c.weightDecay)
        case .sgd:
            try backend.sgdStep(parameter: w, gradient: g, momentum: m, count: n,
                                config: SGDConfig(learningRate: Float(lr), momentum: c.momentum, nesterov: c.nesterov,
                                                  weightDecay: c.weightDecay))
        }
        worst.parameters = max(worst.parameters, Deviation(try backend.read(w, offset: 0, count: n), c.after[step]).relativeToMax)
    }
    if let expected = c.m { worst.m = Deviation(try backend.read(m, offset: 0, count: n), expected).relativeToMax }
    if let expected = c.v { worst.v = Deviation(try backend.read(v, offset: 0, count: n), expected).relativeToMax }
    return worst
}

/// Optimisers, learning-rate schedules and class-weighted losses against torch.optim, Keras and scikit-learn.
final class TrainingFixtureTests: XCTestCase {
    /// Parameters and m after 6 steps: float32 against float32 (elementwise, a few roundings per step).
    static let optimizerTolerance = 1e-6
    /// Adam's v: `AdamConfig` holds β2 as a Float, and 1 − Float(0.999) = 0.000999987 is 1.29e-5 below the
    /// 0.001 that torch (double) and Keras (float32 of 1 − 0.999) use, so v runs 1.29e-5 low, relatively;
    /// the parameters move by m/√v, where it shrinks to ≈ 6e-6 of one update.
    static let adamVTolerance = 2e-5

    func assertWithin(_ d: OptimizerDeviation, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(d.parameters, Self.optimizerTolerance, "\(name) parameters", file: file, line: line)
        XCTAssertLessThanOrEqual(d.m, Self.optimizerTolerance, "\(name) m", file: file, line: line)
        XCTAssertLessThanOrEqual(d.v, Self.adamVTolerance, "\(name) v", file: file, line: line)
    }

    func testOptimizersMatchTorchAndKerasOnTheReferencePath() throws {
        let fixture = try loadFixture("optimizers", as: OptimizerFixture.self)
        XCTAssertEqual(Set(fixture.cases.map(\.optimizer)), ["adam", "adamw", "sgd"])
        XCTAssertEqual(Set(fixture.cases.map(\.placement)), ["keras", "pytorch"])
        for c in fixture.cases {
            let d = try runOptimizerFixture(c, fixture: fixture, on: ReferenceBackend())
            print("optimizer fixture \(c.name) (\(c.reference)), reference path: parameters \(d.parameters), m \(d.m), v \(d.v) of each tensor's max")
            assertWithin(d, c.name)
        }
    }

    /// A wrong optimiser is caught: SGD with momentum run as plain SGD misses the fixture by far.
    func testOptimizerFixtureDetectsAWrongRule() throws {
        let fixture = try loadFixture("optimizers", as: OptimizerFixture.self)
        let c = try XCTUnwrap(fixture.cases.first { $0.name == "sgd-momentum-wd" })
        let plain = OptimizerFixture.Case(name: c.name, reference: c.reference, optimizer: c.optimizer, placement: c.placement,
                                          weightDecay: c.weightDecay, momentum: 0, nesterov: false, initial: c.initial,
                                          gradients: c.gradients, lrs: c.lrs, after: c.after, m: nil, v: nil)
        XCTAssertGreaterThan(try runOptimizerFixture(plain, fixture: fixture, on: ReferenceBackend()).parameters, 1e-3)
    }

    struct ScheduleFixture: Decodable {
        struct Case: Decodable {
            let name, schedule: String
            let baseLR: Double
            let epochs: Int
            let stepEpochs: Int?, gamma: Double?, warmupEpochs: Int?, minLR: Double?
            let stepsPerEpoch: Int?, warmupSteps: Int?
            let mode: String?, factor: Double?, patience: Int?
            let metrics: [Double]?
            let lrs: [Double]
        }
        let reference: String
        let cases: [Case]
    }

    func testLearningRateSchedulesMatchTorch() throws {
        let fixture = try loadFixture("lr_schedules", as: ScheduleFixture.self)
        var worst = 0.0
        for c in fixture.cases {
            let schedule: LearningRateSchedule
            switch c.schedule {
            case "step": schedule = .step(everyEpochs: c.stepEpochs!, gamma: c.gamma!)
            case "cosine": schedule = .cosine(warmupEpochs: c.warmupEpochs!, epochs: c.epochs, minimum: c.minLR!)
            case "cosine-steps": schedule = .cosineSteps(warmupSteps: c.warmupSteps!, epochs: c.epochs, minimum: c.minLR!)
            case "plateau":
                schedule = .plateau(mode: MetricMode(rawValue: c.mode!)!, factor: c.factor!, patience: c.patience!, minimum: c.minLR!)
            default: throw FixtureError("unknown schedule \(c.schedule)")
            }
            XCTAssertNil(schedule.problem, c.name)
            XCTAssertEqual(schedule.perStep, c.stepsPerEpoch != nil, c.name)
            for (epoch, expected) in c.lrs.enumerated() {
                let lr = c.stepsPerEpoch.map { schedule.learningRate(base: c.baseLR, step: epoch, stepsPerEpoch: $0) }
                    ?? schedule.learningRate(base: c.baseLR, epoch: epoch, monitored: c.metrics ?? [])
                let error = abs(lr - expected) / expected
                worst = max(worst, error)
                XCTAssertLessThanOrEqual(error, 1e-12, "\(c.name) epoch \(epoch): \(lr) vs torch \(expected)")
            }
        }
        print("learning-rate schedules vs \(fixture.reference): max relative error \(worst) over \(fixture.cases.count) schedules")
        // The plateau cases reduce at the epochs torch does, ties and changes within the threshold included.
        let plateau = try XCTUnwrap(fixture.cases.first { $0.name == "plateau-min" })
        XCTAssertEqual(Set(plateau.lrs).count, 4)
    }

    struct ClassWeightFixture: Decodable {
        struct Case: Decodable {
            let name: String
            let classes: Int
            let labels: [Int]
            let weights, logits, losses, gradLogits: [Float]
        }
        let reference: String
        let cases: [Case]
    }

    func runWeightedLoss<B: Backend>(_ c: ClassWeightFixture.Case, on backend: B) throws -> (losses: Double, grad: Double) {
        let batch = c.labels.count
        let z = try backend.makeBuffer(c.logits, label: "logits")
        let y = try backend.makeBuffer(c.labels.map(Float.init), label: "labels")
        let w = try backend.makeBuffer(ClassWeights.balanced(labels: c.labels, classes: c.classes), label: "class weights")
        let g = try backend.makeBuffer(count: batch * c.classes, label: "gradLogits")
        let l = try backend.makeBuffer(count: batch, label: "losses")
        let p = try backend.makeBuffer(count: batch * c.classes, label: "probabilities")
        if c.classes == 1 {
            try backend.sigmoidBinaryCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, gradLogits: g,
                                                  losses: l, probabilities: p, resultOffset: 0)
        } else {
            try backend.softmaxCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, classes: c.classes,
                                            gradLogits: g, losses: l, probabilities: p, resultOffset: 0)
        }
        return (Deviation(try backend.read(l, offset: 0, count: batch), c.losses).relativeToMax,
                Deviation(try backend.read(g, offset: 0, count: batch * c.classes), c.gradLogits).relativeToMax)
    }

    func testBalancedClassWeightsAndWeightedLossesMatchScikitLearnAndTorch() throws {
        let fixture = try loadFixture("class_weights", as: ClassWeightFixture.self)
        for c in fixture.cases {
            XCTAssertEqual(ClassWeights.balanced(labels: c.labels, classes: c.classes), c.weights, "\(c.name) vs scikit-learn")
            let (losses, grad) = try runWeightedLoss(c, on: ReferenceBackend())
            print("class-weight fixture \(c.name) (\(fixture.reference)), reference path: losses \(losses), ∂loss/∂logits \(grad)")
            XCTAssertLessThanOrEqual(losses, 1e-6, c.name)
            XCTAssertLessThanOrEqual(grad, 1e-6, c.name)
        }
    }

    func testOptimizersAndWeightedLossesMatchOnOpenCL() throws {
        let backend = try OpenCLTestBackend.shared()
        let fixture = try loadFixture("optimizers", as: OptimizerFixture.self)
        for c in fixture.cases {
            let d = try runOptimizerFixture(c, fixture: fixture, on: backend)
            print("optimizer fixture \(c.name), OpenCL (\(backend.deviceName)): parameters \(d.parameters), m \(d.m), v \(d.v) of each tensor's max")
            assertWithin(d, c.name)
        }
        let weights = try loadFixture("class_weights", as: ClassWeightFixture.self)
        for c in weights.cases {
            let (losses, grad) = try runWeightedLoss(c, on: backend)
            print("class-weight fixture \(c.name), OpenCL: losses \(losses), ∂loss/∂logits \(grad)")
            XCTAssertLessThanOrEqual(losses, 1e-5, c.name)
            XCTAssertLessThanOrEqual(grad, 1e-5, c.name)
        }
    }
}

/// The new optimiser and weighted-loss ops, OpenCL against the reference, with `gcnn check`'s criterion.
final class OptimizerParityTests: XCTestCase {
    func testAdamWSGDAndWeightedLossesMatchTheReference() throws {
        let device = try OpenCLTestBackend.shared()
        let cases: [any BackendCheckCase] = [
            AdamWCase(count: 1001, step: 1, placement: .pytorch, seed: 60), AdamWCase(count: 777, step: 8, placement: .keras, seed: 61),
            SGDCase(count: 1001, momentum: 0, nesterov: false, weightDecay: 0, seed: 62),
            SGDCase(count: 777, momentum: 0.9, nesterov: false, weightDecay: 1e-2, seed: 63),
            SGDCase(count: 777, momentum: 0.8, nesterov: true, weightDecay: 5e-4, seed: 64),
            LossCase(batch: 7, classes: 1, resultOffset: 2, seed: 65, weighted: true),
            LossCase(batch: 6, classes: 4, resultOffset: 1, seed: 66, weighted: true),
        ]
        for testCase in cases {
            let row = try BackendCheck.run(testCase, device: device, reference: ReferenceBackend())
            XCTAssertLessThanOrEqual(row.maxRelError, row.tolerance, "\(row.op) [\(row.shape)]: \(row.maxRelError)")
            XCTAssertTrue(row.deterministic, "\(row.op) [\(row.shape)] differs between two runs")
        }
    }

    func testCheckCoversTheNewOps() {
        let ops = Set(BackendCheckCases.awkward().map(\.op))
        for op in ["adamw (pytorch ε)", "adamw (keras ε)", "sgd", "sgd (momentum)", "sgd (nesterov)",
                   "sigmoid + BCE (class weights)", "softmax + CE (class weights)"] {
            XCTAssertTrue(ops.contains(op), "gcnn check does not cover \(op)")
        }
    }

    /// With every weight 1 the weighted losses are the unweighted ones, bit for bit; weights scale each example's gradient.
    func testUnitWeightsChangeNothingAndWeightsScaleGradients() throws {
        let be = ReferenceBackend()
        let logits: [Float] = [0.3, -1.2, 2.5, 0.1, -0.4, 0.9]
        func gradients(classes: Int, labels: [Float], weights: [Float]?) throws -> [Float] {
            let batch = labels.count
            let z = try be.makeBuffer(logits, label: "z"), y = try be.makeBuffer(labels, label: "y")
            let g = try be.makeBuffer(count: batch * classes, label: "g"), l = try be.makeBuffer(count: batch, label: "l")
            let p = try be.makeBuffer(count: batch * classes, label: "p")
            let w = try weights.map { try be.makeBuffer($0, label: "w") }
            if classes == 1 {
                try be.sigmoidBinaryCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, gradLogits: g, losses: l,
                                                 probabilities: p, resultOffset: 0)
            } else {
                try be.softmaxCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, classes: classes, gradLogits: g,
                                           losses: l, probabilities: p, resultOffset: 0)
            }
            return try be.read(g, offset: 0, count: batch * classes)
        }
        let binary: [Float] = [1, 0, 1, 1, 0, 0], softmax: [Float] = [0, 2]
        XCTAssertEqual(try gradients(classes: 1, labels: binary, weights: [1, 1]), try gradients(classes: 1, labels: binary, weights: nil))
        XCTAssertEqual(try gradients(classes: 3, labels: softmax, weights: [1, 1, 1]), try gradients(classes: 3, labels: softmax, weights: nil))
        let plain = try gradients(classes: 1, labels: binary, weights: nil)
        let weighted = try gradients(classes: 1, labels: binary, weights: [0.5, 3])
        for i in 0..<6 {
            let w: Float = binary[i] == 1 ? 3 : 0.5
            XCTAssertEqual(weighted[i], plain[i] * w, accuracy: 1e-6 * abs(plain[i] * w))
        }
        let plainCE = try gradients(classes: 3, labels: softmax, weights: nil)
        let weightedCE = try gradients(classes: 3, labels: softmax, weights: [2, 7, 0.25])
        for i in 0..<6 {
            let w: Float = i < 3 ? 2 : 0.25
            XCTAssertEqual(weightedCE[i], plainCE[i] * w, accuracy: 1e-6 * abs(plainCE[i] * w))
        }
    }
}
