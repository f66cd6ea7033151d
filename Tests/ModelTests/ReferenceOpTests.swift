import Model
import XCTest

/// `ReferenceBackend` ops against values worked out by hand.
final class ReferenceOpTests: XCTestCase {
    let backend = ReferenceBackend()

    private func buffer(_ values: [Float]) throws -> ReferenceBuffer { try backend.makeBuffer(values, label: "test") }

    func testMemoryOps() throws {
        let b = try backend.makeBuffer(count: 6, label: "b")
        try backend.fill(b, value: 2, offset: 0, count: 6)
        try backend.write([5, 6], to: b, offset: 3)
        try backend.fill(b, value: -1, offset: 5, count: 1)
        XCTAssertEqual(try backend.read(b, offset: 1, count: 5), [2, 2, 5, 6, -1])
        XCTAssertTrue(try backend.makeBuffer(count: 3, label: "fresh").values.allSatisfy(\.isNaN),
                      "fresh buffers are NaN so that unwritten outputs cannot pass unnoticed")
    }

    func testGatherRowsCopiesIndexedRows() throws {
        let source = try buffer([0, 1, 10, 11, 20, 21, 30, 31])
        let indices = try backend.makeIndexBuffer([9, 3, 0, 2], label: "idx")
        try backend.write([1], to: indices, offset: 0)
        let destination = try backend.makeBuffer(count: 6, label: "dst")
        try backend.gatherRows(source: source, rowLength: 2, indices: indices, indexOffset: 1, rows: 3, into: destination)
        XCTAssertEqual(destination.values, [30, 31, 0, 1, 20, 21])
    }

    func testConvForwardByHand() throws {
        // One 3×4 input, two 2×2 kernels: output 2×2×3.
        let x: [Float] = [1, 2, 3, 4,
                          5, 6, 7, 8,
                          9, 10, 11, 12]
        let w: [Float] = [1, 0, 0, -1,   // x[y][x] − x[y+1][x+1] = −5 everywhere
                          0.5, 0.5, 0.5, 0.5]  // window mean·2
        let shape = Conv2DShape(input: Shape4(n: 1, c: 1, h: 3, w: 4), outChannels: 2, kernel: 2)
        let out = try backend.makeBuffer(count: 12, label: "out")
        try backend.conv2dForward(input: buffer(x), weight: buffer(w), bias: buffer([1, -8]), output: out,
                                  shape: shape, relu: false)
        XCTAssertEqual(out.values, [-4, -4, -4, -4, -4, -4,
                                    -1, 1, 3, 7, 9, 11])
        try backend.conv2dForward(input: buffer(x), weight: buffer(w), bias: buffer([1, -8]), output: out,
                                  shape: shape, relu: true)
        XCTAssertEqual(out.values, [0, 0, 0, 0, 0, 0,
                                    0, 1, 3, 7, 9, 11])
        let gradient = try buffer([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2])
        try backend.reluBackward(output: out, gradient: gradient, count: 12)
        XCTAssertEqual(gradient.values, [0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2])
    }

    func testSamePaddingPutsTheExtraRowAndColumnAtTheBottomRight() {
        XCTAssertEqual(Padding2D.same(kernelH: 2, kernelW: 2), Padding2D(top: 0, left: 0, bottom: 1, right: 1))
        XCTAssertEqual(Padding2D.same(kernelH: 4, kernelW: 4), Padding2D(top: 1, left: 1, bottom: 2, right: 2))
        XCTAssertEqual(Padding2D.same(kernelH: 3, kernelW: 5), Padding2D(top: 1, left: 2, bottom: 1, right: 2))
        XCTAssertEqual(Padding2D.same(kernelH: 7, kernelW: 2), Padding2D(top: 3, left: 0, bottom: 3, right: 1))
        XCTAssertEqual(Padding2D.same(kernelH: 1, kernelW: 1), .zero)
        for (kh, kw) in [(1, 1), (2, 2), (3, 5), (4, 4), (7, 2), (6, 7)] {
            let shape = Conv2DShape(input: Shape4(n: 2, c: 3, h: 9, w: 11), outChannels: 4, kernelH: kh, kernelW: kw,
                                    padding: .same(kernelH: kh, kernelW: kw))
            XCTAssertEqual(shape.output, Shape4(n: 2, c: 4, h: 9, w: 11))
            XCTAssertEqual(shape.weightCount, 4 * 3 * kh * kw)
            XCTAssertEqual(shape.macs, 2 * 4 * 9 * 11 * 3 * kh * kw)
        }
        let valid = Conv2DShape(input: Shape4(n: 1, c: 2, h: 9, w: 11), outChannels: 4, kernel: 5)
        XCTAssertEqual(valid, Conv2DShape(input: Shape4(n: 1, c: 2, h: 9, w: 11), outChannels: 4, kernelH: 5, kernelW: 5))
        XCTAssertEqual(valid.output, Shape4(n: 1, c: 4, h: 5, w: 7))
        XCTAssertEqual(valid.description, "conv5x5 1×2×9×11 → 1×4×5×7")
    }

    func testSamePaddedConvByHand() throws {
        // One 3×3 input, one 2×2 kernel, "same": pad 0 at the top/left, 1 at the bottom/right, output 3×3.
        let x: [Float] = [1, 2, 3,
                          4, 5, 6,
                          7, 8, 9]
        let w: [Float] = [1, 2,
                          3, 4]
        let shape = Conv2DShape(input: Shape4(n: 1, c: 1, h: 3, w: 3), outChannels: 1, kernelH: 2, kernelW: 2,
                                padding: .same(kernelH: 2, kernelW: 2))
        XCTAssertEqual(shape.output, Shape4(n: 1, c: 1, h: 3, w: 3))
        let out = try backend.makeBuffer(count: 9, label: "out")
        try backend.conv2dForward(input: buffer(x), weight: buffer(w), bias: buffer([0.5]), output: out,
                                  shape: shape, relu: false)
        // out[y][x] = x[y][x] + 2·x[y][x+1] + 3·x[y+1][x] + 4·x[y+1][x+1] + 0.5, zero past the bottom/right.
        XCTAssertEqual(out.values, [37.5, 47.5, 21.5,
                                    67.5, 77.5, 33.5,
                                    23.5, 26.5, 9.5])
        // ∂L/∂x for dY = 1: the sum of the kernel taps that reach each input position.
        let gradInput = try backend.makeBuffer(count: 9, label: "gx")
        try backend.conv2dBackwardData(gradOutput: buffer([Float](repeating: 1, count: 9)), weight: buffer(w),
                                       gradInput: gradInput, shape: shape)
        XCTAssertEqual(gradInput.values, [1, 3, 3,
                                          4, 10, 10,
                                          4, 10, 10])
        // ∂L/∂w[ky][kx] for dY = 1: the sum of x over the rows ≥ ky and columns ≥ kx.
        let gradWeight = try backend.makeBuffer(count: 4, label: "gw"), gradBias = try backend.makeBuffer(count: 1, label: "gb")
        try backend.conv2dBackwardWeights(input: buffer(x), gradOutput: buffer([Float](repeating: 1, count: 9)),
                                          gradWeight: gradWeight, gradBias: gradBias, shape: shape)
        XCTAssertEqual(gradWeight.values, [45, 33,
                                           39, 28])
        XCTAssertEqual(gradBias.values, [9])
    }

    func testMaxPoolFloorsOddSizesAndRoutesToTheFirstMaximum() throws {
        // 3×5 input: output 1×2; the last row and column are dropped.
        let x: [Float] = [7, 7, 1, 9, 100,
                          7, 7, 9, 0, 100,
                          100, 100, 100, 100, 100]
        let shape = PoolShape(input: Shape4(n: 1, c: 1, h: 3, w: 5))
        let out = try backend.makeBuffer(count: 2, label: "out")
        try backend.maxPoolForward(input: buffer(x), output: out, shape: shape)
        XCTAssertEqual(out.values, [7, 9])
        let gradInput = try backend.makeBuffer(count: 15, label: "gx")
        try backend.maxPoolBackward(input: buffer(x), gradOutput: buffer([0.5, -2]), gradInput: gradInput, shape: shape)
        XCTAssertEqual(gradInput.values, [0.5, 0, 0, -2, 0,
                                          0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0])
    }

    /// One channel, values 1…8 over n = 2, h = 2, w = 2: mean 4.5, biased variance 5.25, unbiased 6.
    private func batchNormOneStep(_ config: BatchNormConfig) throws -> (mean: [Float], variance: [Float], out: [Float],
                                                                         saveMean: [Float], saveInvStd: [Float]) {
        let shape = Shape4(n: 2, c: 1, h: 2, w: 2)
        let runningMean = try buffer([1]), runningVariance = try buffer([2])
        let saveMean = try backend.makeBuffer(count: 1, label: "m"), saveInvStd = try backend.makeBuffer(count: 1, label: "s")
        let out = try backend.makeBuffer(count: 8, label: "out")
        try backend.batchNormTrainingForward(input: buffer([1, 2, 3, 4, 5, 6, 7, 8]), output: out, gamma: buffer([2]),
                                             beta: buffer([0.5]), runningMean: runningMean,
                                             runningVariance: runningVariance, saveMean: saveMean,
                                             saveInvStd: saveInvStd, shape: shape, config: config)
        return (runningMean.values, runningVariance.values, out.values, saveMean.values, saveInvStd.values)
    }

    func testBatchNormKerasRunningStatisticsUseTheBiasedVariance() throws {
        let r = try batchNormOneStep(BatchNormConfig(momentum: 0.9, epsilon: 1e-3))
        XCTAssertEqual(Double(r.mean[0]), 1 * 0.9 + 4.5 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(Double(r.variance[0]), 2 * 0.9 + 5.25 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(r.saveMean, [4.5])
        XCTAssertEqual(Double(r.saveInvStd[0]), 1 / (5.25 + 1e-3).squareRoot(), accuracy: 1e-7)
        for (i, y) in r.out.enumerated() {
            XCTAssertEqual(Double(y), 2 * (Double(i + 1) - 4.5) / (5.25 + 1e-3).squareRoot() + 0.5, accuracy: 1e-6)
        }
    }

    func testBatchNormPyTorchRunningVarianceIsUnbiasedButNormalisationIsNot() throws {
        let keras = try batchNormOneStep(BatchNormConfig(momentum: 0.9, epsilon: 1e-3))
        let r = try batchNormOneStep(BatchNormConfig(momentum: 0.9, epsilon: 1e-3, unbiasedRunningVariance: true))
        XCTAssertEqual(Double(r.mean[0]), 1 * 0.9 + 4.5 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(Double(r.variance[0]), 2 * 0.9 + 6 * 0.1, accuracy: 1e-6)
        XCTAssertEqual(r.out, keras.out)
        XCTAssertEqual(r.saveInvStd, keras.saveInvStd)
    }

    func testBatchNormInferenceUsesRunningStatistics() throws {
        let shape = Shape4(n: 1, c: 2, h: 1, w: 2)
        let out = try backend.makeBuffer(count: 4, label: "out")
        try backend.batchNormInferenceForward(input: buffer([1, 3, 10, 20]), output: out, gamma: buffer([2, 1]),
                                              beta: buffer([0, -1]), runningMean: buffer([1, 10]),
                                              runningVariance: buffer([4 - 1e-3, 100 - 1e-3]), shape: shape,
                                              config: BatchNormConfig(epsilon: 1e-3))
        let expected: [Double] = [0, 2 * 2 / 2, -1, 10.0 / 10 - 1]
        for (y, e) in zip(out.values, expected) { XCTAssertEqual(Double(y), e, accuracy: 1e-6) }
    }

    func testLossesAreStableForLargeLogits() throws {
        let losses = try backend.makeBuffer(count: 4, label: "l"), p = try backend.makeBuffer(count: 4, label: "p")
        let grad = try backend.makeBuffer(count: 4, label: "g")
        try backend.sigmoidBinaryCrossEntropy(logits: buffer([40, -40, 40, 0]), labels: buffer([0, 1, 1, 1]), batch: 4,
                                              gradLogits: grad, losses: losses, probabilities: p, resultOffset: 0)
        XCTAssertEqual(losses.values[0], 40, accuracy: 1e-5)
        XCTAssertEqual(losses.values[1], 40, accuracy: 1e-5)
        XCTAssertEqual(losses.values[2], 0, accuracy: 1e-12)
        XCTAssertEqual(Double(losses.values[3]), log(2.0), accuracy: 1e-7)
        XCTAssertEqual(p.values, [1, Float(exp(-40.0)), 1, 0.5])
        XCTAssertEqual(grad.values[0], 0.25, accuracy: 1e-7)
        XCTAssertEqual(grad.values[1], -0.25, accuracy: 1e-7)
        XCTAssertEqual(grad.values[3], -0.125)

        let ce = try backend.makeBuffer(count: 1, label: "l"), q = try backend.makeBuffer(count: 3, label: "p")
        let g3 = try backend.makeBuffer(count: 3, label: "g")
        try backend.softmaxCrossEntropy(logits: buffer([1000, 0, -1000]), labels: buffer([1]), batch: 1, classes: 3,
                                        gradLogits: g3, losses: ce, probabilities: q, resultOffset: 0)
        XCTAssertEqual(ce.values, [1000])
        XCTAssertEqual(q.values, [1, 0, 0])
        XCTAssertEqual(g3.values, [1, -1, 0])
    }

    /// Two steps, w = 0.5, g = 0.2 then −0.1, lr 0.01, β 0.9/0.999, ε = 1e-3 (large, so that the placements
    /// differ visibly). Expected values computed in float64 Python from the formulas of `AdamEpsilonPlacement`.
    func testAdamBothPlacementsMatchHandComputedValues() throws {
        let expected: [AdamEpsilonPlacement: [Double]] = [
            .keras: [0.49136527059495816, 0.4890320057463442],
            .pytorch: [0.4900497512437811, 0.4874031221121669],
        ]
        for (placement, values) in expected {
            let config = AdamConfig(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-3, placement: placement)
            let w = try buffer([0.5]), m = try buffer([0]), v = try buffer([0])
            for (step, g) in [Float(0.2), -0.1].enumerated() {
                try backend.adamStep(parameter: w, gradient: buffer([g]), m: m, v: v, count: 1, step: step + 1, config: config)
                XCTAssertEqual(Double(w.values[0]), values[step], accuracy: 1e-7, "\(placement) step \(step + 1)")
            }
            // The moments use the Float hyper-parameters as Keras does (1 − 0.999f = 0.00099998713…, 1.3e-5
            // below 0.001), so v sits 1.3e-5 relative from the decimal value; the bias correction uses the same
            // β2, so the update does not see it.
            XCTAssertEqual(Double(m.values[0]), 0.008, accuracy: 0.008 * 1e-6)
            XCTAssertEqual(Double(v.values[0]), 4.996e-05, accuracy: 4.996e-05 * 2e-5)
        }
    }

    func testOpsAreBitwiseReproducible() throws {
        let shape = Conv2DShape(input: Shape4(n: 4, c: 3, h: 11, w: 13), outChannels: 5, kernel: 5)
        var rng = RandomGenerator(seed: 9)
        let x = try buffer(randomValues(shape.input.count, -1, 1, &rng))
        let w = try buffer(randomValues(shape.weightCount, -1, 1, &rng))
        let dy = try buffer(randomValues(shape.output.count, -1, 1, &rng))
        var results: [[Float]] = []
        for _ in 0..<3 {
            let gw = try backend.makeBuffer(count: shape.weightCount, label: "gw")
            let gb = try backend.makeBuffer(count: 5, label: "gb")
            let gx = try backend.makeBuffer(count: shape.input.count, label: "gx")
            try backend.conv2dBackwardWeights(input: x, gradOutput: dy, gradWeight: gw, gradBias: gb, shape: shape)
            try backend.conv2dBackwardData(gradOutput: dy, weight: w, gradInput: gx, shape: shape)
            results.append(gw.values + gb.values + gx.values)
        }
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
        XCTAssertEqual(results[0].map(\.bitPattern), results[2].map(\.bitPattern))
    }
}
