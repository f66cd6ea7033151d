import CLRuntime

/// The `--device` word: `gpu`, `opencl[:N]` or `cpu`.
public enum DeviceSelection: Equatable, Sendable, CustomStringConvertible {
    /// The first OpenCL GPU; without one, the first OpenCL device (with a notice).
    case gpu
    /// OpenCL device `N` in `gcnn devices`' numbering (0 when no index is given).
    case opencl(index: Int)
    /// The reference backend (plain Swift on the host).
    case cpu

    /// Parses `gpu`, `cpu`, `opencl` or `opencl:N` (case-insensitive).
    public init(parsing text: String) throws {
        let word = text.lowercased()
        switch word {
        case "gpu": self = .gpu
        case "cpu": self = .cpu
        case "opencl": self = .opencl(index: 0)
        default:
            if word.hasPrefix("opencl:"), let index = Int(word.dropFirst("opencl:".count)), index >= 0 {
                self = .opencl(index: index)
            } else {
                throw DeviceSelectionError.unknownWord(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .gpu: return "gpu"
        case .cpu: return "cpu"
        case .opencl(let index): return "opencl:\(index)"
        }
    }

    /// The device this selection names among `devices` (`CLDevice.all()`), or nil for `.cpu`. `notice` is
    /// set when `gpu` fell back to a non-GPU device.
    ///
    /// `gpuOrdinal` picks among several GPUs for `gpu` (a data-parallel run's local rank: the n-th GPU,
    /// counting round when the ranks outnumber them).
    public func resolve(among devices: [CLDevice], gpuOrdinal: Int = 0) throws -> (device: CLDevice, notice: String?)? {
        switch self {
        case .cpu:
            return nil
        case .gpu:
            let gpus = devices.filter { $0.kind == .gpu }
            if !gpus.isEmpty { return (gpus[gpuOrdinal % gpus.count], nil) }
            guard let first = devices.first else { throw CLError.noDevice("no OpenCL device on any platform") }
            return (first, "note: no OpenCL GPU found; using OpenCL device \(first.index): \(first.name) (\(first.kind), \(first.platformName))")
        case .opencl(let index):
            guard index < devices.count else {
                throw CLError.noDevice("opencl:\(index) (this machine has \(devices.count) OpenCL device\(devices.count == 1 ? "" : "s"), numbered from 0)")
            }
            return (devices[index], nil)
        }
    }

    /// Resolves against the machine's OpenCL devices (`.cpu` needs no OpenCL at all).
    public func resolve(gpuOrdinal: Int = 0) throws -> (device: CLDevice, notice: String?)? {
        if self == .cpu { return nil }
        return try resolve(among: CLDevice.all(), gpuOrdinal: gpuOrdinal)
    }
}

/// A `--device` word that is not one of `gpu`, `opencl[:N]`, `cpu`.
public enum DeviceSelectionError: Error, Equatable, CustomStringConvertible {
    case unknownWord(String)
    public var description: String {
        switch self {
        case .unknownWord(let word): return "unknown device '\(word)': use gpu, opencl, opencl:N (see `gcnn devices`) or cpu"
        }
    }
}
