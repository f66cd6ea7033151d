import CLRuntime
import Foundation
import Kernels

/// The ops of `Backend` as gcnn's hand-written OpenCL kernels on one device.
///
/// All kernels are compiled once, at init, as one program from the sources embedded in the binary, with
/// tile sizes for the device (`OpenCLKernelConfig`). Ops only enqueue work on one in-order queue; `read`
/// and `finish` are the only calls that wait for the device.
public final class OpenCLBackend: Backend {
    public typealias Buffer = DeviceBuffer<Float>
    public typealias IndexBuffer = DeviceBuffer<Int32>

    public let device: CLDevice
    public let context: CLContext
    public let queue: CLQueue
    public let program: CLProgram
    public let config: OpenCLKernelConfig
    public var deviceName: String { device.name }

    private let kernels: [String: CLKernel]
    /// Partial sums of split weight-gradient reductions; grown on demand.
    private var splitScratch: DeviceBuffer<Float>?

    /// The kernel files, `common.cl` (shared helpers) first.
    static var sourceFileNames: [String] {
        let names = KernelLibrary.fileNames.filter { $0.hasSuffix(".cl") }
        return names.filter { $0 == "common.cl" } + names.filter { $0 != "common.cl" }
    }

    static let kernelNames = [
        "relu_backward", "gather_rows", "adam_step", "sigmoid_bce", "softmax_ce",
        "maxpool_forward", "maxpool_backward",
        "batchnorm_stats", "batchnorm_normalize", "batchnorm_inference", "batchnorm_backward_reduce",
        "batchnorm_backward_data",
        "dense_forward", "dense_backward_input", "dense_backward_weight", "dense_backward_bias",
        "conv2d_forward", "conv2d_backward_data", "conv2d_backward_weights", "conv2d_sum_splits",
        "conv2d_backward_bias",
    ]

    /// Builds every kernel for `device` (throws `CLError.buildFailed` with the build log on a compile error).
    public init(device: CLDevice, config: OpenCLKernelConfig? = nil) throws {
        self.device = device
        self.config = config ?? OpenCLKernelConfig.forDevice(device)
        context = try CLContext(device: device)
        queue = try CLQueue(context: context)
        let sources = Self.sourceFileNames.compactMap { KernelLibrary.source(named: $0) }
        program = try CLProgram(context: context, sources: sources, options: self.config.buildOptions)
        var kernels: [String: CLKernel] = [:]
        for name in Self.kernelNames { kernels[name] = try program.kernel(named: name) }
        self.kernels = kernels
        for name in ["conv2d_forward", "conv2d_backward_data", "conv2d_backward_weights"] {
            try checkWorkGroup(name, needs: self.config.convThreads)
        }
        let reductions = ["batchnorm_stats", "batchnorm_backward_reduce", "dense_forward", "conv2d_backward_bias"]
        for name in reductions { try checkWorkGroup(name, needs: self.config.reduceWorkGroup) }
        for name in Self.kernelNames where !reductions.contains(name) && !name.hasPrefix("conv2d_backward_")
            && name != "conv2d_forward" {
            try checkWorkGroup(name, needs: self.config.elementwiseWorkGroup)
        }
    }

    private func checkWorkGroup(_ name: String, needs: Int) throws {
        let limit = try kernel(name).maxWorkGroupSize(on: device)
        if limit < needs {
            throw CLError.invalidArgument("kernel \(name) needs work-groups of \(needs) items but \(device.name) allows \(limit) (tile config: \(config))")
        }
    }

    private func kernel(_ name: String) throws -> CLKernel {
        guard let kernel = kernels[name] else { throw CLError.missingKernel(name) }
        return kernel
    }

    /// Binds `arguments` to kernel `name` and enqueues it; without `local`, work-groups of
    /// `config.elementwiseWorkGroup` items along the first dimension (the kernel bound-checks the rest).
    private func run(_ name: String, global: [Int], local: [Int]? = nil, _ arguments: any CLKernelArgument...) throws {
        let k = try kernel(name)
        for (index, argument) in arguments.enumerated() { try argument.bind(to: k, at: index) }
        let groups = local ?? [config.elementwiseWorkGroup] + Array(repeating: 1, count: global.count - 1)
        do {
            try queue.dispatch(k, global: global, local: groups)
        } catch CLError.call(let call, let status) where status == .memObjectAllocationFailure || status == .outOfResources {
            // Drivers allocate lazily: name the buffers this launch needed, with their sizes.
            let buffers = arguments.compactMap { $0 as? DeviceBuffer<Float> }
                .map { "'\($0.label)' (\($0.byteCount) bytes)" }
            throw CLError.call("\(call) using buffers \(buffers.joined(separator: ", "))", status: status)
        }
    }

    /// Throws unless `buffer` holds at least `count` elements (a kernel would otherwise write past its end).
    private func require<T>(_ buffer: DeviceBuffer<T>, _ count: Int, _ role: String) throws {
        if buffer.count < count {
            throw CLError.invalidArgument("\(role) buffer '\(buffer.label)' has \(buffer.count) elements, the op needs \(count)")
        }
    }

    // MARK: Memory

    public func makeBuffer(count: Int, label: String) throws -> Buffer {
        try DeviceBuffer<Float>(context: context, count: count, label: label)
    }

    public func makeBuffer(_ values: [Float], label: String) throws -> Buffer {
        let buffer = try makeBuffer(count: values.count, label: label)
        try buffer.upload(values, queue: queue)
        return buffer
    }

    public func write(_ values: [Float], to buffer: Buffer, offset: Int) throws {
        try buffer.upload(values, offset: offset, queue: queue)
    }

    public func read(_ buffer: Buffer, offset: Int, count: Int) throws -> [Float] {
        try buffer.download(offset: offset, count: count, queue: queue)
    }

    public func fill(_ buffer: Buffer, value: Float, offset: Int, count: Int) throws {
        try buffer.fill(value, offset: offset, count: count, queue: queue)
    }

    public func makeIndexBuffer(_ values: [Int32], label: String) throws -> IndexBuffer {
        let buffer = try DeviceBuffer<Int32>(context: context, count: values.count, label: label)
        try buffer.upload(values, queue: queue)
        return buffer
    }

    public func write(_ values: [Int32], to buffer: IndexBuffer, offset: Int) throws {
        try buffer.upload(values, offset: offset, queue: queue)
    }

    public func finish() throws { try queue.finish() }

    // MARK: Data movement

    public func gatherRows(source: Buffer, rowLength: Int, indices: IndexBuffer, indexOffset: Int, rows: Int,
                           into destination: Buffer) throws {
        try require(indices, indexOffset + rows, "indices")
        try require(destination, rows * rowLength, "destination")
        try run("gather_rows", global: [rowLength, rows],
                source, rowLength, indices, indexOffset, rows, destination)
    }

    // MARK: Convolution

    private func checkConv(_ shape: Conv2DShape) throws {
        guard shape.kernel >= 1, shape.output.h >= 1, shape.output.w >= 1 else {
            throw CLError.invalidArgument("convolution \(shape) has an empty output")
        }
    }

    private func convLocalGlobal(rows: Int, columns: Int, splits: Int = 1) -> (global: [Int], local: [Int]) {
        let local = config.convLocal + [1]
        let groupsX = (columns + config.tileN - 1) / config.tileN
        let groupsY = (rows + config.tileM - 1) / config.tileM
        return ([groupsX * local[0], groupsY * local[1], splits], local)
    }

    public func conv2dForward(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                              shape: Conv2DShape, relu: Bool) throws {
        try checkConv(shape)
        let i = shape.input
        try require(input, i.count, "input"); try require(weight, shape.weightCount, "weight")
        try require(bias, shape.outChannels, "bias"); try require(output, shape.output.count, "output")
        let (global, local) = convLocalGlobal(rows: shape.outChannels, columns: shape.output.count / shape.outChannels)
        try run("conv2d_forward", global: global, local: local,
                input, weight, bias, output, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernel, relu ? 1 : 0)
    }

    public func conv2dBackwardData(gradOutput: Buffer, weight: Buffer, gradInput: Buffer, shape: Conv2DShape) throws {
        try checkConv(shape)
        let i = shape.input
        try require(gradOutput, shape.output.count, "gradOutput"); try require(weight, shape.weightCount, "weight")
        try require(gradInput, i.count, "gradInput")
        let (global, local) = convLocalGlobal(rows: i.c, columns: i.n * i.h * i.w)
        try run("conv2d_backward_data", global: global, local: local,
                gradOutput, weight, gradInput, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernel)
    }

    /// Splits of the weight-gradient reduction over `positions` = n·oh·ow: enough work-groups to fill the
    /// device (a function of the shape and the device only, so results are deterministic), at most 64.
    private func weightGradientSplits(tiles: Int, positions: Int) -> (splits: Int, chunk: Int) {
        let wanted = max(1, min(64, (4 * device.computeUnits + tiles - 1) / tiles))
        let steps = (positions + config.tileK - 1) / config.tileK
        let stepsPerSplit = max(4, (steps + wanted - 1) / wanted)
        let chunk = stepsPerSplit * config.tileK
        return ((positions + chunk - 1) / chunk, chunk)
    }

    public func conv2dBackwardWeights(input: Buffer, gradOutput: Buffer, gradWeight: Buffer, gradBias: Buffer,
                                      shape: Conv2DShape) throws {
        try checkConv(shape)
        let i = shape.input, o = shape.output
        try require(input, i.count, "input"); try require(gradOutput, o.count, "gradOutput")
        try require(gradWeight, shape.weightCount, "gradWeight"); try require(gradBias, shape.outChannels, "gradBias")
        let columns = i.c * shape.kernel * shape.kernel
        let tiles = ((columns + config.tileN - 1) / config.tileN) * ((shape.outChannels + config.tileM - 1) / config.tileM)
        let (splits, chunk) = weightGradientSplits(tiles: tiles, positions: o.n * o.h * o.w)
        var target = gradWeight
        if splits > 1 {
            let needed = splits * shape.weightCount
            if splitScratch == nil || splitScratch!.count < needed {
                splitScratch = try DeviceBuffer<Float>(context: context, count: needed, label: "conv weight-gradient partial sums")
            }
            target = splitScratch!
        }
        let (global, local) = convLocalGlobal(rows: shape.outChannels, columns: columns, splits: splits)
        try run("conv2d_backward_weights", global: global, local: local,
                input, gradOutput, target, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernel, chunk)
        if splits > 1 {
            try run("conv2d_sum_splits", global: [shape.weightCount], target, gradWeight, shape.weightCount, splits)
        }
        let r = config.reduceWorkGroup
        try run("conv2d_backward_bias", global: [shape.outChannels * r], local: [r],
                gradOutput, gradBias, o.n, o.c, o.h * o.w)
    }

    public func reluBackward(output: Buffer, gradient: Buffer, count: Int) throws {
        try require(output, count, "output"); try require(gradient, count, "gradient")
        try run("relu_backward", global: [count], output, gradient, count)
    }

    // MARK: Max pool

    public func maxPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws {
        let i = shape.input, o = shape.output
        try require(input, i.count, "input"); try require(output, o.count, "output")
        try run("maxpool_forward", global: [o.w, o.h, i.n * i.c], input, output, i.n * i.c, i.h, i.w)
    }

    public func maxPoolBackward(input: Buffer, gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws {
        let i = shape.input
        try require(input, i.count, "input"); try require(gradOutput, shape.output.count, "gradOutput")
        try require(gradInput, i.count, "gradInput")
        try run("maxpool_backward", global: [i.w, i.h, i.n * i.c], input, gradOutput, gradInput, i.n * i.c, i.h, i.w)
    }

    // MARK: Batch normalisation

    public func batchNormTrainingForward(input: Buffer, output: Buffer, gamma: Buffer, beta: Buffer,
                                         runningMean: Buffer, runningVariance: Buffer,
                                         saveMean: Buffer, saveInvStd: Buffer,
                                         shape: Shape4, config bn: BatchNormConfig) throws {
        try require(input, shape.count, "input"); try require(output, shape.count, "output")
        for (buffer, role) in [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"),
                               (runningVariance, "runningVariance"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd")] {
            try require(buffer, shape.c, role)
        }
        let r = config.reduceWorkGroup, hw = shape.h * shape.w
        try run("batchnorm_stats", global: [shape.c * r], local: [r],
                input, shape.n, shape.c, hw, saveMean, saveInvStd, runningMean, runningVariance,
                bn.momentum, bn.epsilon, bn.unbiasedRunningVariance ? 1 : 0)
        try run("batchnorm_normalize", global: [hw, shape.c, shape.n],
                input, output, gamma, beta, saveMean, saveInvStd, shape.n, shape.c, hw)
    }

    public func batchNormInferenceForward(input: Buffer, output: Buffer, gamma: Buffer, beta: Buffer,
                                          runningMean: Buffer, runningVariance: Buffer,
                                          shape: Shape4, config bn: BatchNormConfig) throws {
        try require(input, shape.count, "input"); try require(output, shape.count, "output")
        for (buffer, role) in [(gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"),
                               (runningVariance, "runningVariance")] {
            try require(buffer, shape.c, role)
        }
        let hw = shape.h * shape.w
        try run("batchnorm_inference", global: [hw, shape.c, shape.n],
                input, output, gamma, beta, runningMean, runningVariance, shape.n, shape.c, hw, bn.epsilon)
    }

    public func batchNormBackward(input: Buffer, gradOutput: Buffer, gamma: Buffer,
                                  saveMean: Buffer, saveInvStd: Buffer,
                                  gradInput: Buffer, gradGamma: Buffer, gradBeta: Buffer, shape: Shape4) throws {
        try require(input, shape.count, "input"); try require(gradOutput, shape.count, "gradOutput")
        try require(gradInput, shape.count, "gradInput")
        for (buffer, role) in [(gamma, "gamma"), (saveMean, "saveMean"), (saveInvStd, "saveInvStd"),
                               (gradGamma, "gradGamma"), (gradBeta, "gradBeta")] {
            try require(buffer, shape.c, role)
        }
        let r = config.reduceWorkGroup, hw = shape.h * shape.w
        try run("batchnorm_backward_reduce", global: [shape.c * r], local: [r],
                input, gradOutput, saveMean, saveInvStd, gradGamma, gradBeta, shape.n, shape.c, hw)
        try run("batchnorm_backward_data", global: [hw, shape.c, shape.n],
                input, gradOutput, gamma, saveMean, saveInvStd, gradGamma, gradBeta, gradInput, shape.n, shape.c, hw)
    }

    // MARK: Dense

    public func denseForward(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                             batch: Int, inFeatures: Int, outFeatures: Int) throws {
        try require(input, batch * inFeatures, "input"); try require(weight, outFeatures * inFeatures, "weight")
        try require(bias, outFeatures, "bias"); try require(output, batch * outFeatures, "output")
        let r = config.reduceWorkGroup
        try run("dense_forward", global: [outFeatures * r, batch], local: [r, 1],
                input, weight, bias, output, batch, inFeatures, outFeatures)
    }

    public func denseBackward(input: Buffer, weight: Buffer, gradOutput: Buffer,
                              gradInput: Buffer?, gradWeight: Buffer, gradBias: Buffer,
                              batch: Int, inFeatures: Int, outFeatures: Int) throws {
        try require(input, batch * inFeatures, "input"); try require(weight, outFeatures * inFeatures, "weight")
        try require(gradOutput, batch * outFeatures, "gradOutput")
        try require(gradWeight, outFeatures * inFeatures, "gradWeight"); try require(gradBias, outFeatures, "gradBias")
        if let gradInput {
            try require(gradInput, batch * inFeatures, "gradInput")
            try run("dense_backward_input", global: [inFeatures, batch],
                    weight, gradOutput, gradInput, batch, inFeatures, outFeatures)
        }
        try run("dense_backward_weight", global: [inFeatures, outFeatures],
                input, gradOutput, gradWeight, batch, inFeatures, outFeatures)
        try run("dense_backward_bias", global: [outFeatures], gradOutput, gradBias, batch, outFeatures)
    }

    // MARK: Losses

    public func sigmoidBinaryCrossEntropy(logits: Buffer, labels: Buffer, batch: Int, gradLogits: Buffer,
                                          losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try require(logits, batch, "logits"); try require(labels, batch, "labels")
        try require(gradLogits, batch, "gradLogits")
        try require(losses, resultOffset + batch, "losses"); try require(probabilities, resultOffset + batch, "probabilities")
        try run("sigmoid_bce", global: [batch], logits, labels, batch, gradLogits, losses, probabilities, resultOffset)
    }

    public func softmaxCrossEntropy(logits: Buffer, labels: Buffer, batch: Int, classes: Int, gradLogits: Buffer,
                                    losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try require(logits, batch * classes, "logits"); try require(labels, batch, "labels")
        try require(gradLogits, batch * classes, "gradLogits")
        try require(losses, resultOffset + batch, "losses")
        try require(probabilities, (resultOffset + batch) * classes, "probabilities")
        try run("softmax_ce", global: [batch],
                logits, labels, batch, classes, gradLogits, losses, probabilities, resultOffset)
    }

    // MARK: Optimiser

    public func adamStep(parameter: Buffer, gradient: Buffer, m: Buffer, v: Buffer, count: Int,
                         step: Int, config adam: AdamConfig) throws {
        for (buffer, role) in [(parameter, "parameter"), (gradient, "gradient"), (m, "m"), (v, "v")] {
            try require(buffer, count, role)
        }
        let (stepSize, vScale) = AdamScalars.make(step: step, config: adam)
        try run("adam_step", global: [count], parameter, gradient, m, v, count,
                adam.beta1, adam.beta2, adam.epsilon, stepSize, vScale)
    }
}
