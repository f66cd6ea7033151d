/// The tuning parameters within one kernel variant (`OpenCLKernelConfig.Variant`): register blocks, taps per
/// pass, tile and work-group shapes, passed to the compiler as `-D` options. Which variant a device builds is
/// decided elsewhere; a tuning only replaces the defaults of the variant it was searched for, so applying it to
/// a configuration of the other variant changes nothing.
///
/// `gcnn tune` searches these per device (`KernelTuner`) and stores the winners in `KernelTuningCache`.
public struct KernelTuning: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The CPU variant's register blocks.
    public struct CPUBlocks: Codable, Equatable, Sendable, Hashable {
        /// Output channels per item of the correlation kernel (forward and backward data), `CPU_OCB`.
        public var channels: Int
        /// float8 vectors along x per item of the correlation kernel, `CPU_XV`.
        public var vectors: Int
        /// Output channels per item of the weight-gradient kernel, `CPU_WOCB`.
        public var weightChannels: Int
        /// Kernel taps along x per pass of the weight-gradient kernel, `CPU_KXB`.
        public var weightTaps: Int
        /// Images per partial sum of the weight gradient at most (0: automatic).
        public var weightImages: Int

        public init(channels: Int, vectors: Int, weightChannels: Int, weightTaps: Int, weightImages: Int = 0) {
            self.channels = channels; self.vectors = vectors
            self.weightChannels = weightChannels; self.weightTaps = weightTaps; self.weightImages = weightImages
        }

        /// Accepted ranges (a cache file is never trusted beyond them).
        public var isValid: Bool {
            (1...16).contains(channels) && (1...4).contains(vectors) && (1...8).contains(weightChannels)
                && (1...7).contains(weightTaps) && (0...4096).contains(weightImages)
        }
    }

    /// The tiled variant's GEMM tile shape (see `OpenCLKernelConfig`).
    public struct Tiles: Codable, Equatable, Sendable, Hashable {
        public var tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int

        public init(tileM: Int, tileN: Int, tileK: Int, regM: Int, regN: Int) {
            self.tileM = tileM; self.tileN = tileN; self.tileK = tileK; self.regM = regM; self.regN = regN
        }

        /// Work items per work-group.
        public var threads: Int { regM > 0 && regN > 0 ? (tileN / regN) * (tileM / regM) : 0 }

        /// The divisibility rules conv2d.cl's `#error` lines enforce, and sane bounds.
        public var isValid: Bool {
            guard (1...256).contains(tileM), (1...256).contains(tileN), (1...64).contains(tileK),
                  (1...16).contains(regM), (1...16).contains(regN),
                  tileM % regM == 0, tileN % regN == 0 else { return false }
            let nt = threads
            guard nt >= 1, nt % tileN == 0, tileK % (nt / tileN) == 0 else { return false }
            guard nt % tileK == 0, tileM % (nt / tileK) == 0, tileN % (nt / tileK) == 0 else { return false }
            return true
        }
    }

    /// The variant these parameters were searched for.
    public var variant: OpenCLKernelConfig.Variant
    /// Set when `variant` is `.cpu`.
    public var cpu: CPUBlocks?
    /// Set when `variant` is `.tiled`.
    public var tiles: Tiles?

    public init(cpu: CPUBlocks) { variant = .cpu; self.cpu = cpu; tiles = nil }
    public init(tiles: Tiles) { variant = .tiled; cpu = nil; self.tiles = tiles }

    /// The parameters `config` already uses for its variant.
    public init(of config: OpenCLKernelConfig) {
        switch config.variant {
        case .cpu:
            self.init(cpu: CPUBlocks(channels: config.cpuChannels, vectors: config.cpuVectors,
                                     weightChannels: config.cpuWeightChannels, weightTaps: config.cpuWeightTaps,
                                     weightImages: config.cpuWeightImages))
        case .tiled:
            self.init(tiles: Tiles(tileM: config.tileM, tileN: config.tileN, tileK: config.tileK,
                                   regM: config.regM, regN: config.regN))
        }
    }

    /// Whether the parameters of `variant` are present and within bounds.
    public var isValid: Bool {
        switch variant {
        case .cpu: cpu?.isValid ?? false
        case .tiled: tiles?.isValid ?? false
        }
    }

    /// `config` with this tuning's parameters where the variants match (else `config` unchanged).
    public func applied(to config: OpenCLKernelConfig) -> OpenCLKernelConfig {
        guard config.variant == variant, isValid else { return config }
        var c = config
        switch variant {
        case .cpu:
            if let b = cpu {
                c.cpuChannels = b.channels; c.cpuVectors = b.vectors
                c.cpuWeightChannels = b.weightChannels; c.cpuWeightTaps = b.weightTaps
                c.cpuWeightImages = b.weightImages
            }
        case .tiled:
            if let t = tiles { c.tileM = t.tileM; c.tileN = t.tileN; c.tileK = t.tileK; c.regM = t.regM; c.regN = t.regN }
        }
        return c
    }

    public var description: String {
        switch variant {
        case .cpu:
            guard let b = cpu else { return "cpu: (none)" }
            return "cpu: conv \(b.channels) channels × \(8 * b.vectors) x, weight gradient \(b.weightChannels) channels × \(b.weightTaps) taps"
                + (b.weightImages > 0 ? " over ≤ \(b.weightImages) images" : "")
        case .tiled:
            guard let t = tiles else { return "tiled: (none)" }
            return "tiled: \(t.tileM)×\(t.tileN)×\(t.tileK) tiles, \(t.regM)×\(t.regN) per item"
        }
    }
}

extension OpenCLKernelConfig.Variant: Codable {}
