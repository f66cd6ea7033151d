import Model
import XCTest

/// Finite-difference checks of every backward op of `ReferenceBackend` on small odd shapes.
///
/// Steps and tolerances (criterion: max |analytic − numerical| ≤ rtol·max |numerical|):
/// - ops linear in the probed tensor (conv and dense in input, weight and bias; BatchNorm in γ and β;
///   max and average pool with well-separated values, dropout): h = 0.5 (max pool and ReLU: 0.04, which
///   cannot cross an argmax or a kink), where central differences are exact up to the
///   float32 rounding of the op's outputs (≈ 6e-8 relative each): rtol 1e-5;
/// - nonlinear (conv + fused ReLU, BatchNorm in its input, both losses): h = 1e-2, truncation error
///   h²/6·|f‴| ≈ 2e-5 and float32 noise ≈ 1e-6/2h ≈ 5e-5 of the gradient's scale: rtol 1e-3.
final class ReferenceGradientTests: XCTestCase {
    let backend = ReferenceBackend()

    private func buffer(_ values: [Float], _ label: String = "test") throws -> ReferenceBuffer {
        try backend.makeBuffer(values, label: label)
    }

    func testConv2DGradientsMatchFiniteDifferences() throws {
        let shapes = [
            Conv2DShape(input: Shape4(n: 3, c: 2, h: 7, w: 9), outChannels: 3, kernel: 5),
            Conv2DShape(input: Shape4(n: 2, c: 3, h: 6, w: 5), outChannels: 2, kernel: 3),
            // Non-square and even kernels, "same" (extra row/column at the bottom/right) and uneven paddings,
            // padding wider than the kernel (outputs that see only padding).
            Conv2DShape(input: Shape4(n: 2, c: 2, h: 5, w: 6), outChannels: 3, kernelH: 3, kernelW: 5,
                        padding: .same(kernelH: 3, kernelW: 5)),
            Conv2DShape(input: Shape4(n: 2, c: 2, h: 5, w: 6), outChannels: 2, kernelH: 4, kernelW: 4,
                        padding: .same(kernelH: 4, kernelW: 4)),
            Conv2DShape(input: Shape4(n: 2, c: 2, h: 8, w: 5), outChannels: 2, kernelH: 7, kernelW: 2,
                        padding: Padding2D(top: 2, left: 1, bottom: 3, right: 0)),
            Conv2DShape(input: Shape4(n: 1, c: 2, h: 4, w: 4), outChannels: 2, kernelH: 2, kernelW: 3,
                        padding: Padding2D(top: 3, left: 4, bottom: 0, right: 2)),
            Conv2DShape(input: Shape4(n: 2, c: 3, h: 3, w: 4), outChannels: 2, kernelH: 1, kernelW: 1,
                        padding: Padding2D(top: 1, left: 1, bottom: 1, right: 1)),
        ]
        for shape in shapes {
            let (input, outC) = (shape.input, shape.outChannels)
            var rng = RandomGenerator(seed: 11)
            let x = randomValues(input.count, -1, 1, &rng)
            let w = randomValues(shape.weightCount, -0.5, 0.5, &rng)
            let b = randomValues(outC, -0.5, 0.5, &rng)
            let r = randomValues(shape.output.count, -1, 1, &rng)

            func loss(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Double {
                let out = try backend.makeBuffer(count: shape.output.count, label: "out")
                try backend.conv2dForward(input: buffer(x), weight: buffer(w), bias: buffer(b), output: out,
                                          shape: shape, relu: false)
                return weightedSum(out.values, r)
            }
            let gradInput = try backend.makeBuffer(count: input.count, label: "gx")
            let gradWeight = try backend.makeBuffer(count: shape.weightCount, label: "gw")
            let gradBias = try backend.makeBuffer(count: outC, label: "gb")
            try backend.conv2dBackwardData(gradOutput: buffer(r), weight: buffer(w), gradInput: gradInput, shape: shape)
            try backend.conv2dBackwardWeights(input: buffer(x), gradOutput: buffer(r), gradWeight: gradWeight,
                                              gradBias: gradBias, shape: shape)
            assertGradient("conv \(shape) input", analytic: gradInput.values,
                           numerical: try numericalGradient(of: x, step: 0.5) { try loss($0, w, b) }, rtol: 1e-5)
            assertGradient("conv \(shape) weight", analytic: gradWeight.values,
                           numerical: try numericalGradient(of: w, step: 0.5) { try loss(x, $0, b) }, rtol: 1e-5)
            assertGradient("conv \(shape) bias", analytic: gradBias.values,
                           numerical: try numericalGradient(of: b, step: 0.5) { try loss(x, w, $0) }, rtol: 1e-5)
        }
    }

    func testFusedReLUGradientMatchesFiniteDifferences() throws {
        try checkFusedReLUGradient(Conv2DShape(input: Shape4(n: 3, c: 2, h: 7, w: 9), outChannels: 3, kernel: 5), seed: 2)
        try checkFusedReLUGradient(Conv2DShape(input: Shape4(n: 1, c: 2, h: 6, w: 7), outChannels: 2, kernelH: 5,
                                               kernelW: 3, padding: .same(kernelH: 5, kernelW: 3)), seed: 9)
    }

    private func checkFusedReLUGradient(_ shape: Conv2DShape, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        let x = randomValues(shape.input.count, -1, 1, &rng)
        let w = try buffer(randomValues(shape.weightCount, -0.5, 0.5, &rng))
        let b = try buffer(randomValues(shape.outChannels, -0.2, 0.2, &rng))
        let r = randomValues(shape.output.count, -1, 1, &rng)
        let out = try backend.makeBuffer(count: shape.output.count, label: "out")
        // A probe of ±1e-2 moves each output by at most 1e-2·max|w| = 5e-3: no pre-activation may lie that close
        // to the ReLU's kink, or the central difference straddles it.
        try backend.conv2dForward(input: buffer(x), weight: w, bias: b, output: out, shape: shape, relu: false)
        let margin = out.values.map { abs($0) }.min() ?? 0
        XCTAssertGreaterThan(margin, 5e-3, "\(shape): a pre-activation within a probe of 0; pick another seed")
        func loss(_ x: [Float]) throws -> Double {
            try backend.conv2dForward(input: buffer(x), weight: w, bias: b, output: out, shape: shape, relu: true)
            return weightedSum(out.values, r)
        }
        _ = try loss(x)
        let active = out.values.filter { $0 > 0 }.count
        let count = shape.output.count
        XCTAssert(active > count / 5 && active < count - count / 5, "ReLU should cut part of the outputs: \(active) active")
        XCTAssertTrue(out.values.allSatisfy { $0 >= 0 })
        let gradient = try buffer(r)
        try backend.reluBackward(output: out, gradient: gradient, count: shape.output.count)
        let gradInput = try backend.makeBuffer(count: shape.input.count, label: "gx")
        try backend.conv2dBackwardData(gradOutput: gradient, weight: w, gradInput: gradInput, shape: shape)
        assertGradient("conv+ReLU \(shape) input", analytic: gradInput.values,
                       numerical: try numericalGradient(of: x, step: 1e-2, loss: loss), rtol: 1e-3)
    }

    func testMaxPoolGradientMatchesFiniteDifferences() throws {
        let shape = PoolShape(input: Shape4(n: 3, c: 2, h: 7, w: 9))
        var rng = RandomGenerator(seed: 11)
        // Distinct values 0.1·k: a probe of ±0.04 cannot change which element of a window is largest.
        var ranks = Array(0..<shape.input.count)
        rng.shuffle(&ranks)
        let x = ranks.map { Float($0) * 0.1 }
        let r = randomValues(shape.output.count, -1, 1, &rng)
        let out = try backend.makeBuffer(count: shape.output.count, label: "out")
        func loss(_ x: [Float]) throws -> Double {
            try backend.maxPoolForward(input: buffer(x), output: out, shape: shape)
            return weightedSum(out.values, r)
        }
        let gradInput = try backend.makeBuffer(count: shape.input.count, label: "gx")
        try backend.maxPoolBackward(input: buffer(x), gradOutput: buffer(r), gradInput: gradInput, shape: shape)
        assertGradient("maxpool input", analytic: gradInput.values,
                       numerical: try numericalGradient(of: x, step: 0.04, loss: loss), rtol: 1e-5)
        // The dropped last row (6) and column (8) of each 7×9 plane get exactly 0.
        let g = gradInput.values
        for plane in 0..<shape.input.n * shape.input.c {
            for x in 0..<9 { XCTAssertEqual(g[plane * 63 + 6 * 9 + x], 0) }
            for y in 0..<7 { XCTAssertEqual(g[plane * 63 + y * 9 + 8], 0) }
        }
    }

    /// Overlapping (3×3/2), non-overlapping with dropped edges (3×2/3×2) and global windows.
    private let generalPools = [
        PoolShape(input: Shape4(n: 2, c: 2, h: 7, w: 9), sizeH: 3, sizeW: 3, strideH: 2, strideW: 2),
        PoolShape(input: Shape4(n: 2, c: 2, h: 7, w: 9), sizeH: 3, sizeW: 2, strideH: 3, strideW: 2),
        PoolShape.global(input: Shape4(n: 2, c: 2, h: 5, w: 6)),
    ]

    func testGeneralMaxPoolGradientMatchesFiniteDifferences() throws {
        for shape in generalPools {
            var rng = RandomGenerator(seed: 7)
            var ranks = Array(0..<shape.input.count)
            rng.shuffle(&ranks)
            let x = ranks.map { Float($0) * 0.1 }
            let r = randomValues(shape.output.count, -1, 1, &rng)
            let out = try backend.makeBuffer(count: shape.output.count, label: "out")
            func loss(_ x: [Float]) throws -> Double {
                try backend.maxPoolForward(input: buffer(x), output: out, shape: shape)
                return weightedSum(out.values, r)
            }
            let gradInput = try backend.makeBuffer(count: shape.input.count, label: "gx")
            try backend.maxPoolBackward(input: buffer(x), gradOutput: buffer(r), gradInput: gradInput, shape: shape)
            assertGradient("maxpool \(shape) input", analytic: gradInput.values,
                           numerical: try numericalGradient(of: x, step: 0.04, loss: loss), rtol: 1e-5)
        }
    }

    func testAvgPoolGradientMatchesFiniteDifferences() throws {
        for shape in generalPools + [PoolShape(input: Shape4(n: 2, c: 2, h: 7, w: 9))] {
            var rng = RandomGenerator(seed: 8)
            let x = randomValues(shape.input.count, -1, 1, &rng)
            let r = randomValues(shape.output.count, -1, 1, &rng)
            let out = try backend.makeBuffer(count: shape.output.count, label: "out")
            func loss(_ x: [Float]) throws -> Double {
                try backend.avgPoolForward(input: buffer(x), output: out, shape: shape)
                return weightedSum(out.values, r)
            }
            let gradInput = try backend.makeBuffer(count: shape.input.count, label: "gx")
            try backend.avgPoolBackward(gradOutput: buffer(r), gradInput: gradInput, shape: shape)
            assertGradient("avgpool \(shape) input", analytic: gradInput.values,
                           numerical: try numericalGradient(of: x, step: 0.5, loss: loss), rtol: 1e-5)
        }
    }

    /// ReLU forward with inputs at least 0.05 from 0: a probe of ±0.04 stays on one linear piece.
    func testReluForwardGradientMatchesFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 9)
        let x = randomValues(101, -1, 1, &rng).map { $0 < 0 ? $0 - 0.05 : $0 + 0.05 }
        let r = randomValues(101, -1, 1, &rng)
        let out = try backend.makeBuffer(count: 101, label: "out")
        func loss(_ x: [Float]) throws -> Double {
            try backend.reluForward(input: buffer(x), output: out, count: 101)
            return weightedSum(out.values, r)
        }
        _ = try loss(x)
        let gradient = try buffer(r)
        try backend.reluBackward(output: out, gradient: gradient, count: 101)
        assertGradient("relu input", analytic: gradient.values,
                       numerical: try numericalGradient(of: x, step: 0.04, loss: loss), rtol: 1e-5)
    }

    func testDropoutGradientMatchesFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 10)
        let count = 97, rate: Float = 0.4, key = DropoutKey(seed: 12, layer: 3, step: 4)
        let x = randomValues(count, -1, 1, &rng), r = randomValues(count, -1, 1, &rng)
        let out = try backend.makeBuffer(count: count, label: "out")
        func loss(_ x: [Float]) throws -> Double {
            try backend.dropoutForward(input: buffer(x), output: out, count: count, rate: rate, key: key)
            return weightedSum(out.values, r)
        }
        let gradInput = try backend.makeBuffer(count: count, label: "gx")
        try backend.dropoutBackward(gradOutput: buffer(r), gradInput: gradInput, count: count, rate: rate, key: key)
        let kept = gradInput.values.filter { $0 != 0 }.count
        XCTAssert(kept > 30 && kept < 80, "about 60% of 97 should be kept: \(kept)")
        assertGradient("dropout input", analytic: gradInput.values,
                       numerical: try numericalGradient(of: x, step: 0.5, loss: loss), rtol: 1e-5)
    }

    /// Batch norm over features (h = w = 1), as after a dense layer.
    func testBatchNormOverFeaturesGradientsMatchFiniteDifferences() throws {
        try checkBatchNormGradients(Shape4(n: 6, c: 3, h: 1, w: 1), seed: 11)
    }

    func testBatchNormGradientsMatchFiniteDifferences() throws {
        try checkBatchNormGradients(Shape4(n: 3, c: 2, h: 7, w: 9), seed: 11)
    }

    private func checkBatchNormGradients(_ shape: Shape4, seed: UInt64) throws {
        let c = shape.c
        var rng = RandomGenerator(seed: seed)
        let x = randomValues(shape.count, -1.5, 2.5, &rng)
        let gamma = randomValues(c, 0.5, 1.5, &rng), beta = randomValues(c, -0.5, 0.5, &rng)
        let r = randomValues(shape.count, -1, 1, &rng)
        let saveMean = try backend.makeBuffer(count: c, label: "mean")
        let saveInvStd = try backend.makeBuffer(count: c, label: "invstd")
        func loss(_ x: [Float], _ gamma: [Float], _ beta: [Float]) throws -> Double {
            let out = try backend.makeBuffer(count: shape.count, label: "out")
            try backend.batchNormTrainingForward(
                input: buffer(x), output: out, gamma: buffer(gamma), beta: buffer(beta),
                runningMean: buffer([Float](repeating: 0, count: c)), runningVariance: buffer([Float](repeating: 1, count: c)),
                saveMean: saveMean, saveInvStd: saveInvStd, shape: shape, config: .keras)
            return weightedSum(out.values, r)
        }
        _ = try loss(x, gamma, beta)
        let gradInput = try backend.makeBuffer(count: shape.count, label: "gx")
        let gradGamma = try backend.makeBuffer(count: c, label: "gg")
        let gradBeta = try backend.makeBuffer(count: c, label: "gb")
        try backend.batchNormBackward(input: buffer(x), gradOutput: buffer(r), gamma: buffer(gamma),
                                      saveMean: saveMean, saveInvStd: saveInvStd, gradInput: gradInput,
                                      gradGamma: gradGamma, gradBeta: gradBeta, shape: shape)
        assertGradient("batchnorm \(shape) input", analytic: gradInput.values,
                       numerical: try numericalGradient(of: x, step: 1e-2) { try loss($0, gamma, beta) }, rtol: 1e-3)
        assertGradient("batchnorm \(shape) gamma", analytic: gradGamma.values,
                       numerical: try numericalGradient(of: gamma, step: 0.5) { try loss(x, $0, beta) }, rtol: 1e-5)
        assertGradient("batchnorm \(shape) beta", analytic: gradBeta.values,
                       numerical: try numericalGradient(of: beta, step: 0.5) { try loss(x, gamma, $0) }, rtol: 1e-5)
    }

    func testDenseGradientsMatchFiniteDifferences() throws {
        let (batch, inFeatures, outFeatures) = (3, 11, 4)
        var rng = RandomGenerator(seed: 11)
        let x = randomValues(batch * inFeatures, -1, 1, &rng)
        let w = randomValues(outFeatures * inFeatures, -0.5, 0.5, &rng)
        let b = randomValues(outFeatures, -0.5, 0.5, &rng)
        let r = randomValues(batch * outFeatures, -1, 1, &rng)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Double {
            let out = try backend.makeBuffer(count: batch * outFeatures, label: "out")
            try backend.denseForward(input: buffer(x), weight: buffer(w), bias: buffer(b), output: out,
                                     batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
            return weightedSum(out.values, r)
        }
        let gradInput = try backend.makeBuffer(count: x.count, label: "gx")
        let gradWeight = try backend.makeBuffer(count: w.count, label: "gw")
        let gradBias = try backend.makeBuffer(count: b.count, label: "gb")
        try backend.denseBackward(input: buffer(x), weight: buffer(w), gradOutput: buffer(r), gradInput: gradInput,
                                  gradWeight: gradWeight, gradBias: gradBias, batch: batch,
                                  inFeatures: inFeatures, outFeatures: outFeatures)
        assertGradient("dense input", analytic: gradInput.values,
                       numerical: try numericalGradient(of: x, step: 0.5) { try loss($0, w, b) }, rtol: 1e-5)
        assertGradient("dense weight", analytic: gradWeight.values,
                       numerical: try numericalGradient(of: w, step: 0.5) { try loss(x, $0, b) }, rtol: 1e-5)
        assertGradient("dense bias", analytic: gradBias.values,
                       numerical: try numericalGradient(of: b, step: 0.5) { try loss(x, w, $0) }, rtol: 1e-5)

        // Without gradInput the parameter gradients are the same.
        let gradWeight2 = try backend.makeBuffer(count: w.count, label: "gw2")
        let gradBias2 = try backend.makeBuffer(count: b.count, label: "gb2")
        try backend.denseBackward(input: buffer(x), weight: buffer(w), gradOutput: buffer(r), gradInput: nil,
                                  gradWeight: gradWeight2, gradBias: gradBias2, batch: batch,
                                  inFeatures: inFeatures, outFeatures: outFeatures)
        XCTAssertEqual(gradWeight2.values, gradWeight.values)
        XCTAssertEqual(gradBias2.values, gradBias.values)
    }

    func testSigmoidBinaryCrossEntropyGradientMatchesFiniteDifferences() throws {
        let logits: [Float] = [-3.2, -0.7, 0.05, 1.9, 4.5]
        let labels = try buffer([0, 1, 0, 1, 1])
        let batch = logits.count
        let losses = try backend.makeBuffer(count: batch + 2, label: "losses")
        let probabilities = try backend.makeBuffer(count: batch + 2, label: "p")
        let gradLogits = try backend.makeBuffer(count: batch, label: "gz")
        func loss(_ z: [Float]) throws -> Double {
            try backend.sigmoidBinaryCrossEntropy(logits: buffer(z), labels: labels, batch: batch, gradLogits: gradLogits,
                                                  losses: losses, probabilities: probabilities, resultOffset: 2)
            return losses.values[2...].reduce(0.0) { $0 + Double($1) } / Double(batch)
        }
        let numerical = try numericalGradient(of: logits, step: 1e-2, loss: loss)
        _ = try loss(logits)
        assertGradient("sigmoid BCE logits", analytic: gradLogits.values, numerical: numerical, rtol: 1e-3)
    }

    func testSoftmaxCrossEntropyGradientMatchesFiniteDifferences() throws {
        let (batch, classes) = (4, 5)
        var rng = RandomGenerator(seed: 11)
        let logits = randomValues(batch * classes, -3, 3, &rng)
        let labels = try buffer([4, 0, 2, 2])
        let losses = try backend.makeBuffer(count: batch + 1, label: "losses")
        let probabilities = try backend.makeBuffer(count: (batch + 1) * classes, label: "p")
        let gradLogits = try backend.makeBuffer(count: batch * classes, label: "gz")
        func loss(_ z: [Float]) throws -> Double {
            try backend.softmaxCrossEntropy(logits: buffer(z), labels: labels, batch: batch, classes: classes,
                                            gradLogits: gradLogits, losses: losses, probabilities: probabilities,
                                            resultOffset: 1)
            return losses.values[1...].reduce(0.0) { $0 + Double($1) } / Double(batch)
        }
        let numerical = try numericalGradient(of: logits, step: 1e-2, loss: loss)
        _ = try loss(logits)
        assertGradient("softmax CE logits", analytic: gradLogits.values, numerical: numerical, rtol: 1e-3)
    }
}
