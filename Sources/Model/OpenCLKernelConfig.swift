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

    public init(tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int, reduceWorkGroup: Int) {
        self.tileM = tileM; self.tileN = tileN; self.tileK = tileK; self.regM = regM; self.regN = regN
        self.reduceWorkGroup = reduceWorkGroup
    }

    /// Work items of a conv work-group.
    public var convThreads: Int { (tileN / regN) * (tileM / regM) }
    /// The conv kernels' local size.
    public var convLocal: [Int] { [tileN / regN, tileM / regM] }

    /// 64×64 tiles of 256 work items for GPUs; 32×32 tiles of 64 for CPUs (pocl runs a work-group's items
    /// as loops on one core, so smaller groups spread better) and for devices that allow fewer than 256.
    public static func forDevice(_ device: CLDevice) -> OpenCLKernelConfig {
        if device.kind == .gpu && device.maxWorkGroupSize >= 256 {
            return OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256)
        }
        var reduce = 64
        while reduce > device.maxWorkGroupSize { reduce /= 2 }
        return OpenCLKernelConfig(tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: max(reduce, 1))
    }

    /// The `clBuildProgram` options.
    public var buildOptions: String {
        "-cl-std=CL1.2 -DCONV_TM=\(tileM) -DCONV_TN=\(tileN) -DCONV_TK=\(tileK) -DCONV_RM=\(regM) -DCONV_RN=\(regN) -DREDUCE_WG=\(reduceWorkGroup)"
    }

    public var description: String {
        "conv tile \(tileM)×\(tileN)×\(tileK), \(regM)×\(regN) per item (\(convThreads) items), reductions \(reduceWorkGroup)"
    }
}
