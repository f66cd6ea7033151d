import CLRuntime

/// Which kernels gcnn builds for a device, and their tile and work-group sizes, passed to the compiler as
/// `-D` options.
///
/// Two kernel variants (`Variant`): GPUs get local-memory tiled implicit GEMMs: `tileM×tileN` GEMM tiles with
/// `(tileN/regN)×(tileM/regM)` work items, each holding `regM×regN` accumulators, staging `tileK` reduction
/// steps in local memory; reductions (BN statistics, dense forward, conv bias) use work-groups of
/// `reduceWorkGroup` items. CPU devices get kernels without local memory or barriers, each work item a
/// register block of float8 accumulators (`cpuBlock`), which CPU drivers such as pocl compile to plain
/// vectorised loops; the GPU-style work-groups run an order of magnitude slower there.
public struct OpenCLKernelConfig: Equatable, Sendable, CustomStringConvertible {
    /// The kernel family built for the device.
    public enum Variant: String, Sendable { case tiled, cpu }

    public var variant: Variant
    public var tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int
    /// Work-group size of the fixed-order reductions; a power of two.
    public var reduceWorkGroup: Int
    /// Work-group size (first dimension) of the elementwise kernels, whose global sizes are rounded up to it
    /// (left to the implementation, pocl picks divisors of sizes like 169 and runs them unvectorised).
    public var elementwiseWorkGroup: Int
    /// CPU variant: output channels per item of the correlation kernels.
    public var cpuChannels: Int
    /// CPU variant: float8 vectors along x per item of the correlation kernels.
    public var cpuVectors: Int
    /// CPU variant: output channels per item of the weight-gradient kernel (× `cpuWeightTaps` taps, float8 each).
    public var cpuWeightChannels: Int
    /// CPU variant: kernel taps along x per pass of the weight-gradient kernel.
    public var cpuWeightTaps: Int
    /// CPU variant: at most this many images per partial sum of the weight gradient (0: split only to fill the
    /// device), so that a work-group's gradient rows stay in cache; a launch parameter, not a `-D` option.
    public var cpuWeightImages: Int

    public init(variant: Variant = .tiled, tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int,
                reduceWorkGroup: Int, elementwiseWorkGroup: Int = 64,
                cpuChannels: Int = 4, cpuVectors: Int = 2, cpuWeightChannels: Int = 2, cpuWeightTaps: Int = 5,
                cpuWeightImages: Int = 0) {
        self.variant = variant
        self.tileM = tileM; self.tileN = tileN; self.tileK = tileK; self.regM = regM; self.regN = regN
        self.reduceWorkGroup = reduceWorkGroup
        self.elementwiseWorkGroup = elementwiseWorkGroup
        self.cpuChannels = cpuChannels; self.cpuVectors = cpuVectors; self.cpuWeightChannels = cpuWeightChannels
        self.cpuWeightTaps = cpuWeightTaps; self.cpuWeightImages = cpuWeightImages
    }

    /// Work items of a tiled conv work-group.
    public var convThreads: Int { (tileN / regN) * (tileM / regM) }
    /// The tiled conv kernels' local size.
    public var convLocal: [Int] { [tileN / regN, tileM / regM] }
    /// CPU variant: output positions along x per item of the correlation kernels.
    public var cpuXBlock: Int { 8 * cpuVectors }

    /// - GPUs: tiled, 64×64 tiles of 256 work items, 4×4 accumulators each (the classic SGEMM shape).
    /// - CPU devices (`CL_DEVICE_TYPE_CPU`, e.g. pocl): the CPU variant, 6 channels × 16 x positions per item
    ///   (12 float8 accumulators). conv2 forward at batch 32 on pocl's AVX2 target, 2 cores, GFLOP/s by channels ×
    ///   vectors: 6×2 112–118, 5×2 112, 4×2 (the earlier default) 88–92, 6×1 82, 4×3 71, 7×2 71 (spills), 8×1 64.
    ///   Weight-gradient partial sums over at most 2 images: an item's gradient and input rows then stay in L2
    ///   while the next items (other taps of the same channels) reread them.
    /// - Anything else: tiled, 32×32 tiles of 64 items, smaller reductions (fewer where the device allows less).
    ///
    /// `variant` forces a kernel family on any device (`--kernels`): the CPU variant as above (its reductions
    /// capped by the device), the tiled one with the GPU tiles on a GPU and the 32×32 tiles elsewhere.
    public static func forDevice(_ device: CLDevice, variant forced: Variant? = nil) -> OpenCLKernelConfig {
        let variant = forced ?? (device.kind == .cpu && device.maxWorkGroupSize >= 64 ? .cpu : .tiled)
        if variant == .tiled && device.kind == .gpu && device.maxWorkGroupSize >= 256 {
            return OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256,
                                      elementwiseWorkGroup: 256)
        }
        var size = 64
        while size > device.maxWorkGroupSize { size /= 2 }
        if variant == .cpu {
            return OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4,
                                      reduceWorkGroup: max(size, 1), elementwiseWorkGroup: max(size, 1), cpuChannels: 6,
                                      cpuWeightImages: 2)
        }
        return OpenCLKernelConfig(tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: max(size, 1),
                                  elementwiseWorkGroup: max(size, 1))
    }

    /// The `clBuildProgram` options.
    public var buildOptions: String {
        switch variant {
        case .tiled:
            "-cl-std=CL1.2 -DCONV_TM=\(tileM) -DCONV_TN=\(tileN) -DCONV_TK=\(tileK) -DCONV_RM=\(regM) -DCONV_RN=\(regN) -DREDUCE_WG=\(reduceWorkGroup)"
        case .cpu:
            "-cl-std=CL1.2 -DGCNN_CPU_KERNELS -DCPU_OCB=\(cpuChannels) -DCPU_XV=\(cpuVectors) -DCPU_WOCB=\(cpuWeightChannels) -DCPU_KXB=\(cpuWeightTaps) -DREDUCE_WG=\(reduceWorkGroup)"
        }
    }

    public var description: String {
        switch variant {
        case .tiled:
            "tiled: conv tile \(tileM)×\(tileN)×\(tileK), \(regM)×\(regN) per item (\(convThreads) items), reductions \(reduceWorkGroup)"
        case .cpu:
            "cpu: conv \(cpuChannels) channels × \(cpuXBlock) x per item, weight gradient \(cpuWeightChannels) channels × \(cpuWeightTaps) taps\(cpuWeightImages > 0 ? " over ≤ \(cpuWeightImages) images" : ""), reductions \(reduceWorkGroup)"
        }
    }
}
