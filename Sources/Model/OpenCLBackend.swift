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
    /// What the device's compiler said while building the kernels (`--verbose` prints it), in a few lines.
    public var buildReport: String {
        let messages = program.messages
        return "kernels built for \(device.name) with '\(program.options)': "
            + (messages.isEmpty ? "no compiler messages" : "compiler messages:\n" + messages)
    }

    private let kernels: [String: CLKernel]
    /// Partial sums of split weight-gradient reductions; grown on demand.
    private var splitScratch: DeviceBuffer<Float>?
    /// CPU variant: repacked conv weights, and the zero-padded input of a padded convolution or the zero-padded
    /// gradient of the backward-data correlation.
    private var packedWeightScratch: DeviceBuffer<Float>?
    private var paddedScratch: DeviceBuffer<Float>?
    /// While profiling: every kernel launch with its completion event.
    private var profiled: [(kernel: String, global: [Int], event: CLEvent)]?

    /// The program's sources in `sourceFileNames` order.
    static var sources: [String] { sourceFileNames.compactMap { KernelLibrary.source(named: $0) } }

    /// The kernel files, `common.cl` (shared helpers) first.
    static var sourceFileNames: [String] {
        let names = KernelLibrary.fileNames.filter { $0.hasSuffix(".cl") }
        return names.filter { $0 == "common.cl" } + names.filter { $0 != "common.cl" }
    }

    /// Kernels both variants build.
    static let commonKernelNames = [
        "gather_rows", "adam_step", "sgd_step", "sigmoid_bce", "softmax_ce",
        "dense_forward", "dense_backward_input", "dense_backward_weight", "dense_backward_bias", "conv2d_sum_splits",
    ]
    /// Kernels with a CPU version (the same name with `_cpu` appended, same arguments, launched differently).
    static let variantKernelNames = [
        "relu_backward", "maxpool_forward", "maxpool_backward",
        "batchnorm_stats", "batchnorm_normalize", "batchnorm_inference", "batchnorm_backward_reduce",
        "batchnorm_backward_data",
    ] + layerKernelNames
    /// Kernels of the tiled (GPU) variant's work-groups of `convThreads` items.
    static let tiledConvKernelNames = ["conv2d_forward", "conv2d_backward_data", "conv2d_backward_weights"]
    static let cpuConvKernelNames = ["conv2d_forward_cpu", "conv2d_pack_weights_cpu", "conv2d_pad_cpu",
                                     "conv2d_backward_weights_cpu", "conv2d_backward_bias_cpu"]

    /// The kernels one variant's program defines.
    static func kernelNames(_ variant: OpenCLKernelConfig.Variant) -> [String] {
        switch variant {
        case .tiled: commonKernelNames + variantKernelNames + tiledConvKernelNames + ["conv2d_backward_bias"]
            + augmentationKernelNames
        case .cpu: commonKernelNames + variantKernelNames.map { $0 + "_cpu" } + cpuConvKernelNames + augmentationKernelNames
        }
    }

    /// Builds every kernel for `device` (throws `CLError.buildFailed` with the build log on a compile error).
    public init(device: CLDevice, config: OpenCLKernelConfig? = nil) throws {
        self.device = device
        self.config = config ?? OpenCLKernelConfig.forDevice(device)
        context = try CLContext(device: device)
        queue = try CLQueue(context: context)
        program = try CLProgram(context: context, sources: Self.sources, options: self.config.buildOptions)
        var kernels: [String: CLKernel] = [:]
        let names = Self.kernelNames(self.config.variant)
        for name in names { kernels[name] = try program.kernel(named: name) }
        self.kernels = kernels
        if self.config.variant == .tiled {
            for name in Self.tiledConvKernelNames { try checkWorkGroup(name, needs: self.config.convThreads) }
        }
        let reductions = ["batchnorm_stats", "batchnorm_backward_reduce", "dense_forward", "conv2d_backward_bias"]
            + Self.augmentationReductionKernelNames
        for name in reductions where names.contains(name) { try checkWorkGroup(name, needs: self.config.reduceWorkGroup) }
        let elementwise = Self.commonKernelNames + (self.config.variant == .tiled ? Self.variantKernelNames : [])
        for name in elementwise where !reductions.contains(name) {
            try checkWorkGroup(name, needs: self.config.elementwiseWorkGroup)
        }
    }

    private func checkWorkGroup(_ name: String, needs: Int) throws {
        let limit = try kernel(name).maxWorkGroupSize(on: device)
        if limit < needs {
            throw CLError.invalidArgument("kernel \(name) needs work-groups of \(needs) items but \(device.name) allows \(limit) (tile config: \(config))")
        }
    }

    func kernel(_ name: String) throws -> CLKernel {
        guard let kernel = kernels[name] else { throw CLError.missingKernel(name) }
        return kernel
    }

    /// Binds `arguments` to kernel `name` and enqueues it; without `local`, work-groups of
    /// `config.elementwiseWorkGroup` items along the first dimension (the kernel bound-checks the rest).
    func run(_ name: String, global: [Int], local: [Int]? = nil, _ arguments: any CLKernelArgument...) throws {
        try run(name, global: global, local: local, arguments: arguments)
    }

    func run(_ name: String, global: [Int], local: [Int]?, arguments: [any CLKernelArgument]) throws {
        let k = try kernel(name)
        for (index, argument) in arguments.enumerated() { try argument.bind(to: k, at: index) }
        let groups = local ?? [config.elementwiseWorkGroup] + Array(repeating: 1, count: global.count - 1)
        do {
            if let event = try queue.dispatch(k, global: global, local: groups, timed: profiled != nil) {
                profiled?.append((name, global, event))
            }
        } catch CLError.call(let call, let status) where status == .memObjectAllocationFailure || status == .outOfResources {
            // Drivers allocate lazily: name the buffers this launch needed, with their sizes.
            let buffers = arguments.compactMap { $0 as? DeviceBuffer<Float> }
                .map { "'\($0.label)' (\($0.byteCount) bytes)" }
            throw CLError.call("\(call) using buffers \(buffers.joined(separator: ", "))", status: status)
        }
    }

    /// Throws unless `buffer` holds at least `count` elements (a kernel would otherwise write past its end).
    func require<T>(_ buffer: DeviceBuffer<T>, _ count: Int, _ role: String) throws {
        if buffer.count < count {
            throw CLError.invalidArgument("\(role) buffer '\(buffer.label)' has \(buffer.count) elements, the op needs \(count)")
        }
    }

    // MARK: Memory

    public func makeBuffer(count: Int, label: String) throws -> Buffer {
        KeptDeviceBuffers.register(try DeviceBuffer<Float>(context: context, count: count, label: label))
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
        let buffer = KeptDeviceBuffers.register(try DeviceBuffer<Int32>(context: context, count: values.count, label: label))
        try buffer.upload(values, queue: queue)
        return buffer
    }

    public func write(_ values: [Int32], to buffer: IndexBuffer, offset: Int) throws {
        try buffer.upload(values, offset: offset, queue: queue)
    }

    public func finish() throws { try queue.finish() }

    // MARK: Profiling

    /// Starts recording the device time of every kernel launched from now on (discarding any earlier record).
    public func startProfiling() { profiled = [] }

    /// Waits for the queue, stops recording and returns the device time per kernel and launch size since
    /// `startProfiling()`, the longest first (empty if profiling was not started).
    public func stopProfiling() throws -> [KernelTime] {
        try finish()
        defer { profiled = nil }
        return try KernelTime.summarize(profiled ?? [])
    }

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
        let p = shape.padding
        guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else {
            throw CLError.invalidArgument("convolution \(shape) has negative padding")
        }
        guard shape.kernelH >= 1, shape.kernelW >= 1, shape.output.h >= 1, shape.output.w >= 1 else {
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
        try require(input, shape.input.count, "input"); try require(weight, shape.weightCount, "weight")
        try require(bias, shape.outChannels, "bias"); try require(output, shape.output.count, "output")
        switch config.variant {
        case .tiled: try conv2dForwardTiled(input: input, weight: weight, bias: bias, output: output, shape: shape, relu: relu)
        case .cpu: try conv2dForwardCPU(input: input, weight: weight, bias: bias, output: output, shape: shape, relu: relu)
        }
    }

    public func conv2dBackwardData(gradOutput: Buffer, weight: Buffer, gradInput: Buffer, shape: Conv2DShape) throws {
        try checkConv(shape)
        try require(gradOutput, shape.output.count, "gradOutput"); try require(weight, shape.weightCount, "weight")
        try require(gradInput, shape.input.count, "gradInput")
        switch config.variant {
        case .tiled: try conv2dBackwardDataTiled(gradOutput: gradOutput, weight: weight, gradInput: gradInput, shape: shape)
        case .cpu: try conv2dBackwardDataCPU(gradOutput: gradOutput, weight: weight, gradInput: gradInput, shape: shape)
        }
    }

    public func conv2dBackwardWeights(input: Buffer, gradOutput: Buffer, gradWeight: Buffer, gradBias: Buffer,
                                      shape: Conv2DShape) throws {
        try checkConv(shape)
        try require(input, shape.input.count, "input"); try require(gradOutput, shape.output.count, "gradOutput")
        try require(gradWeight, shape.weightCount, "gradWeight"); try require(gradBias, shape.outChannels, "gradBias")
        switch config.variant {
        case .tiled:
            try conv2dBackwardWeightsTiled(input: input, gradOutput: gradOutput, gradWeight: gradWeight,
                                           gradBias: gradBias, shape: shape)
        case .cpu:
            try conv2dBackwardWeightsCPU(input: input, gradOutput: gradOutput, gradWeight: gradWeight,
                                         gradBias: gradBias, shape: shape)
        }
    }

    // MARK: Convolution, tiled variant

    private func conv2dForwardTiled(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                              shape: Conv2DShape, relu: Bool) throws {
        let i = shape.input
        let (global, local) = convLocalGlobal(rows: shape.outChannels, columns: shape.output.count / shape.outChannels)
        let p = shape.padding
        try run("conv2d_forward", global: global, local: local,
                input, weight, bias, output, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernelH, shape.kernelW,
                p.top, p.left, p.bottom, p.right, relu ? 1 : 0)
    }

    private func conv2dBackwardDataTiled(gradOutput: Buffer, weight: Buffer, gradInput: Buffer, shape: Conv2DShape) throws {
        let i = shape.input
        let (global, local) = convLocalGlobal(rows: i.c, columns: i.n * i.h * i.w)
        let p = shape.padding
        try run("conv2d_backward_data", global: global, local: local,
                gradOutput, weight, gradInput, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernelH, shape.kernelW,
                p.top, p.left, p.bottom, p.right)
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

    private func conv2dBackwardWeightsTiled(input: Buffer, gradOutput: Buffer, gradWeight: Buffer, gradBias: Buffer,
                                      shape: Conv2DShape) throws {
        let i = shape.input, o = shape.output
        let columns = i.c * shape.kernelH * shape.kernelW
        let tiles = ((columns + config.tileN - 1) / config.tileN) * ((shape.outChannels + config.tileM - 1) / config.tileM)
        let (splits, chunk) = weightGradientSplits(tiles: tiles, positions: o.n * o.h * o.w)
        var target = gradWeight
        if splits > 1 {
            let needed = splits * shape.weightCount
            if splitScratch == nil || splitScratch!.count < needed {
                splitScratch = try makeBuffer(count: needed, label: "conv weight-gradient partial sums")
            }
            target = splitScratch!
        }
        let (global, local) = convLocalGlobal(rows: shape.outChannels, columns: columns, splits: splits)
        let p = shape.padding
        try run("conv2d_backward_weights", global: global, local: local,
                input, gradOutput, target, i.n, i.c, i.h, i.w, shape.outChannels, shape.kernelH, shape.kernelW,
                p.top, p.left, p.bottom, p.right, chunk)
        if splits > 1 {
            try run("conv2d_sum_splits", global: [shape.weightCount], target, gradWeight, shape.weightCount, splits)
        }
        let r = config.reduceWorkGroup
        try run("conv2d_backward_bias", global: [shape.outChannels * r], local: [r],
                gradOutput, gradBias, o.n, o.c, o.h * o.w)
    }


    // MARK: Convolution, CPU variant

    /// The buffer in `slot` if it holds `count` elements, else a new one stored there. The queue is in order, so
    /// one scratch buffer serves every op.
    private func scratch(_ slot: inout DeviceBuffer<Float>?, count: Int, label: String) throws -> DeviceBuffer<Float> {
        if let buffer = slot, buffer.count >= count { return buffer }
        let buffer = try makeBuffer(count: count, label: label)
        slot = buffer
        return buffer
    }

    /// CPU variant work-groups: whole rows of the first dimension (up to 256 items, or a divisor of a longer
    /// row down to 32, so no group is mostly past the row's end), 1 in the others; but at least 8 groups per
    /// compute unit, since a CPU driver runs one work-group on one core (a launch over the 64 channels of batch
    /// norm was otherwise a single group on a single core).
    func cpuLocal(_ global: [Int]) -> [Int] {
        let first = max(global[0], 1)
        let row = first <= 256 ? first : ((32...256).reversed().first { first % $0 == 0 } ?? 256)
        let items = global.reduce(1, *)
        let wanted = 8 * max(device.computeUnits, 1)
        let local = items / row >= wanted ? row : max(1, min(row, items / wanted))
        return [local] + Array(repeating: 1, count: global.count - 1)
    }

    func runCPU(_ name: String, global: [Int], _ arguments: any CLKernelArgument...) throws {
        try run(name, global: global, local: cpuLocal(global), arguments: arguments)
    }

    /// Repacks `weight` for conv2d_forward_cpu: output channels `p` (`pCount`, padded to whole blocks) by input
    /// channels `q`; `transposed`: W's input channels are the outputs and the kernel is flipped (backward data).
    private func packWeights(_ weight: Buffer, pCount: Int, qCount: Int, taps: Int, transposed: Bool) throws -> Buffer {
        let padded = (pCount + config.cpuChannels - 1) / config.cpuChannels * config.cpuChannels
        let packed = try scratch(&packedWeightScratch, count: padded * qCount * taps, label: "conv packed weights")
        try runCPU("conv2d_pack_weights_cpu", global: [taps, qCount, padded],
                   weight, packed, pCount, qCount, taps, transposed ? 1 : 0)
        return packed
    }

    /// `planes` planes `h×w` of `source` placed at (`top`, `left`) (negative: cropped) in zero planes `ph×pw` of
    /// the padded scratch buffer.
    private func padPlanes(_ source: Buffer, planes: Int, h: Int, w: Int, ph: Int, pw: Int, top: Int, left: Int,
                           label: String) throws -> Buffer {
        let padded = try scratch(&paddedScratch, count: planes * ph * pw, label: label)
        try runCPU("conv2d_pad_cpu", global: [ph, planes], source, padded, planes, h, w, ph, pw, top, left)
        return padded
    }

    /// The input of a padded convolution, zero-padded (`input` itself if the convolution is valid), with its
    /// plane height and width.
    private func paddedInput(_ input: Buffer, shape: Conv2DShape) throws -> (buffer: Buffer, h: Int, w: Int) {
        let i = shape.input, p = shape.padding
        if p == .zero { return (input, i.h, i.w) }
        let ph = i.h + p.top + p.bottom, pw = i.w + p.left + p.right
        let padded = try padPlanes(input, planes: i.n * i.c, h: i.h, w: i.w, ph: ph, pw: pw, top: p.top, left: p.left,
                                   label: "conv zero-padded input")
        return (padded, ph, pw)
    }

    /// A padded convolution is the valid correlation of its zero-padded input, whose padding rows are skipped.
    private func conv2dForwardCPU(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                                  shape: Conv2DShape, relu: Bool) throws {
        let i = shape.input, o = shape.output, (kh, kw) = (shape.kernelH, shape.kernelW)
        let packed = try packWeights(weight, pCount: o.c, qCount: i.c, taps: kh * kw, transposed: false)
        let (source, h, w) = try paddedInput(input, shape: shape)
        let blocks = (o.c + config.cpuChannels - 1) / config.cpuChannels
        let top = shape.padding.top
        try runCPU("conv2d_forward_cpu", global: [(o.w + config.cpuXBlock - 1) / config.cpuXBlock, o.h, i.n * blocks],
                   source, packed, bias, output, i.n, i.c, h, w, o.c, kh, kw, relu ? 1 : 0, 1, o.w, top, top + i.h)
    }

    /// ∂L/∂X[y, x] = Σ W[oc, ic, ky, kx]·dY[oc, y + top − ky, x + left − kx]: the valid correlation with the flipped
    /// kernel of dY zero-padded by (kh − 1 − top, kw − 1 − left) (cropped where the padding exceeds kh − 1), rows
    /// padded further to whole x blocks, so no block needs the clamped tail path.
    private func conv2dBackwardDataCPU(gradOutput: Buffer, weight: Buffer, gradInput: Buffer, shape: Conv2DShape) throws {
        let i = shape.input, o = shape.output, (kh, kw) = (shape.kernelH, shape.kernelW), xb = config.cpuXBlock
        let packed = try packWeights(weight, pCount: i.c, qCount: o.c, taps: kh * kw, transposed: true)
        let top = kh - 1 - shape.padding.top, left = kw - 1 - shape.padding.left
        let paddedH = i.h + kh - 1, paddedW = (i.w + xb - 1) / xb * xb + kw - 1
        let padded = try padPlanes(gradOutput, planes: o.n * o.c, h: o.h, w: o.w, ph: paddedH, pw: paddedW,
                                   top: top, left: left, label: "conv zero-padded gradOutput")
        let blocks = (i.c + config.cpuChannels - 1) / config.cpuChannels
        try runCPU("conv2d_forward_cpu", global: [(i.w + xb - 1) / xb, i.h, i.n * blocks],
                   padded, packed, packed, gradInput, i.n, o.c, paddedH, paddedW, i.c, kh, kw, 0, 0, i.w,
                   max(top, 0), min(top + o.h, paddedH))
    }

    private func conv2dBackwardWeightsCPU(input: Buffer, gradOutput: Buffer, gradWeight: Buffer, gradBias: Buffer,
                                          shape: Conv2DShape) throws {
        let i = shape.input, o = shape.output, (kh, kw) = (shape.kernelH, shape.kernelW)
        let blocks = (o.c + config.cpuWeightChannels - 1) / config.cpuWeightChannels
        // Split the batch when there are too few items to keep the device busy (a function of shape and
        // device only, so results are deterministic).
        let items = i.c * kh * blocks
        let wanted = min(i.n, max(1, (256 * device.computeUnits + items - 1) / items))
        var chunk = (i.n + wanted - 1) / wanted
        if config.cpuWeightImages > 0 { chunk = min(chunk, config.cpuWeightImages) }
        let splits = (i.n + chunk - 1) / chunk
        var target = gradWeight
        if splits > 1 {
            target = try scratch(&splitScratch, count: splits * shape.weightCount, label: "conv weight-gradient partial sums")
        }
        let (source, h, w) = try paddedInput(input, shape: shape)
        try runCPU("conv2d_backward_weights_cpu", global: [i.c * kh, blocks, splits],
                   source, gradOutput, target, i.n, i.c, h, w, o.c, kh, kw, chunk)
        if splits > 1 {
            try run("conv2d_sum_splits", global: [shape.weightCount], target, gradWeight, shape.weightCount, splits)
        }
        try runCPU("conv2d_backward_bias_cpu", global: [o.c], gradOutput, gradBias, o.n, o.c, o.h * o.w)
    }

    public func reluBackward(output: Buffer, gradient: Buffer, count: Int) throws {
        try require(output, count, "output"); try require(gradient, count, "gradient")
        switch config.variant {
        case .tiled: try run("relu_backward", global: [count], output, gradient, count)
        case .cpu: try runCPU("relu_backward_cpu", global: [(count + 1023) / 1024], output, gradient, count)
        }
    }

    // MARK: Max pool

    public func maxPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws {
        let i = shape.input, o = shape.output
        try require(input, i.count, "input"); try require(output, o.count, "output")
        guard shape.isTwoByTwoStrideTwo else { return try poolForward(.max, input: input, output: output, shape: shape) }
        switch config.variant {
        case .tiled: try run("maxpool_forward", global: [o.w, o.h, i.n * i.c], input, output, i.n * i.c, i.h, i.w)
        case .cpu: try runCPU("maxpool_forward_cpu", global: [o.h, i.n * i.c], input, output, i.n * i.c, i.h, i.w)
        }
    }

    public func maxPoolBackward(input: Buffer, gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws {
        let i = shape.input
        try require(input, i.count, "input"); try require(gradOutput, shape.output.count, "gradOutput")
        try require(gradInput, i.count, "gradInput")
        guard shape.isTwoByTwoStrideTwo else {
            return try maxPoolBackwardGeneral(input: input, gradOutput: gradOutput, gradInput: gradInput, shape: shape)
        }
        switch config.variant {
        case .tiled:
            try run("maxpool_backward", global: [i.w, i.h, i.n * i.c], input, gradOutput, gradInput, i.n * i.c, i.h, i.w)
        case .cpu:
            try runCPU("maxpool_backward_cpu", global: [(i.h + 1) / 2, i.n * i.c],
                       input, gradOutput, gradInput, i.n * i.c, i.h, i.w)
        }
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
        switch config.variant {
        case .tiled:
            try run("batchnorm_stats", global: [shape.c * r], local: [r],
                    input, shape.n, shape.c, hw, saveMean, saveInvStd, runningMean, runningVariance,
                    bn.momentum, bn.epsilon, bn.unbiasedRunningVariance ? 1 : 0)
            try run("batchnorm_normalize", global: [hw, shape.c, shape.n],
                    input, output, gamma, beta, saveMean, saveInvStd, shape.n, shape.c, hw)
        case .cpu:
            try runCPU("batchnorm_stats_cpu", global: [shape.c],
                       input, shape.n, shape.c, hw, saveMean, saveInvStd, runningMean, runningVariance,
                       bn.momentum, bn.epsilon, bn.unbiasedRunningVariance ? 1 : 0)
            try runCPU("batchnorm_normalize_cpu", global: [shape.n * shape.c],
                       input, output, gamma, beta, saveMean, saveInvStd, shape.n, shape.c, hw)
        }
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
        switch config.variant {
        case .tiled:
            try run("batchnorm_inference", global: [hw, shape.c, shape.n],
                    input, output, gamma, beta, runningMean, runningVariance, shape.n, shape.c, hw, bn.epsilon)
        case .cpu:
            try runCPU("batchnorm_inference_cpu", global: [shape.n * shape.c],
                       input, output, gamma, beta, runningMean, runningVariance, shape.n, shape.c, hw, bn.epsilon)
        }
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
        switch config.variant {
        case .tiled:
            try run("batchnorm_backward_reduce", global: [shape.c * r], local: [r],
                    input, gradOutput, saveMean, saveInvStd, gradGamma, gradBeta, shape.n, shape.c, hw)
            try run("batchnorm_backward_data", global: [hw, shape.c, shape.n],
                    input, gradOutput, gamma, saveMean, saveInvStd, gradGamma, gradBeta, gradInput, shape.n, shape.c, hw)
        case .cpu:
            try runCPU("batchnorm_backward_reduce_cpu", global: [shape.c],
                       input, gradOutput, saveMean, saveInvStd, gradGamma, gradBeta, shape.n, shape.c, hw)
            try runCPU("batchnorm_backward_data_cpu", global: [shape.n * shape.c],
                       input, gradOutput, gamma, saveMean, saveInvStd, gradGamma, gradBeta, gradInput, shape.n, shape.c, hw)
        }
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

    public func sigmoidBinaryCrossEntropy(logits: Buffer, labels: Buffer, classWeights: Buffer?, batch: Int, gradLogits: Buffer,
                                          losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try require(logits, batch, "logits"); try require(labels, batch, "labels")
        try require(gradLogits, batch, "gradLogits")
        try require(losses, resultOffset + batch, "losses"); try require(probabilities, resultOffset + batch, "probabilities")
        if let classWeights { try require(classWeights, 2, "classWeights") }
        try run("sigmoid_bce", global: [batch], logits, labels, batch, gradLogits, losses, probabilities, resultOffset,
                classWeights ?? labels, classWeights == nil ? 0 : 1)
    }

    public func softmaxCrossEntropy(logits: Buffer, labels: Buffer, classWeights: Buffer?, batch: Int, classes: Int,
                                    gradLogits: Buffer, losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try require(logits, batch * classes, "logits"); try require(labels, batch, "labels")
        try require(gradLogits, batch * classes, "gradLogits")
        try require(losses, resultOffset + batch, "losses")
        try require(probabilities, (resultOffset + batch) * classes, "probabilities")
        if let classWeights { try require(classWeights, classes, "classWeights") }
        try run("softmax_ce", global: [batch],
                logits, labels, batch, classes, gradLogits, losses, probabilities, resultOffset,
                classWeights ?? labels, classWeights == nil ? 0 : 1)
    }

    // MARK: Optimiser

    public func adamStep(parameter: Buffer, gradient: Buffer, m: Buffer, v: Buffer, count: Int,
                         step: Int, config adam: AdamConfig) throws {
        for (buffer, role) in [(parameter, "parameter"), (gradient, "gradient"), (m, "m"), (v, "v")] {
            try require(buffer, count, role)
        }
        let (stepSize, vScale) = AdamScalars.make(step: step, config: adam)
        try run("adam_step", global: [count], parameter, gradient, m, v, count,
                adam.beta1, adam.beta2, adam.epsilon, stepSize, vScale, Float(1))
    }

    public func adamWStep(parameter: Buffer, gradient: Buffer, m: Buffer, v: Buffer, count: Int,
                          step: Int, config adam: AdamConfig, weightDecay: Float) throws {
        for (buffer, role) in [(parameter, "parameter"), (gradient, "gradient"), (m, "m"), (v, "v")] {
            try require(buffer, count, role)
        }
        let (stepSize, vScale) = AdamScalars.make(step: step, config: adam)
        let decay = AdamScalars.decoupledDecay(config: adam, weightDecay: weightDecay)
        try run("adam_step", global: [count], parameter, gradient, m, v, count,
                adam.beta1, adam.beta2, adam.epsilon, stepSize, vScale, decay)
    }

    public func sgdStep(parameter: Buffer, gradient: Buffer, momentum: Buffer, count: Int, config sgd: SGDConfig) throws {
        for (buffer, role) in [(parameter, "parameter"), (gradient, "gradient"), (momentum, "momentum")] {
            try require(buffer, count, role)
        }
        try run("sgd_step", global: [count], parameter, gradient, momentum, count,
                sgd.learningRate, sgd.momentum, sgd.weightDecay, sgd.nesterov ? 1 : 0)
    }
}
