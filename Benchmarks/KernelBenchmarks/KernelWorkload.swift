import Foundation
import Model

/// One op of the paper's network at its training shape, ready to run on a backend: what it computes and how
/// much (nominal FLOPs and the least memory traffic it must do), and a closure that enqueues it once.
struct KernelCase {
    let name: String
    /// Useful floating-point operations of one run (a multiply-add counts 2); 0 where not meaningful.
    let flop: Double
    /// Bytes the op must at least read and write once (the memory-bound ops are judged by this).
    let bytes: Double
    let enqueue: () throws -> Void
}

/// Buffers for every activation, gradient and parameter of `PaperCNN` at batch `n`, filled with seeded values,
/// and the list of ops of one training step (plus inference-only BatchNorm) as `KernelCase`s.
final class KernelWorkload<B: Backend> {
    let backend: B
    let batch: Int
    let config: PaperCNNConfig
    private(set) var cases: [KernelCase] = []

    /// The ops, in the order a training step runs them (names ending in `*` are not on the training path).
    static var caseNames: [String] {
        ["gather batch", "conv1 forward+relu", "bn training forward", "bn inference forward", "pool1 forward",
         "conv2 forward+relu", "pool2 forward", "dense forward", "sigmoid BCE", "dense backward", "pool2 backward",
         "relu2 backward", "conv2 backward-weights", "conv2 backward-data", "pool1 backward", "bn backward",
         "relu1 backward", "conv1 backward-weights", "conv1 backward-data*", "adam (8 tensors)"]
    }

    init(backend: B, batch n: Int, seed: UInt64 = 1) throws {
        self.backend = backend
        batch = n
        config = PaperCNNConfig(maxBatch: n)
        var rng = RandomGenerator(seed: seed)
        func random(_ count: Int, _ label: String, scale: Float = 1) throws -> B.Buffer {
            try backend.makeBuffer((0..<count).map { _ in rng.uniform(-scale, scale) }, label: label)
        }
        func constant(_ count: Int, _ value: Float, _ label: String) throws -> B.Buffer {
            try backend.makeBuffer([Float](repeating: value, count: count), label: label)
        }
        let c1 = config.conv1(batch: n), c2 = config.conv2(batch: n)
        let p1 = config.pool1(batch: n), p2 = config.pool2(batch: n)
        let f = config.filters, flat = config.flattenFeatures, clip = config.inputCount

        let dataset = try random(4 * n * clip, "dataset")
        let order = try backend.makeIndexBuffer((0..<Int32(4 * n)).reversed().map { $0 }, label: "order")
        let x = try random(c1.input.count, "input")
        let w1 = try random(c1.weightCount, "conv1.weight", scale: 0.2), b1 = try random(f, "conv1.bias", scale: 0.1)
        let w2 = try random(c2.weightCount, "conv2.weight", scale: 0.05), b2 = try random(f, "conv2.bias", scale: 0.1)
        let fcW = try random(flat, "fc.weight", scale: 0.01), fcB = try random(1, "fc.bias")
        let gamma = try constant(f, 1, "bn gamma"), beta = try constant(f, 0, "bn beta")
        let runMean = try constant(f, 0, "running mean"), runVar = try constant(f, 1, "running var")
        let saveMean = try backend.makeBuffer(count: f, label: "save mean"), saveInv = try backend.makeBuffer(count: f, label: "save inv std")
        let conv1Out = try random(c1.output.count, "conv1 out"), bnOut = try random(c1.output.count, "bn out")
        let pool1Out = try random(p1.output.count, "pool1 out"), conv2Out = try random(c2.output.count, "conv2 out")
        let pool2Out = try random(p2.output.count, "pool2 out"), logits = try random(n, "logits")
        let labels = try backend.makeBuffer((0..<n).map { Float($0 % 2) }, label: "labels")
        let gLogits = try random(n, "grad logits", scale: 0.05), gPool2 = try random(p2.output.count, "grad pool2")
        let gConv2 = try random(c2.output.count, "grad conv2"), gPool1 = try random(p1.output.count, "grad pool1")
        let gBN = try random(c1.output.count, "grad bn"), gConv1 = try random(c1.output.count, "grad conv1")
        let gInput = try backend.makeBuffer(count: c1.input.count, label: "grad input")
        let gW1 = try backend.makeBuffer(count: c1.weightCount, label: "grad conv1.weight"), gB1 = try backend.makeBuffer(count: f, label: "grad conv1.bias")
        let gW2 = try backend.makeBuffer(count: c2.weightCount, label: "grad conv2.weight"), gB2 = try backend.makeBuffer(count: f, label: "grad conv2.bias")
        let gFcW = try backend.makeBuffer(count: flat, label: "grad fc.weight"), gFcB = try backend.makeBuffer(count: 1, label: "grad fc.bias")
        let gGamma = try backend.makeBuffer(count: f, label: "grad gamma"), gBeta = try backend.makeBuffer(count: f, label: "grad beta")
        let losses = try backend.makeBuffer(count: n, label: "losses"), probs = try backend.makeBuffer(count: n, label: "probabilities")
        let batchX = try backend.makeBuffer(count: n * clip, label: "batch")

        // Adam over every trainable tensor of the network, as one step does (8 launches).
        let trainableCounts = [c1.weightCount, f, f, f, c2.weightCount, f, flat, 1]
        let adam = try trainableCounts.enumerated().map { i, count in
            (count: count, p: try random(count, "param \(i)", scale: 0.1), g: try random(count, "grad \(i)", scale: 0.01),
             m: try constant(count, 0, "m \(i)"), v: try constant(count, 0, "v \(i)"))
        }
        let parameters = Double(trainableCounts.reduce(0, +))
        var adamStep = 0

        let fl = 4.0   // bytes per Float
        func conv(_ s: Conv2DShape) -> Double { 2 * Double(s.macs) }
        let e1 = Double(c1.output.count), e2 = Double(c2.output.count)
        cases = [
            KernelCase(name: "gather batch", flop: 0, bytes: fl * 2 * Double(n * clip)) {
                try backend.gatherRows(source: dataset, rowLength: clip, indices: order, indexOffset: 0, rows: n, into: batchX)
            },
            KernelCase(name: "conv1 forward+relu", flop: conv(c1), bytes: fl * (Double(c1.input.count) + e1)) {
                try backend.conv2dForward(input: x, weight: w1, bias: b1, output: conv1Out, shape: c1, relu: true)
            },
            KernelCase(name: "bn training forward", flop: 8 * e1, bytes: fl * 2 * e1) {
                try backend.batchNormTrainingForward(input: conv1Out, output: bnOut, gamma: gamma, beta: beta,
                                                     runningMean: runMean, runningVariance: runVar, saveMean: saveMean,
                                                     saveInvStd: saveInv, shape: c1.output, config: .keras)
            },
            KernelCase(name: "bn inference forward", flop: 2 * e1, bytes: fl * 2 * e1) {
                try backend.batchNormInferenceForward(input: conv1Out, output: bnOut, gamma: gamma, beta: beta,
                                                      runningMean: runMean, runningVariance: runVar, shape: c1.output, config: .keras)
            },
            KernelCase(name: "pool1 forward", flop: 3 * Double(p1.output.count), bytes: fl * (e1 + Double(p1.output.count))) {
                try backend.maxPoolForward(input: bnOut, output: pool1Out, shape: p1)
            },
            KernelCase(name: "conv2 forward+relu", flop: conv(c2), bytes: fl * (Double(c2.input.count) + e2)) {
                try backend.conv2dForward(input: pool1Out, weight: w2, bias: b2, output: conv2Out, shape: c2, relu: true)
            },
            KernelCase(name: "pool2 forward", flop: 3 * Double(p2.output.count), bytes: fl * (e2 + Double(p2.output.count))) {
                try backend.maxPoolForward(input: conv2Out, output: pool2Out, shape: p2)
            },
            KernelCase(name: "dense forward", flop: 2 * Double(n * flat), bytes: fl * Double((n + 1) * flat)) {
                try backend.denseForward(input: pool2Out, weight: fcW, bias: fcB, output: logits, batch: n, inFeatures: flat, outFeatures: 1)
            },
            KernelCase(name: "sigmoid BCE", flop: 0, bytes: fl * 5 * Double(n)) {
                try backend.sigmoidBinaryCrossEntropy(logits: logits, labels: labels, batch: n, gradLogits: gLogits,
                                                      losses: losses, probabilities: probs, resultOffset: 0)
            },
            KernelCase(name: "dense backward", flop: 4 * Double(n * flat), bytes: fl * Double((2 * n + 2) * flat)) {
                try backend.denseBackward(input: pool2Out, weight: fcW, gradOutput: gLogits, gradInput: gPool2, gradWeight: gFcW,
                                          gradBias: gFcB, batch: n, inFeatures: flat, outFeatures: 1)
            },
            KernelCase(name: "pool2 backward", flop: 0, bytes: fl * (2 * e2 + Double(p2.output.count))) {
                try backend.maxPoolBackward(input: conv2Out, gradOutput: gPool2, gradInput: gConv2, shape: p2)
            },
            KernelCase(name: "relu2 backward", flop: e2, bytes: fl * 3 * e2) {
                try backend.reluBackward(output: conv2Out, gradient: gConv2, count: c2.output.count)
            },
            KernelCase(name: "conv2 backward-weights", flop: conv(c2), bytes: fl * (Double(c2.input.count) + e2)) {
                try backend.conv2dBackwardWeights(input: pool1Out, gradOutput: gConv2, gradWeight: gW2, gradBias: gB2, shape: c2)
            },
            KernelCase(name: "conv2 backward-data", flop: conv(c2), bytes: fl * (Double(c2.input.count) + e2)) {
                try backend.conv2dBackwardData(gradOutput: gConv2, weight: w2, gradInput: gPool1, shape: c2)
            },
            KernelCase(name: "pool1 backward", flop: 0, bytes: fl * (2 * e1 + Double(p1.output.count))) {
                try backend.maxPoolBackward(input: bnOut, gradOutput: gPool1, gradInput: gBN, shape: p1)
            },
            KernelCase(name: "bn backward", flop: 10 * e1, bytes: fl * 3 * e1) {
                try backend.batchNormBackward(input: conv1Out, gradOutput: gBN, gamma: gamma, saveMean: saveMean, saveInvStd: saveInv,
                                              gradInput: gConv1, gradGamma: gGamma, gradBeta: gBeta, shape: c1.output)
            },
            KernelCase(name: "relu1 backward", flop: e1, bytes: fl * 3 * e1) {
                try backend.reluBackward(output: conv1Out, gradient: gConv1, count: c1.output.count)
            },
            KernelCase(name: "conv1 backward-weights", flop: conv(c1), bytes: fl * (Double(c1.input.count) + e1)) {
                try backend.conv2dBackwardWeights(input: x, gradOutput: gConv1, gradWeight: gW1, gradBias: gB1, shape: c1)
            },
            // Not on the training path (nothing needs ∂L/∂input), measured for completeness.
            KernelCase(name: "conv1 backward-data*", flop: conv(c1), bytes: fl * (Double(c1.input.count) + e1)) {
                try backend.conv2dBackwardData(gradOutput: gConv1, weight: w1, gradInput: gInput, shape: c1)
            },
            KernelCase(name: "adam (8 tensors)", flop: 12 * parameters, bytes: fl * 7 * parameters) {
                adamStep += 1
                for t in adam {
                    try backend.adamStep(parameter: t.p, gradient: t.g, m: t.m, v: t.v, count: t.count, step: adamStep,
                                         config: AdamConfig())
                }
            },
        ]
        precondition(cases.map(\.name) == Self.caseNames, "KernelWorkload.caseNames must list every case in order")
        try backend.finish()
    }

    /// FLOPs of one whole training step: the sum of the ops `PaperCNN.trainStep` runs.
    var trainStepFlop: Double {
        cases.filter { !$0.name.hasSuffix("*") && $0.name != "bn inference forward" && $0.name != "gather batch" }
            .reduce(0) { $0 + $1.flop }
    }
}
