import CLRuntime

/// Tile and work-group sizes of gcnn's kernels for one device, passed to the compiler as `-D` options.
///
/// The conv kernels compute `tileM×tileN` GEMM tiles with `(tileN/regN)×(tileM/regM)` work items, each
/// holding `regM×regN` accumulators, staging `tileK` reduction steps in local memory. Reductions (BN
/// statistics, dense forward, conv bias) use work-groups of `reduceWorkGroup` items.
public struct OpenCLKernelConfig: Equatable, Sendable, CustomStringConvertible {
    public var tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int
    /// Work-group size of the fixed-order reductions; a power of two.
    public var reduceWorkGroup: Int
    /// Work-group size (first dimension) of the elementwise kernels, whose global sizes are rounded up to it
    /// (left to the implementation, pocl picks divisors of sizes like 169 and runs them unvectorised).
    public var elementwiseWorkGroup: Int

    public init(tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int, reduceWorkGroup: Int,
                elementwiseWorkGroup: Int = 64) {
        self.tileM = tileM; self.tileN = tileN; self.tileK = tileK; self.regM = regM; self.regN = regN
        self.reduceWorkGroup = reduceWorkGroup
        self.elementwiseWorkGroup = elementwiseWorkGroup
    }

    /// Work items of a conv work-group.
    public var convThreads: Int { (tileN / regN) * (tileM / regM) }
    /// The conv kernels' local size.
    public var convLocal: [Int] { [tileN / regN, tileM / regM] }

    /// - GPUs: 64×64 tiles of 256 work items, 4×4 accumulators each (the classic SGEMM shape).
    /// - CPUs (pocl runs a work-group's items as vectorised loops on one core): 64×128 tiles of 128 items
    ///   with 8×8 accumulators — on pocl about twice as fast as 32×32 or 64×64 tiles of 4×4.
    /// - Anything allowing fewer work items: 32×32 tiles of 64 items, smaller reductions.
    public static func forDevice(_ device: CLDevice) -> OpenCLKernelConfig {
        if device.kind == .gpu && device.maxWorkGroupSize >= 256 {
            return OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256,
                                      elementwiseWorkGroup: 256)
        }
        if device.kind != .gpu && device.maxWorkGroupSize >= 128 {
            return OpenCLKernelConfig(tileM: 64, tileN: 128, tileK: 16, regM: 8, regN: 8, reduceWorkGroup: 64,
                                      elementwiseWorkGroup: 64)
        }
        var size = 64
        while size > device.maxWorkGroupSize { size /= 2 }
        return OpenCLKernelConfig(tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: max(size, 1),
                                  elementwiseWorkGroup: max(size, 1))
    }

    /// The `clBuildProgram` options.
    public var buildOptions: String {
        "-cl-std=CL1.2 -DCONV_TM=\(tileM) -DCONV_TN=\(tileN) -DCONV_TK=\(tileK) -DCONV_RM=\(regM) -DCONV_RN=\(regN) -DREDUCE_WG=\(reduceWorkGroup)"
    }

    public var description: String {
        "conv tile \(tileM)×\(tileN)×\(tileK), \(regM)×\(regN) per item (\(convThreads) items), reductions \(reduceWorkGroup)"
    }
}
