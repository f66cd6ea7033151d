import Foundation

/// Every failure of the OpenCL layer, each with a one-line message that says what failed and what to do.
public enum CLError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// No OpenCL platform (no ICD installed, or the loader found none).
    case noPlatform
    /// A device index or kind that does not exist on this machine.
    case noDevice(String)
    /// A `cl*` call returned an error status.
    case call(String, status: CLStatus)
    /// A device buffer could not be allocated (or was refused when first used).
    case allocationFailed(label: String, bytes: Int, status: CLStatus)
    /// A buffer larger than the device's largest allocation (`CL_DEVICE_MAX_MEM_ALLOC_SIZE`), refused
    /// before asking the driver.
    case bufferTooLarge(label: String, bytes: Int, limit: Int, device: String)
    /// A program did not compile for `device`; `log` is the device compiler's full build log.
    case buildFailed(device: String, log: String)
    /// A kernel name that the built program does not contain.
    case missingKernel(String)
    /// A host-side misuse caught before calling OpenCL (e.g. a copy past the end of a buffer).
    case invalidArgument(String)

    /// The Debian packages that provide an OpenCL loader, headers and a CPU device.
    public static let debianPackages = "ocl-icd-opencl-dev opencl-headers pocl-opencl-icd"

    public var description: String {
        switch self {
        case .noPlatform:
            return "no OpenCL platform found: install an OpenCL driver, e.g. `sudo apt-get install \(CLError.debianPackages)` (Debian), then check with `clinfo -l`"
        case .noDevice(let what):
            return "no such OpenCL device: \(what) (list them with `gcnn devices`)"
        case .call(let function, let status):
            return "OpenCL call \(function) failed with \(status)"
        case .allocationFailed(let label, let bytes, let status):
            return "could not allocate device buffer '\(label)' of \(CLError.formatBytes(bytes)) (\(status)): reduce the batch size or choose a device with more memory"
        case .bufferTooLarge(let label, let bytes, let limit, let device):
            return "device buffer '\(label)' needs \(CLError.formatBytes(bytes)) but \(device) allows at most \(CLError.formatBytes(limit)) per buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE): use fewer clips or a smaller batch, or choose a device with more memory"
        case .buildFailed(let device, let log):
            let trimmed = log.trimmingCharacters(in: .whitespacesAndNewlines)
            // The first line says it all (the first error the compiler reported); the full log follows.
            let firstError = trimmed.split(separator: "\n").first { $0.localizedCaseInsensitiveContains("error") }
                ?? trimmed.split(separator: "\n").first ?? "empty build log"
            return "OpenCL program failed to build for \(device): \(firstError.trimmingCharacters(in: .whitespaces)); full build log:\n\(trimmed.isEmpty ? "(empty)" : trimmed)"
        case .missingKernel(let name):
            return "OpenCL kernel '\(name)' is not in the built program"
        case .invalidArgument(let what):
            return "invalid OpenCL request: \(what)"
        }
    }

    public var errorDescription: String? { description }

    /// `1.5 MiB`-style size for messages.
    static func formatBytes(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f ", value) + "\(units[unit]) (\(bytes) bytes)"
    }

    /// Throws `.call(function, status:)` unless `status` is `CL_SUCCESS`.
    @inline(__always)
    static func check(_ status: Int32, _ function: @autoclosure () -> String) throws {
        if status != 0 { throw CLError.call(function(), status: CLStatus(status)) }
    }
}
