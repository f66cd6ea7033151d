import Foundation

/// One op at one shape with its seeded input data, runnable on any backend.
public protocol BackendCheckCase {
    /// The op's name in the check table.
    var op: String { get }
    /// The shape, as the check table shows it.
    var shape: String { get }
    /// Bound on the max relative error (see `BackendCheck.compare`).
    var tolerance: Double { get }
    /// Uploads this case's data to fresh buffers of `backend`, runs the op, and returns every output it
    /// writes (read back) and the op's wall time in milliseconds.
    func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double)
}

/// Tolerances of the check, by what the op computes (float32 against the `Double`-accumulating reference).
public enum CheckTolerance {
    /// Ops that only move, select or mask values: the result must be the same float.
    public static let exact = 1e-6
    /// A few roundings of exp/log/sqrt/division per element (losses, Adam, BN inference).
    public static let elementwise = 1e-5
    /// Long float32 sums (conv, dense, batch statistics): errors grow with the sum's length.
    public static let sum = 1e-4
}

/// Seeded uniform data for the cases.
struct CheckData {
    var rng: RandomGenerator
    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }
    mutating func uniform(_ count: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] {
        (0..<count).map { _ in rng.uniform(lo, hi) }
    }
}

private func convShapeText(_ s: Conv2DShape) -> String {
    "\(s.input) → \(s.output) k\(s.kernelH)×\(s.kernelW) \(s.paddingText)"
}

public struct Conv2DForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.sum
    let conv: Conv2DShape, relu: Bool, x: [Float], w: [Float], b: [Float]
    public init(_ conv: Conv2DShape, relu: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        let scale = 1 / Float(conv.input.c * conv.kernelH * conv.kernelW).squareRoot()
        self.conv = conv; self.relu = relu
        x = d.uniform(conv.input.count); w = d.uniform(conv.weightCount, -scale, scale); b = d.uniform(conv.outChannels)
        op = relu ? "conv2d forward + ReLU" : "conv2d forward"
        shape = convShapeText(conv)
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let (xb, wb, bb) = (try be.makeBuffer(x, label: "x"), try be.makeBuffer(w, label: "w"), try be.makeBuffer(b, label: "b"))
        let y = try be.makeBuffer(count: conv.output.count, label: "y")
        let ms = try BackendCheck.time(be) {
            try be.conv2dForward(input: xb, weight: wb, bias: bb, output: y, shape: conv, relu: relu)
        }
        return ([try be.read(y, offset: 0, count: conv.output.count)], ms)
    }
}

public struct Conv2DBackwardDataCase: BackendCheckCase {
    public let shape: String, op = "conv2d backward data", tolerance = CheckTolerance.sum
    let conv: Conv2DShape, gy: [Float], w: [Float]
    public init(_ conv: Conv2DShape, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.conv = conv
        gy = d.uniform(conv.output.count); w = d.uniform(conv.weightCount)
        shape = convShapeText(conv)
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let (gyb, wb) = (try be.makeBuffer(gy, label: "gradOutput"), try be.makeBuffer(w, label: "w"))
        let gx = try be.makeBuffer(count: conv.input.count, label: "gradInput")
        let ms = try BackendCheck.time(be) {
            try be.conv2dBackwardData(gradOutput: gyb, weight: wb, gradInput: gx, shape: conv)
        }
        return ([try be.read(gx, offset: 0, count: conv.input.count)], ms)
    }
}

public struct Conv2DBackwardWeightsCase: BackendCheckCase {
    public let shape: String, op = "conv2d backward weights", tolerance = CheckTolerance.sum
    let conv: Conv2DShape, x: [Float], gy: [Float]
    public init(_ conv: Conv2DShape, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.conv = conv
        x = d.uniform(conv.input.count); gy = d.uniform(conv.output.count)
        shape = convShapeText(conv)
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let (xb, gyb) = (try be.makeBuffer(x, label: "x"), try be.makeBuffer(gy, label: "gradOutput"))
        let gw = try be.makeBuffer(count: conv.weightCount, label: "gradWeight")
        let gb = try be.makeBuffer(count: conv.outChannels, label: "gradBias")
        let ms = try BackendCheck.time(be) {
            try be.conv2dBackwardWeights(input: xb, gradOutput: gyb, gradWeight: gw, gradBias: gb, shape: conv)
        }
        return ([try be.read(gw, offset: 0, count: conv.weightCount),
                 try be.read(gb, offset: 0, count: conv.outChannels)], ms)
    }
}

public struct ReluBackwardCase: BackendCheckCase {
    public let shape: String, op = "relu backward", tolerance = CheckTolerance.exact
    let output: [Float], gradient: [Float]
    public init(count: Int, seed: UInt64) {
        var d = CheckData(seed: seed)
        output = d.uniform(count).map { max($0, 0) }; gradient = d.uniform(count)
        shape = "\(count)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let (ob, gb) = (try be.makeBuffer(output, label: "output"), try be.makeBuffer(gradient, label: "gradient"))
        let ms = try BackendCheck.time(be) { try be.reluBackward(output: ob, gradient: gb, count: output.count) }
        return ([try be.read(gb, offset: 0, count: output.count)], ms)
    }
}

public struct MaxPoolCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let pool: PoolShape, backward: Bool, x: [Float], gy: [Float]
    public init(_ pool: PoolShape, backward: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.pool = pool; self.backward = backward
        x = d.uniform(pool.input.count); gy = d.uniform(pool.output.count)
        op = backward ? "maxpool backward" : "maxpool forward"
        shape = poolShapeText(pool)
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: "x")
        if !backward {
            let y = try be.makeBuffer(count: pool.output.count, label: "y")
            let ms = try BackendCheck.time(be) { try be.maxPoolForward(input: xb, output: y, shape: pool) }
            return ([try be.read(y, offset: 0, count: pool.output.count)], ms)
        }
        let gyb = try be.makeBuffer(gy, label: "gradOutput")
        let gx = try be.makeBuffer(count: pool.input.count, label: "gradInput")
        let ms = try BackendCheck.time(be) {
            try be.maxPoolBackward(input: xb, gradOutput: gyb, gradInput: gx, shape: pool)
        }
        return ([try be.read(gx, offset: 0, count: pool.input.count)], ms)
    }
}

/// The shape column of the pooling rows: the window and strides unless 2×2/2.
private func poolShapeText(_ p: PoolShape) -> String {
    let window = p.sizeH == 2 && p.sizeW == 2 && p.strideH == 2 && p.strideW == 2 ? ""
        : p.sizeH == p.input.h && p.sizeW == p.input.w ? " global" : " \(p.sizeH)x\(p.sizeW)/\(p.strideH)x\(p.strideW)"
    return "\(p.input) → \(p.output)" + window
}

public struct AvgPoolCase: BackendCheckCase {
    public let shape: String, op: String, tolerance: Double
    let pool: PoolShape, backward: Bool, x: [Float], gy: [Float]
    public init(_ pool: PoolShape, backward: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.pool = pool; self.backward = backward
        x = d.uniform(pool.input.count); gy = d.uniform(pool.output.count)
        op = backward ? "avgpool backward" : "avgpool forward"
        // Forward sums a window (a whole plane for global pooling); backward adds a few gradients per input.
        tolerance = backward ? CheckTolerance.elementwise : CheckTolerance.sum
        shape = poolShapeText(pool)
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        if !backward {
            let xb = try be.makeBuffer(x, label: "x"), y = try be.makeBuffer(count: pool.output.count, label: "y")
            let ms = try BackendCheck.time(be) { try be.avgPoolForward(input: xb, output: y, shape: pool) }
            return ([try be.read(y, offset: 0, count: pool.output.count)], ms)
        }
        let gyb = try be.makeBuffer(gy, label: "gradOutput")
        let gx = try be.makeBuffer(count: pool.input.count, label: "gradInput")
        let ms = try BackendCheck.time(be) { try be.avgPoolBackward(gradOutput: gyb, gradInput: gx, shape: pool) }
        return ([try be.read(gx, offset: 0, count: pool.input.count)], ms)
    }
}

public struct ReluForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let x: [Float], inPlace: Bool
    public init(count: Int, inPlace: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        x = d.uniform(count); self.inPlace = inPlace
        op = inPlace ? "relu forward (in place)" : "relu forward"
        shape = "\(count)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: "x")
        let y = inPlace ? xb : try be.makeBuffer(count: x.count, label: "y")
        let ms = try BackendCheck.time(be) { try be.reluForward(input: xb, output: y, count: x.count) }
        return ([try be.read(y, offset: 0, count: x.count)], ms)
    }
}

public struct DropoutCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let x: [Float], rate: Float, key: DropoutKey, backward: Bool
    public init(count: Int, rate: Float, key: DropoutKey, backward: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        x = d.uniform(count); self.rate = rate; self.key = key; self.backward = backward
        op = backward ? "dropout backward" : "dropout forward"
        shape = "\(count) at rate \(rate)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: backward ? "gradOutput" : "x")
        let y = try be.makeBuffer(count: x.count, label: backward ? "gradInput" : "y")
        let ms = try BackendCheck.time(be) {
            if backward {
                try be.dropoutBackward(gradOutput: xb, gradInput: y, count: x.count, rate: rate, key: key)
            } else {
                try be.dropoutForward(input: xb, output: y, count: x.count, rate: rate, key: key)
            }
        }
        return ([try be.read(y, offset: 0, count: x.count)], ms)
    }
}

public struct BatchNormForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance: Double
    let s: Shape4, config: BatchNormConfig, training: Bool
    let x: [Float], gamma: [Float], beta: [Float], runningMean: [Float], runningVariance: [Float]
    public init(_ s: Shape4, config: BatchNormConfig, training: Bool, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.s = s; self.config = config; self.training = training
        x = d.uniform(s.count, -2, 3); gamma = d.uniform(s.c, 0.5, 1.5); beta = d.uniform(s.c)
        runningMean = d.uniform(s.c); runningVariance = d.uniform(s.c, 0.5, 2)
        op = training ? "batchnorm training forward" + (config.unbiasedRunningVariance ? " (PyTorch var)" : "")
            : "batchnorm inference"
        tolerance = training ? CheckTolerance.sum : CheckTolerance.elementwise
        shape = "\(s)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: "x"), y = try be.makeBuffer(count: s.count, label: "y")
        let g = try be.makeBuffer(gamma, label: "gamma"), b = try be.makeBuffer(beta, label: "beta")
        let rm = try be.makeBuffer(runningMean, label: "runningMean")
        let rv = try be.makeBuffer(runningVariance, label: "runningVariance")
        if !training {
            let ms = try BackendCheck.time(be) {
                try be.batchNormInferenceForward(input: xb, output: y, gamma: g, beta: b, runningMean: rm,
                                                 runningVariance: rv, shape: s, config: config)
            }
            return ([try be.read(y, offset: 0, count: s.count)], ms)
        }
        let sm = try be.makeBuffer(count: s.c, label: "saveMean"), si = try be.makeBuffer(count: s.c, label: "saveInvStd")
        let ms = try BackendCheck.time(be) {
            try be.batchNormTrainingForward(input: xb, output: y, gamma: g, beta: b, runningMean: rm,
                                            runningVariance: rv, saveMean: sm, saveInvStd: si, shape: s, config: config)
        }
        return (try [(y, s.count), (sm, s.c), (si, s.c), (rm, s.c), (rv, s.c)].map { try be.read($0.0, offset: 0, count: $0.1) }, ms)
    }
}

public struct BatchNormBackwardCase: BackendCheckCase {
    public let shape: String, op = "batchnorm backward", tolerance = CheckTolerance.sum
    let s: Shape4, x: [Float], gy: [Float], gamma: [Float], mean: [Float], invStd: [Float]
    public init(_ s: Shape4, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.s = s
        x = d.uniform(s.count, -2, 3); gy = d.uniform(s.count); gamma = d.uniform(s.c, 0.5, 1.5)
        // The saved statistics of a training forward pass over x, computed here in Double.
        var means: [Float] = [], invStds: [Float] = []
        let hw = s.h * s.w, m = Double(s.n * hw)
        for c in 0..<s.c {
            var values: [Double] = []
            for n in 0..<s.n { for i in 0..<hw { values.append(Double(x[(n * s.c + c) * hw + i])) } }
            let mean = values.reduce(0, +) / m
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / m
            means.append(Float(mean)); invStds.append(Float(1 / (variance + 1e-3).squareRoot()))
        }
        mean = means; invStd = invStds
        shape = "\(s)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: "x"), gyb = try be.makeBuffer(gy, label: "gradOutput")
        let g = try be.makeBuffer(gamma, label: "gamma")
        let sm = try be.makeBuffer(mean, label: "saveMean"), si = try be.makeBuffer(invStd, label: "saveInvStd")
        let gx = try be.makeBuffer(count: s.count, label: "gradInput")
        let gg = try be.makeBuffer(count: s.c, label: "gradGamma"), gbt = try be.makeBuffer(count: s.c, label: "gradBeta")
        let ms = try BackendCheck.time(be) {
            try be.batchNormBackward(input: xb, gradOutput: gyb, gamma: g, saveMean: sm, saveInvStd: si,
                                     gradInput: gx, gradGamma: gg, gradBeta: gbt, shape: s)
        }
        return (try [(gx, s.count), (gg, s.c), (gbt, s.c)].map { try be.read($0.0, offset: 0, count: $0.1) }, ms)
    }
}

public struct DenseCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.sum
    let batch: Int, inFeatures: Int, outFeatures: Int, backward: Bool, withGradInput: Bool
    let x: [Float], w: [Float], b: [Float], gy: [Float]
    public init(batch: Int, inFeatures: Int, outFeatures: Int, backward: Bool, withGradInput: Bool = true, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.batch = batch; self.inFeatures = inFeatures; self.outFeatures = outFeatures
        self.backward = backward; self.withGradInput = withGradInput
        let scale = 1 / Float(inFeatures).squareRoot()
        x = d.uniform(batch * inFeatures); w = d.uniform(outFeatures * inFeatures, -scale, scale)
        b = d.uniform(outFeatures); gy = d.uniform(batch * outFeatures)
        op = backward ? (withGradInput ? "dense backward" : "dense backward (no gradInput)") : "dense forward"
        shape = "\(batch)×\(inFeatures) → \(batch)×\(outFeatures)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let xb = try be.makeBuffer(x, label: "x"), wb = try be.makeBuffer(w, label: "w")
        if !backward {
            let bb = try be.makeBuffer(b, label: "b"), y = try be.makeBuffer(count: batch * outFeatures, label: "y")
            let ms = try BackendCheck.time(be) {
                try be.denseForward(input: xb, weight: wb, bias: bb, output: y, batch: batch,
                                    inFeatures: inFeatures, outFeatures: outFeatures)
            }
            return ([try be.read(y, offset: 0, count: batch * outFeatures)], ms)
        }
        let gyb = try be.makeBuffer(gy, label: "gradOutput")
        let gx = withGradInput ? try be.makeBuffer(count: batch * inFeatures, label: "gradInput") : nil
        let gw = try be.makeBuffer(count: outFeatures * inFeatures, label: "gradWeight")
        let gb = try be.makeBuffer(count: outFeatures, label: "gradBias")
        let ms = try BackendCheck.time(be) {
            try be.denseBackward(input: xb, weight: wb, gradOutput: gyb, gradInput: gx, gradWeight: gw, gradBias: gb,
                                 batch: batch, inFeatures: inFeatures, outFeatures: outFeatures)
        }
        var outputs = [try be.read(gw, offset: 0, count: outFeatures * inFeatures), try be.read(gb, offset: 0, count: outFeatures)]
        if let gx { outputs.append(try be.read(gx, offset: 0, count: batch * inFeatures)) }
        return (outputs, ms)
    }
}

public struct LossCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    /// classes == 1: sigmoid + BCE; otherwise softmax + CE.
    let batch: Int, classes: Int, resultOffset: Int, logits: [Float], labels: [Float]
    public init(batch: Int, classes: Int, resultOffset: Int, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.batch = batch; self.classes = classes; self.resultOffset = resultOffset
        // Include large logits: the loss must stay finite and accurate where exp overflows.
        logits = d.uniform(batch * classes, -8, 8).enumerated().map { $0.offset % 7 == 3 ? $0.element * 20 : $0.element }
        labels = (0..<batch).map { _ in Float(d.rng.next(below: max(classes, 2))) }
        op = classes == 1 ? "sigmoid + BCE" : "softmax + CE"
        shape = classes == 1 ? "\(batch) (results at +\(resultOffset))" : "\(batch)×\(classes) (results at +\(resultOffset))"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let z = try be.makeBuffer(logits, label: "logits"), y = try be.makeBuffer(labels, label: "labels")
        let g = try be.makeBuffer(count: batch * classes, label: "gradLogits")
        let losses = try be.makeBuffer([Float](repeating: -7, count: resultOffset + batch + 2), label: "losses")
        let probabilities = try be.makeBuffer([Float](repeating: -7, count: (resultOffset + batch + 2) * classes),
                                              label: "probabilities")
        let ms = try BackendCheck.time(be) {
            if classes == 1 {
                try be.sigmoidBinaryCrossEntropy(logits: z, labels: y, batch: batch, gradLogits: g, losses: losses,
                                                 probabilities: probabilities, resultOffset: resultOffset)
            } else {
                try be.softmaxCrossEntropy(logits: z, labels: y, batch: batch, classes: classes, gradLogits: g,
                                           losses: losses, probabilities: probabilities, resultOffset: resultOffset)
            }
        }
        return ([try be.read(g, offset: 0, count: batch * classes),
                 try be.read(losses, offset: 0, count: resultOffset + batch + 2),
                 try be.read(probabilities, offset: 0, count: (resultOffset + batch + 2) * classes)], ms)
    }
}

public struct AdamCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    let count: Int, step: Int, config: AdamConfig, w: [Float], g: [Float], m: [Float], v: [Float]
    public init(count: Int, step: Int, placement: AdamEpsilonPlacement, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.count = count; self.step = step
        config = AdamConfig(placement: placement)
        w = d.uniform(count); g = d.uniform(count, -0.1, 0.1)
        m = step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, -0.01, 0.01)
        v = step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, 0, 1e-3)
        op = "adam (\(placement.rawValue) ε)"
        shape = "\(count) at step \(step)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let wb = try be.makeBuffer(w, label: "parameter"), gb = try be.makeBuffer(g, label: "gradient")
        let mb = try be.makeBuffer(m, label: "m"), vb = try be.makeBuffer(v, label: "v")
        let ms = try BackendCheck.time(be) {
            try be.adamStep(parameter: wb, gradient: gb, m: mb, v: vb, count: count, step: step, config: config)
        }
        return (try [wb, mb, vb].map { try be.read($0, offset: 0, count: count) }, ms)
    }
}

public struct GatherRowsCase: BackendCheckCase {
    public let shape: String, op = "gather rows", tolerance = CheckTolerance.exact
    let rowLength: Int, rows: Int, indexOffset: Int, source: [Float], indices: [Int32]
    public init(sourceRows: Int, rowLength: Int, rows: Int, indexOffset: Int, seed: UInt64) {
        var d = CheckData(seed: seed)
        self.rowLength = rowLength; self.rows = rows; self.indexOffset = indexOffset
        source = d.uniform(sourceRows * rowLength)
        indices = (0..<(indexOffset + rows)).map { _ in Int32(d.rng.next(below: sourceRows)) }
        shape = "\(rows) of \(sourceRows) rows × \(rowLength)"
    }
    public func run<B: Backend>(on be: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let src = try be.makeBuffer(source, label: "dataset"), idx = try be.makeIndexBuffer(indices, label: "indices")
        let dst = try be.makeBuffer(count: rows * rowLength, label: "batch")
        let ms = try BackendCheck.time(be) {
            try be.gatherRows(source: src, rowLength: rowLength, indices: idx, indexOffset: indexOffset, rows: rows, into: dst)
        }
        return ([try be.read(dst, offset: 0, count: rows * rowLength)], ms)
    }
}

/// The check's case list: every op at the paper's shapes (batch `paperBatch`) and at awkward shapes.
public enum BackendCheckCases {
    /// Awkward convolutions: kernels 1×1 to 7×7, non-square and even ones, valid, "same" and other paddings
    /// (wider than the kernel, too), odd channel counts, batch 5, sizes off the tile and x-block edges.
    public static let awkwardConvShapes: [Conv2DShape] = {
        func conv(_ n: Int, _ c: Int, _ h: Int, _ w: Int, out: Int, _ kh: Int, _ kw: Int, same: Bool = false,
                  padding: Padding2D = .zero) -> Conv2DShape {
            Conv2DShape(input: Shape4(n: n, c: c, h: h, w: w), outChannels: out, kernelH: kh, kernelW: kw,
                        padding: same ? .same(kernelH: kh, kernelW: kw) : padding)
        }
        return [
            conv(5, 3, 9, 11, out: 5, 3, 3, same: true),
            conv(5, 3, 12, 19, out: 5, 7, 7),
            conv(5, 7, 6, 9, out: 3, 1, 1),
            conv(5, 3, 7, 10, out: 5, 3, 5, same: true),
            conv(5, 2, 11, 9, out: 3, 7, 2),
            conv(5, 3, 8, 9, out: 4, 4, 4, same: true),
            conv(3, 7, 13, 21, out: 67, 5, 5, same: true),
            conv(2, 5, 10, 35, out: 9, 7, 7, same: true),
            conv(5, 3, 6, 7, out: 2, 2, 6, same: true),
            conv(5, 3, 8, 9, out: 3, 3, 4, padding: Padding2D(top: 2, left: 0, bottom: 1, right: 3)),
            conv(5, 2, 5, 6, out: 3, 1, 1, padding: Padding2D(top: 1, left: 2, bottom: 1, right: 1)),
            conv(5, 3, 6, 6, out: 4, 2, 3, padding: Padding2D(top: 3, left: 4, bottom: 0, right: 2)),
        ]
    }()

    /// Awkward shapes: batch 5, 3 channels, odd sizes, a 3×3 kernel, several output channels, and
    /// `awkwardConvShapes`.
    public static func awkward() -> [any BackendCheckCase] {
        let convA = Conv2DShape(input: Shape4(n: 5, c: 3, h: 11, w: 13), outChannels: 4, kernel: 5)
        let convB = Conv2DShape(input: Shape4(n: 5, c: 3, h: 7, w: 9), outChannels: 6, kernel: 3)
        let odd = Shape4(n: 5, c: 3, h: 7, w: 9), odd2 = Shape4(n: 5, c: 3, h: 11, w: 13)
        var convCases: [any BackendCheckCase] = []
        for (index, shape) in awkwardConvShapes.enumerated() {
            let seed = UInt64(130 + 3 * index)
            convCases += [Conv2DForwardCase(shape, relu: index % 2 == 0, seed: seed),
                          Conv2DBackwardDataCase(shape, seed: seed + 1), Conv2DBackwardWeightsCase(shape, seed: seed + 2)]
        }
        var cases: [any BackendCheckCase] = [
            Conv2DForwardCase(convA, relu: true, seed: 101), Conv2DForwardCase(convB, relu: false, seed: 102),
            Conv2DBackwardDataCase(convA, seed: 103), Conv2DBackwardDataCase(convB, seed: 104),
            Conv2DBackwardWeightsCase(convA, seed: 105), Conv2DBackwardWeightsCase(convB, seed: 106),
        ]
        cases += convCases
        return cases + [
            ReluBackwardCase(count: convA.output.count, seed: 107),
            MaxPoolCase(PoolShape(input: odd), backward: false, seed: 108),
            MaxPoolCase(PoolShape(input: odd2), backward: true, seed: 109),
            BatchNormForwardCase(odd, config: .keras, training: true, seed: 110),
            BatchNormForwardCase(odd2, config: .pytorch, training: true, seed: 111),
            BatchNormForwardCase(odd, config: .keras, training: false, seed: 112),
            BatchNormBackwardCase(odd, seed: 113),
            DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: false, seed: 114),
            DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: true, seed: 115),
            DenseCase(batch: 5, inFeatures: 37, outFeatures: 3, backward: true, withGradInput: false, seed: 116),
            LossCase(batch: 5, classes: 1, resultOffset: 3, seed: 117),
            LossCase(batch: 5, classes: 10, resultOffset: 2, seed: 118),
            AdamCase(count: 1001, step: 1, placement: .keras, seed: 119),
            AdamCase(count: 1001, step: 7, placement: .pytorch, seed: 120),
            GatherRowsCase(sourceRows: 7, rowLength: 13, rows: 5, indexOffset: 2, seed: 121),
        ] + layers()
    }

    /// The generic layers' ops: pooling windows other than 2×2/2 (overlapping 3×3/2, non-overlapping 3×2/3×2 with
    /// dropped edges, global), ReLU forward, dropout, and batch norm over features (h = w = 1).
    public static func layers() -> [any BackendCheckCase] {
        let odd = Shape4(n: 5, c: 3, h: 7, w: 9), odd2 = Shape4(n: 5, c: 3, h: 11, w: 13)
        let pools = [PoolShape(input: odd2, sizeH: 3, sizeW: 3, strideH: 2, strideW: 2),
                     PoolShape(input: odd, sizeH: 3, sizeW: 2, strideH: 3, strideW: 2),
                     PoolShape.global(input: odd2)]
        var cases: [any BackendCheckCase] = []
        for (index, pool) in pools.enumerated() {
            let seed = UInt64(130 + 4 * index)
            cases += [MaxPoolCase(pool, backward: false, seed: seed), MaxPoolCase(pool, backward: true, seed: seed + 1),
                      AvgPoolCase(pool, backward: false, seed: seed + 2), AvgPoolCase(pool, backward: true, seed: seed + 3)]
        }
        let features = Shape4(n: 5, c: 37, h: 1, w: 1), features2 = Shape4(n: 32, c: 200, h: 1, w: 1)
        return cases + [
            ReluForwardCase(count: 1261, inPlace: false, seed: 142), ReluForwardCase(count: 1261, inPlace: true, seed: 143),
            DropoutCase(count: 1261, rate: 0.3, key: DropoutKey(seed: 7, layer: 2, step: 11), backward: false, seed: 144),
            DropoutCase(count: 1261, rate: 0.5, key: DropoutKey(seed: 0xDEAD_BEEF_0123, layer: 5, step: 1 << 33),
                        backward: true, seed: 145),
            BatchNormForwardCase(features, config: .keras, training: true, seed: 146),
            BatchNormForwardCase(features, config: .pytorch, training: true, seed: 147),
            BatchNormForwardCase(features, config: .keras, training: false, seed: 148),
            BatchNormBackwardCase(features, seed: 149),
            BatchNormForwardCase(features2, config: .keras, training: true, seed: 150),
            BatchNormForwardCase(features2, config: .keras, training: false, seed: 151),
            BatchNormBackwardCase(features2, seed: 152),
        ]
    }

    /// Awkward shapes and every op of `architecture`'s layers at batch `batch`.
    public static func all(architecture: ResolvedArchitecture, batch: Int) -> [any BackendCheckCase] {
        awkward() + cases(for: architecture, batch: batch)
    }
}
