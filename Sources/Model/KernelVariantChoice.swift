import CLRuntime

/// The `--kernels` word: which kernel family an OpenCL backend builds, whatever the device type.
public enum KernelVariantChoice: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The device type's family (`OpenCLKernelConfig.forDevice`): the CPU variant on CPU devices, tiled elsewhere.
    case auto
    /// The local-memory tiled (GPU) kernels.
    case tiled
    /// The register-blocked CPU kernels (no local memory, no barriers).
    case cpu

    /// The forced variant, nil for `auto`.
    public var variant: OpenCLKernelConfig.Variant? {
        switch self {
        case .auto: nil
        case .tiled: .tiled
        case .cpu: .cpu
        }
    }

    public var description: String { rawValue }

    /// The kernel configuration this choice gives on `device`.
    public func config(for device: CLDevice) -> OpenCLKernelConfig {
        OpenCLKernelConfig.forDevice(device, variant: variant)
    }

    /// Throws unless this choice makes sense with `selection`: forcing a variant needs an OpenCL device (the
    /// reference path, `--device cpu`, has no kernels).
    public func check(with selection: DeviceSelection) throws {
        if self != .auto && selection == .cpu { throw KernelVariantChoiceError.referencePath(self) }
    }
}

/// A `--kernels` choice that cannot apply.
public enum KernelVariantChoiceError: Error, Equatable, CustomStringConvertible {
    case referencePath(KernelVariantChoice)
    public var description: String {
        switch self {
        case .referencePath(let choice):
            return "--kernels \(choice) needs an OpenCL device, but --device cpu is the reference path (no kernels): use --device gpu or opencl[:N], or drop --kernels"
        }
    }
}
