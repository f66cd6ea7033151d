import CLRuntime

/// The generic CNN layers' ops: pooling over any window (the paper's 2×2/2 max pool keeps its own kernels,
/// chosen in `maxPoolForward`/`maxPoolBackward`), ReLU forward and dropout; kernels in pool.cl, relu.cl and
/// dropout.cl, in both variants.
extension OpenCLBackend {
    /// Kernels of these ops (both variants; the CPU one with `_cpu` appended).
    static let layerKernelNames = [
        "relu_forward", "pool_max_forward", "pool_avg_forward", "pool_max_backward_scatter",
        "pool_max_backward_gather", "pool_avg_backward", "dropout", "add_in_place",
    ]

    enum PoolKind: String { case max, avg }

    private func checkPool(_ shape: PoolShape) throws {
        guard shape.sizeH >= 1, shape.sizeW >= 1, shape.strideH >= 1, shape.strideW >= 1,
              shape.output.h >= 1, shape.output.w >= 1 else {
            throw CLError.invalidArgument("pooling \(shape) has an empty output or a non-positive window or stride")
        }
    }

    /// The shape arguments every pool.cl kernel takes after its buffers.
    private func poolArguments(_ shape: PoolShape) -> [any CLKernelArgument] {
        let i = shape.input, o = shape.output
        return [i.n * i.c, i.h, i.w, o.h, o.w, shape.sizeH, shape.sizeW, shape.strideH, shape.strideW]
    }

    /// Launches pool.cl kernel `name`: GPU one item per element of `over` (output or input planes), CPU one
    /// item per row.
    private func runPool(_ name: String, over plane: (h: Int, w: Int), shape: PoolShape,
                         _ buffers: [any CLKernelArgument]) throws {
        let planes = shape.input.n * shape.input.c
        switch config.variant {
        case .tiled:
            try run(name, global: [plane.w, plane.h, planes], local: nil, arguments: buffers + poolArguments(shape))
        case .cpu:
            let global = [plane.h, planes]
            try run(name + "_cpu", global: global, local: cpuLocal(global), arguments: buffers + poolArguments(shape))
        }
    }

    func poolForward(_ kind: PoolKind, input: Buffer, output: Buffer, shape: PoolShape) throws {
        try checkPool(shape)
        try require(input, shape.input.count, "input"); try require(output, shape.output.count, "output")
        try runPool("pool_\(kind.rawValue)_forward", over: (shape.output.h, shape.output.w), shape: shape, [input, output])
    }

    /// Max pool backward for windows other than 2×2/2: a zero fill and a scatter per window where windows do
    /// not overlap, else a gather per input.
    func maxPoolBackwardGeneral(input: Buffer, gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws {
        try checkPool(shape)
        if shape.windowsOverlap {
            try runPool("pool_max_backward_gather", over: (shape.input.h, shape.input.w), shape: shape,
                        [input, gradOutput, gradInput])
        } else {
            try fill(gradInput, value: 0, offset: 0, count: shape.input.count)
            try runPool("pool_max_backward_scatter", over: (shape.output.h, shape.output.w), shape: shape,
                        [input, gradOutput, gradInput])
        }
    }

    public func avgPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws {
        try poolForward(.avg, input: input, output: output, shape: shape)
    }

    public func avgPoolBackward(gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws {
        try checkPool(shape)
        try require(gradOutput, shape.output.count, "gradOutput"); try require(gradInput, shape.input.count, "gradInput")
        try runPool("pool_avg_backward", over: (shape.input.h, shape.input.w), shape: shape, [gradOutput, gradInput])
    }

    // MARK: ReLU forward

    public func reluForward(input: Buffer, output: Buffer, count: Int) throws {
        try require(input, count, "input"); try require(output, count, "output")
        if count == 0 { return }
        switch config.variant {
        case .tiled: try run("relu_forward", global: [count], input, output, count)
        case .cpu: try runCPU("relu_forward_cpu", global: [(count + 1023) / 1024], input, output, count)
        }
    }

    // MARK: Elementwise

    public func addInPlace(_ addend: Buffer, to target: Buffer, count: Int) throws {
        try require(addend, count, "addend"); try require(target, count, "target")
        if count == 0 { return }
        switch config.variant {
        case .tiled: try run("add_in_place", global: [count], addend, target, count)
        case .cpu: try runCPU("add_in_place_cpu", global: [(count + 1023) / 1024], addend, target, count)
        }
    }

    // MARK: Dropout

    public func dropoutForward(input: Buffer, output: Buffer, count: Int, rate: Float, key: DropoutKey) throws {
        try require(input, count, "input"); try require(output, count, "output")
        try dropout(input, output, count: count, rate: rate, key: key)
    }

    public func dropoutBackward(gradOutput: Buffer, gradInput: Buffer, count: Int, rate: Float, key: DropoutKey) throws {
        try require(gradOutput, count, "gradOutput"); try require(gradInput, count, "gradInput")
        try dropout(gradOutput, gradInput, count: count, rate: rate, key: key)
    }

    private func dropout(_ x: Buffer, _ y: Buffer, count: Int, rate: Float, key: DropoutKey) throws {
        if count == 0 { return }
        guard rate >= 0 && rate <= 1 else { throw CLError.invalidArgument("dropout rate \(rate) is outside [0, 1]") }
        guard count < Int(Int32.max) else { throw CLError.invalidArgument("dropout over \(count) elements (at most 2³¹ − 1)") }
        // uint kernel arguments, passed as their bit patterns.
        func word(_ value: UInt64) -> Int32 { Int32(bitPattern: UInt32(truncatingIfNeeded: value)) }
        let arguments: [any CLKernelArgument] = [x, y, count, rate, DropoutMask.scale(rate: rate),
                                                 word(key.seed), word(key.seed >> 32), word(UInt64(key.layer)),
                                                 word(key.step), word(key.step >> 32)]
        switch config.variant {
        case .tiled: try run("dropout", global: [count], local: nil, arguments: arguments)
        case .cpu:
            let global = [(count + 1023) / 1024]
            try run("dropout_cpu", global: global, local: cpuLocal(global), arguments: arguments)
        }
    }
}
