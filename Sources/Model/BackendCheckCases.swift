import Foundation

/// One op at one shape with its seeded input data, runnable on any backend. The same cases serve `gcnn check`
/// (`run(on:)`: one timed run, outputs compared against the reference) and the kernel benchmarks (`prepare(on:)`,
/// then `enqueue` many times). Building a case is cheap: its data is drawn from its seed in `prepare(on:)`.
public protocol BackendCheckCase {
    /// The op's name in the check table.
    var op: String { get }
    /// The shape, as the check table shows it.
    var shape: String { get }
    /// Bound on the max relative error (see `BackendCheck.compare`).
    var tolerance: Double { get }
    /// Nominal useful floating-point operations of one run (a multiply-add counts 2); 0 where not meaningful.
    var flop: Double { get }
    /// Bytes the op must at least read and write once (the memory-bound ops are judged by this).
    var bytes: Double { get }
    /// Uploads this case's data to fresh buffers of `backend` and returns how to run the op on them.
    func prepare<B: Backend>(on backend: B) throws -> PreparedCheckCase
    /// Uploads this case's data to fresh buffers of `backend`, runs the op, and returns every output it
    /// writes (read back) and the op's wall time in milliseconds.
    func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double)
}

extension BackendCheckCase {
    /// Prepares the case, times one `enqueue` (see `BackendCheck.time`), then reads the outputs back.
    public func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double) {
        let prepared = try prepare(on: backend)
        let milliseconds = try BackendCheck.time(backend, prepared.enqueue)
        return (try prepared.outputs(), milliseconds)
    }
}

/// A case whose data is on a backend: the op, ready to enqueue, and what one run costs.
public struct PreparedCheckCase {
    /// The case's `flop`.
    public let flop: Double
    /// The case's `bytes`.
    public let bytes: Double
    /// Enqueues the op once on the uploaded buffers (no reads, no wait). Ops that update state in place
    /// (Adam, batch-norm running statistics, in-place ReLU) stay finite when enqueued many times; `run(on:)`
    /// enqueues once, and that run's outputs are what the check compares.
    public let enqueue: () throws -> Void
    /// Reads back every output the op writes.
    public let outputs: () throws -> [[Float]]

    public init(flop: Double, bytes: Double, enqueue: @escaping () throws -> Void,
                outputs: @escaping () throws -> [[Float]]) {
        self.flop = flop; self.bytes = bytes; self.enqueue = enqueue; self.outputs = outputs
    }

    /// `testCase`'s costs with these closures.
    public init(for testCase: some BackendCheckCase, enqueue: @escaping () throws -> Void,
                outputs: @escaping () throws -> [[Float]]) {
        self.init(flop: testCase.flop, bytes: testCase.bytes, enqueue: enqueue, outputs: outputs)
    }
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

/// Bytes of `elements` floats.
func floatBytes(_ elements: Int) -> Double { Double(elements * MemoryLayout<Float>.size) }

/// Reads `buffers` (each with its element count) back from `backend`.
func reader<B: Backend>(_ backend: B, _ buffers: [(B.Buffer, Int)]) -> () throws -> [[Float]] {
    { try buffers.map { try backend.read($0.0, offset: 0, count: $0.1) } }
}

private func convShapeText(_ s: Conv2DShape) -> String {
    "\(s.input) → \(s.output) k\(s.kernelH)×\(s.kernelW) \(s.paddingText)"
}

public struct Conv2DForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.sum
    let conv: Conv2DShape, relu: Bool, seed: UInt64
    public init(_ conv: Conv2DShape, relu: Bool, seed: UInt64) {
        self.conv = conv; self.relu = relu; self.seed = seed
        op = relu ? "conv2d forward + ReLU" : "conv2d forward"
        shape = convShapeText(conv)
    }
    public var flop: Double { 2 * Double(conv.macs) }
    public var bytes: Double { floatBytes(conv.input.count + conv.output.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let scale = 1 / Float(conv.input.c * conv.kernelH * conv.kernelW).squareRoot()
        let xb = try be.makeBuffer(d.uniform(conv.input.count), label: "x")
        let wb = try be.makeBuffer(d.uniform(conv.weightCount, -scale, scale), label: "w")
        let bb = try be.makeBuffer(d.uniform(conv.outChannels), label: "b")
        let y = try be.makeBuffer(count: conv.output.count, label: "y")
        let (conv, relu) = (self.conv, self.relu)
        return PreparedCheckCase(for: self, enqueue: {
            try be.conv2dForward(input: xb, weight: wb, bias: bb, output: y, shape: conv, relu: relu)
        }, outputs: reader(be, [(y, conv.output.count)]))
    }
}

public struct Conv2DBackwardDataCase: BackendCheckCase {
    public let shape: String, op = "conv2d backward data", tolerance = CheckTolerance.sum
    let conv: Conv2DShape, seed: UInt64
    public init(_ conv: Conv2DShape, seed: UInt64) {
        self.conv = conv; self.seed = seed
        shape = convShapeText(conv)
    }
    public var flop: Double { 2 * Double(conv.macs) }
    public var bytes: Double { floatBytes(conv.input.count + conv.output.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let gyb = try be.makeBuffer(d.uniform(conv.output.count), label: "gradOutput")
        let wb = try be.makeBuffer(d.uniform(conv.weightCount), label: "w")
        let gx = try be.makeBuffer(count: conv.input.count, label: "gradInput")
        let conv = self.conv
        return PreparedCheckCase(for: self, enqueue: {
            try be.conv2dBackwardData(gradOutput: gyb, weight: wb, gradInput: gx, shape: conv)
        }, outputs: reader(be, [(gx, conv.input.count)]))
    }
}

public struct Conv2DBackwardWeightsCase: BackendCheckCase {
    public let shape: String, op = "conv2d backward weights", tolerance = CheckTolerance.sum
    let conv: Conv2DShape, seed: UInt64
    public init(_ conv: Conv2DShape, seed: UInt64) {
        self.conv = conv; self.seed = seed
        shape = convShapeText(conv)
    }
    public var flop: Double { 2 * Double(conv.macs) }
    public var bytes: Double { floatBytes(conv.input.count + conv.output.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let xb = try be.makeBuffer(d.uniform(conv.input.count), label: "x")
        let gyb = try be.makeBuffer(d.uniform(conv.output.count), label: "gradOutput")
        let gw = try be.makeBuffer(count: conv.weightCount, label: "gradWeight")
        let gb = try be.makeBuffer(count: conv.outChannels, label: "gradBias")
        let conv = self.conv
        return PreparedCheckCase(for: self, enqueue: {
            try be.conv2dBackwardWeights(input: xb, gradOutput: gyb, gradWeight: gw, gradBias: gb, shape: conv)
        }, outputs: reader(be, [(gw, conv.weightCount), (gb, conv.outChannels)]))
    }
}

public struct ReluBackwardCase: BackendCheckCase {
    public let shape: String, op = "relu backward", tolerance = CheckTolerance.exact
    let count: Int, seed: UInt64
    public init(count: Int, seed: UInt64) {
        self.count = count; self.seed = seed
        shape = "\(count)"
    }
    public var flop: Double { Double(count) }
    public var bytes: Double { floatBytes(3 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let ob = try be.makeBuffer(d.uniform(count).map { max($0, 0) }, label: "output")
        let gb = try be.makeBuffer(d.uniform(count), label: "gradient")
        let count = self.count
        return PreparedCheckCase(for: self, enqueue: { try be.reluBackward(output: ob, gradient: gb, count: count) },
                                 outputs: reader(be, [(gb, count)]))
    }
}

public struct MaxPoolCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let pool: PoolShape, backward: Bool, seed: UInt64
    public init(_ pool: PoolShape, backward: Bool, seed: UInt64) {
        self.pool = pool; self.backward = backward; self.seed = seed
        op = backward ? "maxpool backward" : "maxpool forward"
        shape = poolShapeText(pool)
    }
    public var flop: Double { backward ? 0 : Double((pool.sizeH * pool.sizeW - 1) * pool.output.count) }
    public var bytes: Double { floatBytes((backward ? 2 : 1) * pool.input.count + pool.output.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let pool = self.pool
        let xb = try be.makeBuffer(d.uniform(pool.input.count), label: "x")
        if !backward {
            let y = try be.makeBuffer(count: pool.output.count, label: "y")
            return PreparedCheckCase(for: self, enqueue: { try be.maxPoolForward(input: xb, output: y, shape: pool) },
                                     outputs: reader(be, [(y, pool.output.count)]))
        }
        let gyb = try be.makeBuffer(d.uniform(pool.output.count), label: "gradOutput")
        let gx = try be.makeBuffer(count: pool.input.count, label: "gradInput")
        return PreparedCheckCase(for: self, enqueue: {
            try be.maxPoolBackward(input: xb, gradOutput: gyb, gradInput: gx, shape: pool)
        }, outputs: reader(be, [(gx, pool.input.count)]))
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
    let pool: PoolShape, backward: Bool, seed: UInt64
    public init(_ pool: PoolShape, backward: Bool, seed: UInt64) {
        self.pool = pool; self.backward = backward; self.seed = seed
        op = backward ? "avgpool backward" : "avgpool forward"
        // Forward sums a window (a whole plane for global pooling); backward adds a few gradients per input.
        tolerance = backward ? CheckTolerance.elementwise : CheckTolerance.sum
        shape = poolShapeText(pool)
    }
    public var flop: Double { Double(backward ? pool.input.count : pool.sizeH * pool.sizeW * pool.output.count) }
    public var bytes: Double { floatBytes(pool.input.count + pool.output.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let pool = self.pool
        let x = d.uniform(pool.input.count)
        if !backward {
            let xb = try be.makeBuffer(x, label: "x"), y = try be.makeBuffer(count: pool.output.count, label: "y")
            return PreparedCheckCase(for: self, enqueue: { try be.avgPoolForward(input: xb, output: y, shape: pool) },
                                     outputs: reader(be, [(y, pool.output.count)]))
        }
        let gyb = try be.makeBuffer(d.uniform(pool.output.count), label: "gradOutput")
        let gx = try be.makeBuffer(count: pool.input.count, label: "gradInput")
        return PreparedCheckCase(for: self, enqueue: {
            try be.avgPoolBackward(gradOutput: gyb, gradInput: gx, shape: pool)
        }, outputs: reader(be, [(gx, pool.input.count)]))
    }
}

public struct ReluForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let count: Int, inPlace: Bool, seed: UInt64
    public init(count: Int, inPlace: Bool, seed: UInt64) {
        self.count = count; self.inPlace = inPlace; self.seed = seed
        op = inPlace ? "relu forward (in place)" : "relu forward"
        shape = "\(count)"
    }
    public var flop: Double { Double(count) }
    public var bytes: Double { floatBytes(2 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let count = self.count
        let xb = try be.makeBuffer(d.uniform(count), label: "x")
        let y = inPlace ? xb : try be.makeBuffer(count: count, label: "y")
        return PreparedCheckCase(for: self, enqueue: { try be.reluForward(input: xb, output: y, count: count) },
                                 outputs: reader(be, [(y, count)]))
    }
}

public struct AddInPlaceCase: BackendCheckCase {
    public let shape: String, op = "add in place", tolerance = CheckTolerance.exact
    let count: Int, seed: UInt64
    public init(count: Int, seed: UInt64) { self.count = count; self.seed = seed; shape = "\(count)" }
    public var flop: Double { Double(count) }
    public var bytes: Double { floatBytes(3 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let count = self.count
        let addend = try be.makeBuffer(d.uniform(count), label: "addend")
        let target = try be.makeBuffer(d.uniform(count), label: "target")
        return PreparedCheckCase(for: self, enqueue: { try be.addInPlace(addend, to: target, count: count) },
                                 outputs: reader(be, [(target, count)]))
    }
}

public struct DropoutCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.exact
    let count: Int, rate: Float, key: DropoutKey, backward: Bool, seed: UInt64
    public init(count: Int, rate: Float, key: DropoutKey, backward: Bool, seed: UInt64) {
        self.count = count; self.rate = rate; self.key = key; self.backward = backward; self.seed = seed
        op = backward ? "dropout backward" : "dropout forward"
        shape = "\(count) at rate \(rate)"
    }
    public var flop: Double { Double(count) }
    public var bytes: Double { floatBytes(2 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (count, rate, key, backward) = (self.count, self.rate, self.key, self.backward)
        let xb = try be.makeBuffer(d.uniform(count), label: backward ? "gradOutput" : "x")
        let y = try be.makeBuffer(count: count, label: backward ? "gradInput" : "y")
        return PreparedCheckCase(for: self, enqueue: {
            if backward {
                try be.dropoutBackward(gradOutput: xb, gradInput: y, count: count, rate: rate, key: key)
            } else {
                try be.dropoutForward(input: xb, output: y, count: count, rate: rate, key: key)
            }
        }, outputs: reader(be, [(y, count)]))
    }
}

public struct BatchNormForwardCase: BackendCheckCase {
    public let shape: String, op: String, tolerance: Double
    /// Training (batch statistics, running statistics updated) or inference (running statistics).
    public let training: Bool
    let s: Shape4, config: BatchNormConfig, seed: UInt64
    public init(_ s: Shape4, config: BatchNormConfig, training: Bool, seed: UInt64) {
        self.s = s; self.config = config; self.training = training; self.seed = seed
        op = training ? "batchnorm training forward" + (config.unbiasedRunningVariance ? " (PyTorch var)" : "")
            : "batchnorm inference"
        tolerance = training ? CheckTolerance.sum : CheckTolerance.elementwise
        shape = "\(s)"
    }
    public var flop: Double { Double((training ? 8 : 2) * s.count) }
    public var bytes: Double { floatBytes(2 * s.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (s, config) = (self.s, self.config)
        let xb = try be.makeBuffer(d.uniform(s.count, -2, 3), label: "x"), y = try be.makeBuffer(count: s.count, label: "y")
        let g = try be.makeBuffer(d.uniform(s.c, 0.5, 1.5), label: "gamma"), b = try be.makeBuffer(d.uniform(s.c), label: "beta")
        let rm = try be.makeBuffer(d.uniform(s.c), label: "runningMean")
        let rv = try be.makeBuffer(d.uniform(s.c, 0.5, 2), label: "runningVariance")
        if !training {
            return PreparedCheckCase(for: self, enqueue: {
                try be.batchNormInferenceForward(input: xb, output: y, gamma: g, beta: b, runningMean: rm,
                                                 runningVariance: rv, shape: s, config: config)
            }, outputs: reader(be, [(y, s.count)]))
        }
        let sm = try be.makeBuffer(count: s.c, label: "saveMean"), si = try be.makeBuffer(count: s.c, label: "saveInvStd")
        return PreparedCheckCase(for: self, enqueue: {
            try be.batchNormTrainingForward(input: xb, output: y, gamma: g, beta: b, runningMean: rm,
                                            runningVariance: rv, saveMean: sm, saveInvStd: si, shape: s,
                                            config: config)
        }, outputs: reader(be, [(y, s.count), (sm, s.c), (si, s.c), (rm, s.c), (rv, s.c)]))
    }
}

public struct BatchNormBackwardCase: BackendCheckCase {
    public let shape: String, op = "batchnorm backward", tolerance = CheckTolerance.sum
    let s: Shape4, seed: UInt64
    public init(_ s: Shape4, seed: UInt64) {
        self.s = s; self.seed = seed
        shape = "\(s)"
    }
    public var flop: Double { 10 * Double(s.count) }
    public var bytes: Double { floatBytes(3 * s.count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let s = self.s
        let x = d.uniform(s.count, -2, 3), gy = d.uniform(s.count), gamma = d.uniform(s.c, 0.5, 1.5)
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
        let xb = try be.makeBuffer(x, label: "x"), gyb = try be.makeBuffer(gy, label: "gradOutput")
        let g = try be.makeBuffer(gamma, label: "gamma")
        let sm = try be.makeBuffer(means, label: "saveMean"), si = try be.makeBuffer(invStds, label: "saveInvStd")
        let gx = try be.makeBuffer(count: s.count, label: "gradInput")
        let gg = try be.makeBuffer(count: s.c, label: "gradGamma"), gbt = try be.makeBuffer(count: s.c, label: "gradBeta")
        return PreparedCheckCase(for: self, enqueue: {
            try be.batchNormBackward(input: xb, gradOutput: gyb, gamma: g, saveMean: sm, saveInvStd: si,
                                     gradInput: gx, gradGamma: gg, gradBeta: gbt, shape: s)
        }, outputs: reader(be, [(gx, s.count), (gg, s.c), (gbt, s.c)]))
    }
}

public struct DenseCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.sum
    let batch: Int, inFeatures: Int, outFeatures: Int, backward: Bool, withGradInput: Bool, seed: UInt64
    public init(batch: Int, inFeatures: Int, outFeatures: Int, backward: Bool, withGradInput: Bool = true, seed: UInt64) {
        self.batch = batch; self.inFeatures = inFeatures; self.outFeatures = outFeatures
        self.backward = backward; self.withGradInput = withGradInput; self.seed = seed
        op = backward ? (withGradInput ? "dense backward" : "dense backward (no gradInput)") : "dense forward"
        shape = "\(batch)×\(inFeatures) → \(batch)×\(outFeatures)"
    }
    public var flop: Double { Double((backward ? (withGradInput ? 4 : 2) : 2) * batch * inFeatures * outFeatures) }
    public var bytes: Double { floatBytes(backward
        ? batch * inFeatures * (withGradInput ? 2 : 1) + 2 * outFeatures * inFeatures + batch * outFeatures
        : batch * inFeatures + outFeatures * inFeatures + batch * outFeatures) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (batch, inFeatures, outFeatures) = (self.batch, self.inFeatures, self.outFeatures)
        let scale = 1 / Float(inFeatures).squareRoot()
        let xb = try be.makeBuffer(d.uniform(batch * inFeatures), label: "x")
        let wb = try be.makeBuffer(d.uniform(outFeatures * inFeatures, -scale, scale), label: "w")
        let b = d.uniform(outFeatures), gy = d.uniform(batch * outFeatures)
        if !backward {
            let bb = try be.makeBuffer(b, label: "b"), y = try be.makeBuffer(count: batch * outFeatures, label: "y")
            return PreparedCheckCase(for: self, enqueue: {
                try be.denseForward(input: xb, weight: wb, bias: bb, output: y, batch: batch,
                                    inFeatures: inFeatures, outFeatures: outFeatures)
            }, outputs: reader(be, [(y, batch * outFeatures)]))
        }
        let gyb = try be.makeBuffer(gy, label: "gradOutput")
        let gx = withGradInput ? try be.makeBuffer(count: batch * inFeatures, label: "gradInput") : nil
        let gw = try be.makeBuffer(count: outFeatures * inFeatures, label: "gradWeight")
        let gb = try be.makeBuffer(count: outFeatures, label: "gradBias")
        var outputs = [(gw, outFeatures * inFeatures), (gb, outFeatures)]
        if let gx { outputs.append((gx, batch * inFeatures)) }
        return PreparedCheckCase(for: self, enqueue: {
            try be.denseBackward(input: xb, weight: wb, gradOutput: gyb, gradInput: gx, gradWeight: gw,
                                 gradBias: gb, batch: batch, inFeatures: inFeatures,
                                 outFeatures: outFeatures)
        }, outputs: reader(be, outputs))
    }
}

public struct LossCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    /// 1: sigmoid + BCE; otherwise softmax + CE over this many classes.
    public let classes: Int
    let batch: Int, resultOffset: Int, seed: UInt64, weighted: Bool
    /// `weighted`: with class weights (drawn in [0.2, 3)).
    public init(batch: Int, classes: Int, resultOffset: Int, seed: UInt64, weighted: Bool = false) {
        self.batch = batch; self.classes = classes; self.resultOffset = resultOffset; self.seed = seed; self.weighted = weighted
        op = (classes == 1 ? "sigmoid + BCE" : "softmax + CE") + (weighted ? " (class weights)" : "")
        shape = classes == 1 ? "\(batch) (results at +\(resultOffset))" : "\(batch)×\(classes) (results at +\(resultOffset))"
    }
    public var flop: Double { 0 }
    public var bytes: Double { floatBytes((3 * classes + 2) * batch) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (batch, classes, resultOffset) = (self.batch, self.classes, self.resultOffset)
        // Include large logits: the loss must stay finite and accurate where exp overflows.
        let logits = d.uniform(batch * classes, -8, 8).enumerated().map { $0.offset % 7 == 3 ? $0.element * 20 : $0.element }
        let labels = (0..<batch).map { _ in Float(d.rng.next(below: max(classes, 2))) }
        let z = try be.makeBuffer(logits, label: "logits"), y = try be.makeBuffer(labels, label: "labels")
        let w = weighted ? try be.makeBuffer(d.uniform(max(classes, 2), 0.2, 3), label: "class weights") : nil
        let g = try be.makeBuffer(count: batch * classes, label: "gradLogits")
        let rows = resultOffset + batch + 2
        let losses = try be.makeBuffer([Float](repeating: -7, count: rows), label: "losses")
        let probabilities = try be.makeBuffer([Float](repeating: -7, count: rows * classes), label: "probabilities")
        return PreparedCheckCase(for: self, enqueue: {
            if classes == 1 {
                try be.sigmoidBinaryCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, gradLogits: g,
                                                 losses: losses, probabilities: probabilities,
                                                 resultOffset: resultOffset)
            } else {
                try be.softmaxCrossEntropy(logits: z, labels: y, classWeights: w, batch: batch, classes: classes,
                                           gradLogits: g, losses: losses, probabilities: probabilities,
                                           resultOffset: resultOffset)
            }
        }, outputs: reader(be, [(g, batch * classes), (losses, rows), (probabilities, rows * classes)]))
    }
}

public struct AdamCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    let count: Int, step: Int, config: AdamConfig, seed: UInt64
    public init(count: Int, step: Int, placement: AdamEpsilonPlacement, seed: UInt64) {
        self.count = count; self.step = step; self.seed = seed
        config = AdamConfig(placement: placement)
        op = "adam (\(placement.rawValue) ε)"
        shape = "\(count) at step \(step)"
    }
    public var flop: Double { 12 * Double(count) }
    public var bytes: Double { floatBytes(7 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (count, step, config) = (self.count, self.step, self.config)
        let wb = try be.makeBuffer(d.uniform(count), label: "parameter")
        let gb = try be.makeBuffer(d.uniform(count, -0.1, 0.1), label: "gradient")
        let mb = try be.makeBuffer(step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, -0.01, 0.01), label: "m")
        let vb = try be.makeBuffer(step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, 0, 1e-3), label: "v")
        // Repeated runs repeat the same step on the updated state: m and v stay bounded by the gradient's.
        return PreparedCheckCase(for: self, enqueue: {
            try be.adamStep(parameter: wb, gradient: gb, m: mb, v: vb, count: count, step: step,
                            config: config)
        }, outputs: reader(be, [(wb, count), (mb, count), (vb, count)]))
    }
}

public struct AdamWCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    let count: Int, step: Int, config: AdamConfig, weightDecay: Float, seed: UInt64
    public init(count: Int, step: Int, placement: AdamEpsilonPlacement, weightDecay: Float = 0.1, seed: UInt64) {
        self.count = count; self.step = step; self.weightDecay = weightDecay; self.seed = seed
        config = AdamConfig(learningRate: 1e-2, placement: placement)
        op = "adamw (\(placement.rawValue) ε)"
        shape = "\(count) at step \(step), λ \(weightDecay)"
    }
    public var flop: Double { 14 * Double(count) }
    public var bytes: Double { floatBytes(7 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (count, step, config, weightDecay) = (self.count, self.step, self.config, self.weightDecay)
        let wb = try be.makeBuffer(d.uniform(count), label: "parameter")
        let gb = try be.makeBuffer(d.uniform(count, -0.1, 0.1), label: "gradient")
        let mb = try be.makeBuffer(step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, -0.01, 0.01), label: "m")
        let vb = try be.makeBuffer(step == 1 ? [Float](repeating: 0, count: count) : d.uniform(count, 0, 1e-3), label: "v")
        return PreparedCheckCase(for: self, enqueue: {
            try be.adamWStep(parameter: wb, gradient: gb, m: mb, v: vb, count: count, step: step, config: config,
                             weightDecay: weightDecay)
        }, outputs: reader(be, [(wb, count), (mb, count), (vb, count)]))
    }
}

public struct SGDCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    let count: Int, config: SGDConfig, seed: UInt64
    public init(count: Int, momentum: Float, nesterov: Bool, weightDecay: Float, seed: UInt64) {
        self.count = count; self.seed = seed
        config = SGDConfig(learningRate: 0.05, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        op = momentum == 0 ? "sgd" : nesterov ? "sgd (nesterov)" : "sgd (momentum)"
        shape = "\(count), μ \(momentum), λ \(weightDecay)"
    }
    public var flop: Double { 6 * Double(count) }
    public var bytes: Double { floatBytes(5 * count) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (count, config) = (self.count, self.config)
        let wb = try be.makeBuffer(d.uniform(count), label: "parameter")
        let gb = try be.makeBuffer(d.uniform(count, -0.1, 0.1), label: "gradient")
        let bb = try be.makeBuffer(d.uniform(count, -0.1, 0.1), label: "momentum buffer")
        // Repeated runs: |b| stays below |g|/(1 − μ), w drifts by lr·|g| per run.
        return PreparedCheckCase(for: self, enqueue: {
            try be.sgdStep(parameter: wb, gradient: gb, momentum: bb, count: count, config: config)
        }, outputs: reader(be, [(wb, count), (bb, count)]))
    }
}

public struct GatherRowsCase: BackendCheckCase {
    public let shape: String, op = "gather rows", tolerance = CheckTolerance.exact
    let sourceRows: Int, rowLength: Int, rows: Int, indexOffset: Int, seed: UInt64
    public init(sourceRows: Int, rowLength: Int, rows: Int, indexOffset: Int, seed: UInt64) {
        self.sourceRows = sourceRows; self.rowLength = rowLength; self.rows = rows; self.indexOffset = indexOffset
        self.seed = seed
        shape = "\(rows) of \(sourceRows) rows × \(rowLength)"
    }
    public var flop: Double { 0 }
    public var bytes: Double { floatBytes(2 * rows * rowLength) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (rowLength, rows, indexOffset, sourceRows) = (self.rowLength, self.rows, self.indexOffset, self.sourceRows)
        let src = try be.makeBuffer(d.uniform(sourceRows * rowLength), label: "dataset")
        let idx = try be.makeIndexBuffer((0..<(indexOffset + rows)).map { _ in Int32(d.rng.next(below: sourceRows)) },
                                         label: "indices")
        let dst = try be.makeBuffer(count: rows * rowLength, label: "batch")
        return PreparedCheckCase(for: self, enqueue: {
            try be.gatherRows(source: src, rowLength: rowLength, indices: idx, indexOffset: indexOffset,
                              rows: rows, into: dst)
        }, outputs: reader(be, [(dst, rows * rowLength)]))
    }
}

/// The check's case list: every op at the paper's shapes (batch `paperBatch`) and at awkward shapes.
public enum BackendCheckCases {
    /// A convolution of `n × c × h × w` inputs to `out` channels with a `kh × kw` kernel: "same" padding, or `padding`.
    static func convShape(_ n: Int, _ c: Int, _ h: Int, _ w: Int, out: Int, _ kh: Int, _ kw: Int, same: Bool = false,
                          padding: Padding2D = .zero) -> Conv2DShape {
        Conv2DShape(input: Shape4(n: n, c: c, h: h, w: w), outChannels: out, kernelH: kh, kernelW: kw,
                    padding: same ? .same(kernelH: kh, kernelW: kw) : padding)
    }

    /// Awkward convolutions: kernels 1×1 to 7×7, non-square and even ones, valid, "same" and other paddings
    /// (wider than the kernel, too), odd channel counts, batch 5, sizes off the tile and x-block edges.
    public static let awkwardConvShapes: [Conv2DShape] = {
        return [
            convShape(5, 3, 9, 11, out: 5, 3, 3, same: true),
            convShape(5, 3, 12, 19, out: 5, 7, 7),
            convShape(5, 7, 6, 9, out: 3, 1, 1),
            convShape(5, 3, 7, 10, out: 5, 3, 5, same: true),
            convShape(5, 2, 11, 9, out: 3, 7, 2),
            convShape(5, 3, 8, 9, out: 4, 4, 4, same: true),
            convShape(3, 7, 13, 21, out: 67, 5, 5, same: true),
            convShape(2, 5, 10, 35, out: 9, 7, 7, same: true),
            convShape(5, 3, 6, 7, out: 2, 2, 6, same: true),
            convShape(5, 3, 8, 9, out: 3, 3, 4, padding: Padding2D(top: 2, left: 0, bottom: 1, right: 3)),
            convShape(5, 2, 5, 6, out: 3, 1, 1, padding: Padding2D(top: 1, left: 2, bottom: 1, right: 1)),
            convShape(5, 3, 6, 6, out: 4, 2, 3, padding: Padding2D(top: 3, left: 4, bottom: 0, right: 2)),
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
        ] + lossesAndOptimisers(seed: 160) + layers()
    }

    /// The losses (sigmoid and softmax, plain and class-weighted, off-zero result offsets), every optimiser
    /// (Adam in both ε placements, AdamW, SGD plain, with momentum and Nesterov) and the row gather, at small
    /// shapes: in both the awkward and the tiny lists. Data seeds count up from `seed`.
    public static func lossesAndOptimisers(seed: UInt64) -> [any BackendCheckCase] {
        [
            LossCase(batch: 5, classes: 1, resultOffset: 3, seed: seed),
            LossCase(batch: 5, classes: 10, resultOffset: 2, seed: seed + 1),
            LossCase(batch: 5, classes: 1, resultOffset: 1, seed: seed + 2, weighted: true),
            LossCase(batch: 5, classes: 10, resultOffset: 2, seed: seed + 3, weighted: true),
            AdamCase(count: 1001, step: 1, placement: .keras, seed: seed + 4),
            AdamCase(count: 1001, step: 7, placement: .pytorch, seed: seed + 5),
            AdamWCase(count: 1001, step: 1, placement: .pytorch, seed: seed + 6),
            AdamWCase(count: 1001, step: 6, placement: .keras, seed: seed + 7),
            SGDCase(count: 1001, momentum: 0, nesterov: false, weightDecay: 0, seed: seed + 8),
            SGDCase(count: 1001, momentum: 0.9, nesterov: false, weightDecay: 0.01, seed: seed + 9),
            SGDCase(count: 1001, momentum: 0.9, nesterov: true, weightDecay: 0.01, seed: seed + 10),
            GatherRowsCase(sourceRows: 7, rowLength: 13, rows: 5, indexOffset: 2, seed: seed + 11),
        ]
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
            AddInPlaceCase(count: 1261, seed: 153),
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
        awkward() + cases(for: architecture, batch: batch) + augmentation(architecture: architecture, batch: batch)
    }
}
