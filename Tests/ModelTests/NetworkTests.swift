import Model
import XCTest

/// `Network<ReferenceBackend>` of the paper's layers at small shapes: learning, exact resumption, inference
/// without side effects, refusals.
final class NetworkTests: XCTestCase {
    /// A separable toy set of `count` 18×24 "spectrograms": class c has a bright band of 4 rows at row 2 + 5c,
    /// on uniform noise. Labels cycle through the classes.
    private func toySet(count: Int, classes: Int, seed: UInt64) -> (inputs: [Float], labels: [Float]) {
        var rng = RandomGenerator(seed: seed)
        var inputs: [Float] = [], labels: [Float] = []
        for i in 0..<count {
            let label = i % max(classes, 2)
            for y in 0..<18 {
                for _ in 0..<24 {
                    let band = (2 + 5 * label..<6 + 5 * label).contains(y)
                    inputs.append((band ? 1 : 0) + rng.uniform(-0.4, 0.4))
                }
            }
            labels.append(Float(label))
        }
        return (inputs, labels)
    }

    private func toyConfig(classes: Int) -> NetworkConfig {
        NetworkConfig.paper(inputHeight: 18, inputWidth: 24, filters: 4, classes: classes,
                       batchNorm: BatchNormConfig(momentum: 0.9), adam: AdamConfig(learningRate: 3e-3), maxBatch: 8)
    }

    func testLossFallsOnASeparableToySet() throws {
        for classes in [1, 3] {
            let backend = ReferenceBackend()
            let config = toyConfig(classes: classes)
            var rng = RandomGenerator(seed: 10)
            let model = try Network(backend: backend, config: config,
                                     parameters: try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng))
            let (inputs, labels) = toySet(count: 24, classes: classes, seed: 11)
            let batches = 3, n = 8, epochs = 15
            let input = try backend.makeBuffer(count: n * config.inputCount, label: "input")
            let labelBuffer = try backend.makeBuffer(count: n, label: "labels")
            let losses = try backend.makeBuffer(count: epochs * batches * n, label: "losses")
            let probabilities = try backend.makeBuffer(count: epochs * batches * n * classes, label: "probabilities")
            for epoch in 0..<epochs {
                for b in 0..<batches {
                    try backend.write(Array(inputs[b * n * config.inputCount..<(b + 1) * n * config.inputCount]),
                                      to: input, offset: 0)
                    try backend.write(Array(labels[b * n..<(b + 1) * n]), to: labelBuffer, offset: 0)
                    try model.trainStep(input: input, labels: labelBuffer, batch: n, losses: losses,
                                        probabilities: probabilities, resultOffset: (epoch * batches + b) * n)
                }
            }
            XCTAssertEqual(model.step, epochs * batches)
            let all = try backend.read(losses, offset: 0, count: epochs * batches * n)
            let first = all.prefix(batches * n).reduce(0, +) / Float(batches * n)
            let last = all.suffix(batches * n).reduce(0, +) / Float(batches * n)
            print("toy set, \(classes) class(es): mean training loss, first epoch \(first), last \(last)")
            XCTAssertLessThan(last, 0.2 * first, "classes \(classes): mean training loss \(first) → \(last)")

            // Inference mode on fresh examples of the same classes: every one right.
            let (testInputs, testLabels) = toySet(count: 8, classes: classes, seed: 12)
            try backend.write(testInputs, to: input, offset: 0)
            try backend.write(testLabels, to: labelBuffer, offset: 0)
            try model.evaluate(input: input, labels: labelBuffer, batch: 8, losses: losses, probabilities: probabilities,
                               resultOffset: 0)
            let p = try backend.read(probabilities, offset: 0, count: 8 * classes)
            for i in 0..<8 {
                let predicted = classes == 1 ? (p[i] > 0.5 ? 1 : 0)
                    : (0..<classes).max { p[i * classes + $0] < p[i * classes + $1] }!
                XCTAssertEqual(Float(predicted), testLabels[i], "classes \(classes), example \(i): \(p)")
            }
        }
    }

    /// Parameters and Adam state downloaded after 3 steps and loaded into a new network continue exactly
    /// (bitwise) as the original network does.
    func testResumingFromASnapshotIsExact() throws {
        let backend = ReferenceBackend()
        let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 3, classes: 1, maxBatch: 4)
        var rng = RandomGenerator(seed: 20)
        let initial = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let original = try Network(backend: backend, config: config, parameters: initial)
        let (inputs, labels) = (randomValues(5 * 4 * config.inputCount, -2, 2, &rng),
                                (0..<20).map { _ in Float(rng.next(below: 2)) })
        let input = try backend.makeBuffer(count: 4 * config.inputCount, label: "input")
        let labelBuffer = try backend.makeBuffer(count: 4, label: "labels")
        let losses = try backend.makeBuffer(count: 4, label: "losses")
        let probabilities = try backend.makeBuffer(count: 4, label: "p")
        func step(_ model: Network<ReferenceBackend>, _ i: Int) throws {
            try backend.write(Array(inputs[i * 4 * config.inputCount..<(i + 1) * 4 * config.inputCount]), to: input, offset: 0)
            try backend.write(Array(labels[i * 4..<(i + 1) * 4]), to: labelBuffer, offset: 0)
            try model.trainStep(input: input, labels: labelBuffer, batch: 4, losses: losses, probabilities: probabilities,
                                resultOffset: 0)
        }
        for i in 0..<3 { try step(original, i) }
        let resumed = try Network(backend: backend, config: config, parameters: try original.parameters(),
                                   adamState: try original.adamState())
        XCTAssertEqual(resumed.step, 3)
        XCTAssertEqual(try resumed.parameters()["bn1.num_batches_tracked"]?.values, [3])
        for i in 3..<5 {
            try step(original, i)
            try step(resumed, i)
        }
        let a = try original.parameters(), b = try resumed.parameters()
        for (x, y) in zip(a.tensors, b.tensors) {
            XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern), x.name)
        }
        XCTAssertEqual(try original.adamState(), try resumed.adamState())
        XCTAssertEqual(a["bn1.num_batches_tracked"]?.values, [5])
        for name in ["conv1.weight", "bn1.bias", "conv2.weight", "fc.weight"] {
            XCTAssertNotEqual(a[name]?.values, initial[name]?.values, "training moved \(name)")
        }
    }

    func testEvaluateChangesNothing() throws {
        let backend = ReferenceBackend()
        let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 16, filters: 2, classes: 4, maxBatch: 3)
        var rng = RandomGenerator(seed: 30)
        let model = try Network(backend: backend, config: config,
                                 parameters: try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng))
        let before = try model.parameters()
        let input = try backend.makeBuffer(randomValues(3 * 256, -1, 1, &rng), label: "input")
        let labels = try backend.makeBuffer([0, 3, 1], label: "labels")
        let losses = try backend.makeBuffer(count: 5, label: "losses")
        let probabilities = try backend.makeBuffer(count: 20, label: "p")
        try model.evaluate(input: input, labels: labels, batch: 3, losses: losses, probabilities: probabilities,
                           resultOffset: 2)
        XCTAssertEqual(try model.parameters(), before)
        XCTAssertEqual(model.step, 0)
        let p = try backend.read(probabilities, offset: 8, count: 12)
        for i in 0..<3 { XCTAssertEqual(p[i * 4..<i * 4 + 4].reduce(0, +), 1, accuracy: 1e-6) }
        XCTAssertTrue(try backend.read(losses, offset: 2, count: 3).allSatisfy { $0 > 0 && $0.isFinite })
    }

    func testRejectsShapesAndBatchesItCannotRun() throws {
        let backend = ReferenceBackend()
        var config = NetworkConfig.paper(inputHeight: 12, inputWidth: 17, filters: 4)
        XCTAssertThrowsError(try config.resolved()) { error in
            XCTAssertEqual("\(error)", "architecture 'paper': layer 4 (conv2d conv2 5×5×4 valid relu): gets a 4×6 input, "
                           + "smaller than its 5×5 kernel; use \"padding\": \"same\", a smaller kernel, or fewer pooling layers before it")
        }
        config = NetworkConfig.paper(inputHeight: 16, inputWidth: 16, filters: 4)
        XCTAssertNoThrow(try config.resolved())
        XCTAssertEqual(try NetworkConfig().resolved().layers.last?.input.count, 33280)
        config.maxBatch = 2
        var rng = RandomGenerator(seed: 1)
        let model = try Network(backend: backend, config: config,
                                parameters: try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng))
        let buffer = try backend.makeBuffer(count: 3 * 256, label: "x")
        XCTAssertThrowsError(try model.trainStep(input: buffer, labels: buffer, batch: 3, losses: buffer,
                                                 probabilities: buffer, resultOffset: 0)) { error in
            XCTAssertEqual(error as? NetworkError, .batchOutOfRange(batch: 3, maxBatch: 2))
        }
        let fourFilters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        config = NetworkConfig.paper(inputHeight: 16, inputWidth: 16, filters: 5, maxBatch: 2)
        XCTAssertThrowsError(try Network(backend: backend, config: config, parameters: fourFilters)) { error in
            XCTAssertEqual(error as? ParameterSetError, .shapeMismatch(name: "conv1.weight", expected: [5, 1, 5, 5],
                                                                       found: [4, 1, 5, 5]))
        }
        XCTAssertThrowsError(try Network(backend: backend, config: config, parameters: ParameterSet()))
    }

    /// `predict` needs no labels and gives the logits `evaluate` computes.
    func testPredictGivesEvaluatesLogits() throws {
        let backend = ReferenceBackend()
        let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 18, filters: 3, classes: 3, maxBatch: 4)
        var rng = RandomGenerator(seed: 40)
        let model = try Network(backend: backend, config: config,
                                parameters: try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng))
        let input = try backend.makeBuffer(randomValues(4 * config.inputCount, -1, 1, &rng), label: "input")
        let logits = try backend.read(try model.predict(input: input, batch: 4), offset: 0, count: 12)
        let labels = try backend.makeBuffer([0, 1, 2, 0], label: "labels")
        let losses = try backend.makeBuffer(count: 4, label: "losses"), p = try backend.makeBuffer(count: 12, label: "p")
        try model.evaluate(input: input, labels: labels, batch: 4, losses: losses, probabilities: p, resultOffset: 0)
        XCTAssertEqual(try model.logits(batch: 4), logits)
        XCTAssertTrue(logits.allSatisfy(\.isFinite))
    }

    /// A checkpoint of any spec rebuilds its network from the file alone; tensors that do not fit the spec the
    /// file names are refused with one line naming the file, the layer and the tensor.
    func testCheckpointCarriesItsSpecAndRefusesTensorsThatDoNotFit() throws {
        let spec = try Architecture.parse("""
            {"name": "small", "input": [9, 11], "layers": [
              {"type": "conv2d", "filters": 3, "kernel": [3, 2], "padding": "same", "activation": "relu"},
              {"type": "globalavgpool"}, {"type": "dense", "units": 4, "activation": "relu"}, {"type": "dense"}]}
            """, source: "small.json")
        let config = NetworkConfig(architecture: spec, classes: 10)
        var rng = RandomGenerator(seed: 50)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let metadata = ModelCheckpoint.metadata(config: config, labels: ["a", "b"])
        let bytes = SafeTensors.encode(ModelCheckpoint.tensors(parameters), metadata: metadata)
        let loaded = try ModelCheckpoint.decode(bytes, path: "small.safetensors")
        XCTAssertEqual(loaded.architecture, spec)
        XCTAssertEqual(loaded.config.classes, 10)
        XCTAssertEqual(loaded.parameters, parameters)

        var other = metadata
        other["architecture"] = metadata["architecture"]!.replacingOccurrences(of: "\"filters\": 3", with: "\"filters\": 5")
        XCTAssertNotEqual(other["architecture"], metadata["architecture"])
        XCTAssertThrowsError(try ModelCheckpoint.decode(SafeTensors.encode(ModelCheckpoint.tensors(parameters), metadata: other),
                                                        path: "small.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("small.safetensors: layer 1 (conv2d conv1 3×2×5 same relu) needs tensor 'conv1.weight' "
                                                + "of shape [5, 1, 3, 2], the file has [3, 1, 3, 2]"), "\(error)")
        }
        var missing = ModelCheckpoint.tensors(parameters)
        missing.removeAll { $0.name == "fc1.bias" }
        XCTAssertThrowsError(try ModelCheckpoint.decode(SafeTensors.encode(missing, metadata: metadata), path: "small.safetensors")) {
            XCTAssertTrue("\($0)".hasPrefix("small.safetensors: layer 3 (dense fc1 4 relu) needs tensor 'fc1.bias'"), "\($0)")
        }
    }
}
