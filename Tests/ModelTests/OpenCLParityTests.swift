import CLRuntime
import Model
import XCTest

/// Every op of `OpenCLBackend` against `ReferenceBackend`, forward and backward, on odd shapes and at the
/// paper's shapes (batch 1–2 to keep the suite fast), with `BackendCheck`'s criterion: each element's error
/// over max(|reference|, RMS of the output) within the op's tolerance (`CheckTolerance`: 1e-6 for ops that
/// move values, 1e-5 elementwise math, 1e-4 long float32 sums), and bit-identical results on two runs.
final class OpenCLParityTests: XCTestCase {
    private let reference = ReferenceBackend()

    private func assertParity(_ cases: [any BackendCheckCase], on backend: OpenCLBackend? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let device = try backend ?? OpenCLTestBackend.shared(file: file, line: line)
        for testCase in cases {
            let row = try BackendCheck.run(testCase, device: device, reference: reference)
            XCTAssertLessThanOrEqual(row.maxRelError, row.tolerance,
                                     "\(row.op) [\(row.shape)]: max rel error \(row.maxRelError), max abs \(row.maxAbsError)",
                                     file: file, line: line)
            XCTAssertTrue(row.deterministic, "\(row.op) [\(row.shape)] differs between two runs", file: file, line: line)
        }
    }

    // Awkward shapes: batch 5, 3 channels, 11×13 with a 5×5 kernel and 7×9 with a 3×3 kernel.
    private let convA = Conv2DShape(input: Shape4(n: 5, c: 3, h: 11, w: 13), outChannels: 4, kernel: 5)
    private let convB = Conv2DShape(input: Shape4(n: 5, c: 3, h: 7, w: 9), outChannels: 6, kernel: 3)
    /// More channels than one conv tile holds (tile edges in every GEMM dimension).
    private let convC = Conv2DShape(input: Shape4(n: 2, c: 7, h: 12, w: 10), outChannels: 67, kernel: 5)
    private let conv1 = Conv2DShape(input: Shape4(n: 1, c: 1, h: 64, w: 173), outChannels: 64)
    private let conv2 = Conv2DShape(input: Shape4(n: 2, c: 64, h: 30, w: 84), outChannels: 64)
    private let odd = Shape4(n: 5, c: 3, h: 7, w: 9)

    func testConv2DForwardOddShapes() throws {
        try assertParity([Conv2DForwardCase(convA, relu: true, seed: 1), Conv2DForwardCase(convB, relu: false, seed: 2),
                          Conv2DForwardCase(convC, relu: true, seed: 3)])
    }

    /// Every awkward convolution of the check (kernels 1×1 to 7×7, non-square, "same" and other paddings), every op.
    private func paddedConvCases(seed: UInt64) -> [any BackendCheckCase] {
        BackendCheckCases.awkwardConvShapes.enumerated().flatMap { index, shape -> [any BackendCheckCase] in
            let s = seed + 3 * UInt64(index)
            return [Conv2DForwardCase(shape, relu: index % 2 == 1, seed: s), Conv2DBackwardDataCase(shape, seed: s + 1),
                    Conv2DBackwardWeightsCase(shape, seed: s + 2)]
        }
    }

    func testConv2DPaddedAndNonSquareKernels() throws {
        try assertParity(paddedConvCases(seed: 200))
    }

    /// A padded 5×5 conv at conv2's size: padded tiles and x blocks at the paper's scale.
    func testConv2DSamePaddingAtPaperConv2() throws {
        let same = Conv2DShape(input: Shape4(n: 1, c: 64, h: 30, w: 84), outChannels: 64, kernelH: 5, kernelW: 5,
                               padding: .same(kernelH: 5, kernelW: 5))
        try assertParity([Conv2DForwardCase(same, relu: true, seed: 260), Conv2DBackwardDataCase(same, seed: 261),
                          Conv2DBackwardWeightsCase(same, seed: 262)])
    }

    func testConv2DForwardPaperShapes() throws {
        try assertParity([Conv2DForwardCase(conv1, relu: true, seed: 4), Conv2DForwardCase(conv2, relu: true, seed: 5)])
    }

    func testConv2DBackwardDataOddShapes() throws {
        try assertParity([Conv2DBackwardDataCase(convA, seed: 6), Conv2DBackwardDataCase(convB, seed: 7),
                          Conv2DBackwardDataCase(convC, seed: 8)])
    }

    func testConv2DBackwardDataPaperConv2() throws {
        try assertParity([Conv2DBackwardDataCase(conv2, seed: 9)])
    }

    func testConv2DBackwardWeightsOddShapes() throws {
        try assertParity([Conv2DBackwardWeightsCase(convA, seed: 10), Conv2DBackwardWeightsCase(convB, seed: 11),
                          Conv2DBackwardWeightsCase(convC, seed: 12)])
    }

    /// conv1's weight gradient sums 10 140 positions per weight, split across work-groups and re-summed.
    func testConv2DBackwardWeightsPaperShapes() throws {
        try assertParity([Conv2DBackwardWeightsCase(conv1, seed: 13), Conv2DBackwardWeightsCase(conv2, seed: 14)])
    }

    /// The tiled variant's configurations (GPU: 64×64 tiles of 256 items with 256-wide reductions; small
    /// devices: 32×32 tiles of 64 items; 64×128 tiles of 8×8), run on whatever device the tests have, so their
    /// index arithmetic (padding included) is checked on a CPU-only machine too.
    func testOtherTileConfigurationsOnThisDevice() throws {
        let device = try OpenCLTestBackend.shared().device
        let configs = [
            OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256, elementwiseWorkGroup: 256),
            OpenCLKernelConfig(tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64, elementwiseWorkGroup: 64),
            OpenCLKernelConfig(tileM: 64, tileN: 128, tileK: 16, regM: 8, regN: 8, reduceWorkGroup: 64, elementwiseWorkGroup: 64),
        ]
        for config in configs where config.convThreads <= device.maxWorkGroupSize && config.reduceWorkGroup <= device.maxWorkGroupSize {
            let backend = try OpenCLBackend(device: device, config: config)
            try assertParity([Conv2DForwardCase(convC, relu: true, seed: 15), Conv2DBackwardDataCase(convC, seed: 16),
                              Conv2DBackwardWeightsCase(convA, seed: 17), Conv2DBackwardWeightsCase(convC, seed: 18),
                              BatchNormForwardCase(odd, config: .keras, training: true, seed: 19),
                              BatchNormBackwardCase(odd, seed: 20), MaxPoolCase(PoolShape(input: odd), backward: true, seed: 21),
                              DenseCase(batch: 5, inFeatures: 300, outFeatures: 3, backward: false, seed: 21)]
                             + paddedConvCases(seed: 300) + BackendCheckCases.layers() + layerCases, on: backend)
        }
    }

    /// The CPU variant (the default on CPU devices), forced on whatever device the tests have, with its
    /// default register blocks and with blocks that leave partial channel blocks (6 and 3 of 4, 67 and 7
    /// channels) and x tails; a 7×7 kernel takes the weight gradient's taps in two passes; and every padded or
    /// non-square awkward convolution.
    func testCPUVariantOnThisDevice() throws {
        let device = try OpenCLTestBackend.shared().device
        let convK7 = Conv2DShape(input: Shape4(n: 2, c: 3, h: 12, w: 19), outChannels: 5, kernel: 7)
        let configs = [
            OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64),
            OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64,
                               cpuChannels: 6, cpuVectors: 1, cpuWeightChannels: 3),
        ]
        for config in configs where config.reduceWorkGroup <= device.maxWorkGroupSize {
            let backend = try OpenCLBackend(device: device, config: config)
            var cases: [any BackendCheckCase] = []
            for (index, shape) in [convA, convB, convC, convK7].enumerated() {
                let seed = UInt64(60 + 3 * index)
                cases += [Conv2DForwardCase(shape, relu: true, seed: seed), Conv2DBackwardDataCase(shape, seed: seed + 1),
                          Conv2DBackwardWeightsCase(shape, seed: seed + 2)]
            }
            cases += [Conv2DBackwardWeightsCase(conv1, seed: 72),
                      BatchNormForwardCase(odd, config: .keras, training: true, seed: 73),
                      BatchNormForwardCase(odd, config: .pytorch, training: false, seed: 74),
                      BatchNormBackwardCase(odd, seed: 75), MaxPoolCase(PoolShape(input: odd), backward: true, seed: 76),
                      ReluBackwardCase(count: 1261, seed: 77)]
            try assertParity(cases + paddedConvCases(seed: 400) + BackendCheckCases.layers() + layerCases, on: backend)
        }
    }

    /// Pooling windows beyond `BackendCheckCases.layers()`: rectangular overlapping windows with unequal strides,
    /// a window as wide as the plane, 1×1 at stride 2, global pooling of a conv2-sized plane (26×80), the 2×2
    /// window at stride 1 (overlapping: the general kernels, not the paper's).
    private var layerCases: [any BackendCheckCase] {
        let pools = [PoolShape(input: Shape4(n: 2, c: 3, h: 11, w: 13), sizeH: 2, sizeW: 4, strideH: 1, strideW: 3),
                     PoolShape(input: Shape4(n: 2, c: 3, h: 11, w: 13), sizeH: 3, sizeW: 13, strideH: 2, strideW: 1),
                     PoolShape(input: Shape4(n: 5, c: 3, h: 7, w: 9), sizeH: 1, sizeW: 1, strideH: 2, strideW: 2),
                     PoolShape.global(input: Shape4(n: 2, c: 5, h: 26, w: 80)),
                     PoolShape(input: Shape4(n: 2, c: 3, h: 7, w: 9), sizeH: 2, sizeW: 2, strideH: 1, strideW: 1)]
        var cases: [any BackendCheckCase] = []
        for (index, pool) in pools.enumerated() {
            let seed = UInt64(200 + 4 * index)
            cases += [MaxPoolCase(pool, backward: false, seed: seed), MaxPoolCase(pool, backward: true, seed: seed + 1),
                      AvgPoolCase(pool, backward: false, seed: seed + 2), AvgPoolCase(pool, backward: true, seed: seed + 3)]
        }
        return cases + [ReluForwardCase(count: 7, inPlace: false, seed: 230),
                        DropoutCase(count: 7, rate: 0.5, key: DropoutKey(seed: 1, layer: 0, step: 0), backward: false, seed: 231),
                        DropoutCase(count: 20_001, rate: 0.1, key: DropoutKey(seed: .max, layer: .max, step: .max),
                                    backward: false, seed: 232),
                        DropoutCase(count: 1000, rate: 0, key: DropoutKey(seed: 3, layer: 1, step: 2), backward: true, seed: 233),
                        DropoutCase(count: 1000, rate: 1, key: DropoutKey(seed: 3, layer: 1, step: 2), backward: false, seed: 234),
                        BatchNormForwardCase(Shape4(n: 300, c: 3, h: 1, w: 1), config: .pytorch, training: true, seed: 235),
                        BatchNormBackwardCase(Shape4(n: 300, c: 3, h: 1, w: 1), seed: 236),
                        BatchNormForwardCase(Shape4(n: 3, c: 5, h: 2, w: 3), config: .keras, training: true, seed: 237),
                        BatchNormBackwardCase(Shape4(n: 3, c: 5, h: 2, w: 3), seed: 238)]
    }

    /// The generic layers' ops (`BackendCheckCases.layers()` and the cases above) on the default device backend.
    func testLayerOps() throws {
        try assertParity(BackendCheckCases.layers() + layerCases)
    }

    /// The device draws the numpy mask of `Fixtures/dropout_mask.json` (dropout of ones: kept elements are the scale).
    func testDropoutMaskMatchesNumpy() throws {
        let backend = try OpenCLTestBackend.shared()
        for c in try PhiloxTests.maskFixture() {
            let x = try backend.makeBuffer([Float](repeating: 1, count: c.count), label: "ones")
            let y = try backend.makeBuffer(count: c.count, label: "y")
            try backend.dropoutForward(input: x, output: y, count: c.count, rate: c.rate, key: c.key)
            XCTAssertEqual(try backend.read(y, offset: 0, count: c.count).map { $0 != 0 }, c.keep, "\(c.key)")
        }
    }

    /// Overlapping windows: ties go to the first maximum of each window, and an input that is the maximum of
    /// several windows receives the sum of their gradients (3×3 windows at stride 2 on one 3×5 plane).
    func testGeneralMaxPoolRoutesTiesAndSumsOverlaps() throws {
        let shape = PoolShape(input: Shape4(n: 1, c: 1, h: 3, w: 5), sizeH: 3, sizeW: 3, strideH: 2, strideW: 2)
        let input: [Float] = [1, 2, 5, 5, 9,
                              2, 1, 5, 5, 9,
                              9, 9, 9, 0, 0]
        // Window 0 (columns 0–2): first maximum 9 at (2, 0); window 1 (columns 2–4): 9 at (0, 4).
        let expected: [Float] = [0, 0, 0, 0, 20,
                                 0, 0, 0, 0, 0,
                                 10, 0, 0, 0, 0]
        let shared: [Float] = [1, 2, 7, 5, 3,
                               2, 1, 5, 5, 3,
                               0, 0, 0, 0, 0]
        // The shared column's 7 is the maximum of both windows: 10 + 20.
        let sharedExpected: [Float] = [0, 0, 30, 0, 0,
                                       0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0]
        let device = try OpenCLTestBackend.shared()
        for (values, want) in [(input, expected), (shared, sharedExpected)] {
            let x = try device.makeBuffer(values, label: "x"), gy = try device.makeBuffer([10, 20], label: "gy")
            let gx = try device.makeBuffer(count: 15, label: "gx")
            try device.maxPoolBackward(input: x, gradOutput: gy, gradInput: gx, shape: shape)
            XCTAssertEqual(try device.read(gx, offset: 0, count: 15), want)
            let r = ReferenceBackend()
            let rgx = try r.makeBuffer(count: 15, label: "gx")
            try r.maxPoolBackward(input: r.makeBuffer(values, label: "x"), gradOutput: r.makeBuffer([10, 20], label: "gy"),
                                  gradInput: rgx, shape: shape)
            XCTAssertEqual(rgx.values, want)
        }
    }

    func testReluBackward() throws {
        try assertParity([ReluBackwardCase(count: 1260, seed: 22), ReluBackwardCase(count: 7, seed: 23)])
    }

    func testMaxPoolForwardAndBackward() throws {
        let paper = PoolShape(input: conv2.output)
        try assertParity([MaxPoolCase(PoolShape(input: odd), backward: false, seed: 24),
                          MaxPoolCase(PoolShape(input: odd), backward: true, seed: 25),
                          MaxPoolCase(PoolShape(input: Shape4(n: 2, c: 3, h: 11, w: 13)), backward: true, seed: 26),
                          MaxPoolCase(paper, backward: false, seed: 27), MaxPoolCase(paper, backward: true, seed: 28)])
    }

    /// Ties go to the first maximum of the window in row-major order, as PyTorch.
    func testMaxPoolBackwardRoutesTiesToTheFirstMaximum() throws {
        let backend = try OpenCLTestBackend.shared()
        let shape = PoolShape(input: Shape4(n: 1, c: 1, h: 3, w: 5))
        let input: [Float] = [1, 2, 5, 5, 9,
                              2, 1, 5, 5, 9,
                              9, 9, 9, 9, 9]
        let x = try backend.makeBuffer(input, label: "x"), gy = try backend.makeBuffer([10, 20], label: "gy")
        let gx = try backend.makeBuffer(count: 15, label: "gx")
        try backend.maxPoolBackward(input: x, gradOutput: gy, gradInput: gx, shape: shape)
        XCTAssertEqual(try backend.read(gx, offset: 0, count: 15), [0, 10, 20, 0, 0,
                                                                    0, 0, 0, 0, 0,
                                                                    0, 0, 0, 0, 0])
    }

    func testBatchNormTrainingForward() throws {
        try assertParity([BatchNormForwardCase(odd, config: .keras, training: true, seed: 29),
                          BatchNormForwardCase(Shape4(n: 2, c: 5, h: 11, w: 13), config: .pytorch, training: true, seed: 30),
                          BatchNormForwardCase(conv1.output, config: .keras, training: true, seed: 31)])
    }

    func testBatchNormInference() throws {
        try assertParity([BatchNormForwardCase(odd, config: .keras, training: false, seed: 32),
                          BatchNormForwardCase(conv1.output, config: .keras, training: false, seed: 33)])
    }

    func testBatchNormBackward() throws {
        try assertParity([BatchNormBackwardCase(odd, seed: 34), BatchNormBackwardCase(conv1.output, seed: 35)])
    }

    func testDenseForward() throws {
        try assertParity([DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: false, seed: 36),
                          DenseCase(batch: 2, inFeatures: 33_280, outFeatures: 1, backward: false, seed: 37),
                          DenseCase(batch: 3, inFeatures: 100, outFeatures: 10, backward: false, seed: 38)])
    }

    func testDenseBackward() throws {
        try assertParity([DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: true, seed: 39),
                          DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: true, withGradInput: false, seed: 40),
                          DenseCase(batch: 2, inFeatures: 33_280, outFeatures: 1, backward: true, seed: 41)])
    }

    func testSigmoidBinaryCrossEntropy() throws {
        try assertParity([LossCase(batch: 5, classes: 1, resultOffset: 3, seed: 42),
                          LossCase(batch: 32, classes: 1, resultOffset: 0, seed: 43)])
    }

    func testSoftmaxCrossEntropy() throws {
        try assertParity([LossCase(batch: 5, classes: 10, resultOffset: 2, seed: 44),
                          LossCase(batch: 3, classes: 2, resultOffset: 0, seed: 45)])
    }

    /// Large logits (±160) must give finite, accurate losses and probabilities of exactly 0 or 1.
    func testLossesStayFiniteForLargeLogits() throws {
        let backend = try OpenCLTestBackend.shared()
        let z = try backend.makeBuffer([160, -160, 0], label: "z"), y = try backend.makeBuffer([0, 0, 1], label: "y")
        let g = try backend.makeBuffer(count: 3, label: "g"), l = try backend.makeBuffer(count: 3, label: "l")
        let p = try backend.makeBuffer(count: 3, label: "p")
        try backend.sigmoidBinaryCrossEntropy(logits: z, labels: y, batch: 3, gradLogits: g, losses: l,
                                              probabilities: p, resultOffset: 0)
        let losses = try backend.read(l, offset: 0, count: 3)
        XCTAssertEqual(losses[0], 160, accuracy: 1e-4)
        XCTAssertEqual(losses[1], 0, accuracy: 1e-30)
        XCTAssertEqual(losses[2], Float(log(2.0)), accuracy: 1e-7)
        XCTAssertEqual(try backend.read(p, offset: 0, count: 3), [1, 0, 0.5])
    }

    func testAdamKerasAndPyTorchEpsilon() throws {
        try assertParity([AdamCase(count: 1001, step: 1, placement: .keras, seed: 46),
                          AdamCase(count: 1001, step: 5, placement: .keras, seed: 47),
                          AdamCase(count: 777, step: 1, placement: .pytorch, seed: 48),
                          AdamCase(count: 777, step: 9, placement: .pytorch, seed: 49)])
    }

    func testGatherRows() throws {
        try assertParity([GatherRowsCase(sourceRows: 7, rowLength: 13, rows: 5, indexOffset: 2, seed: 50),
                          GatherRowsCase(sourceRows: 6, rowLength: 64 * 173, rows: 2, indexOffset: 0, seed: 51)])
    }

    /// A shape mismatch is an error naming the buffer, not a write past its end.
    func testUndersizedBufferIsRejected() throws {
        let backend = try OpenCLTestBackend.shared()
        let x = try backend.makeBuffer(count: 10, label: "tiny input")
        let y = try backend.makeBuffer(count: 10, label: "y")
        XCTAssertThrowsError(try backend.maxPoolForward(input: x, output: y, shape: PoolShape(input: odd))) { error in
            XCTAssertTrue("\(error)".contains("tiny input"), "\(error)")
        }
    }

    /// The check's case list covers every op of the protocol (the rows `gcnn check` prints).
    func testCheckCoversEveryOp() {
        let ops = Set(BackendCheckCases.awkward().map(\.op))
        for op in ["conv2d forward + ReLU", "conv2d forward", "conv2d backward data", "conv2d backward weights",
                   "relu backward", "maxpool forward", "maxpool backward", "batchnorm training forward",
                   "batchnorm inference", "batchnorm backward", "dense forward", "dense backward", "sigmoid + BCE",
                   "softmax + CE", "adam (keras ε)", "adam (pytorch ε)", "gather rows", "avgpool forward",
                   "avgpool backward", "relu forward", "relu forward (in place)", "dropout forward", "dropout backward"] {
            XCTAssertTrue(ops.contains(op), "gcnn check does not cover \(op)")
        }
    }
}
