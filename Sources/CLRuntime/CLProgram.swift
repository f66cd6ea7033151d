import COpenCL
import Foundation

/// An OpenCL program compiled for its context's device. Released on deinit.
public final class CLProgram: @unchecked Sendable {
    public let id: cl_program
    public let context: CLContext
    /// The options it was built with (`-D` tile sizes, `-cl-std=…`).
    public let options: String
    /// The compiler's log of a successful build (warnings), possibly empty.
    public let buildLog: String
    /// What the driver's compiler printed to the process's standard error while building (pocl's clang prints
    /// a summary such as `2 warnings generated.`), captured so that it never reaches the console; possibly empty.
    public let compilerOutput: String

    /// The build log and the compiler's output together, trimmed (empty when the compiler said nothing).
    public var messages: String { Self.messages(log: buildLog, output: compilerOutput) }

    static func messages(log: String, output: String) -> String {
        [log, output].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// Compiles `sources` (concatenated in order into one program) with `options`. A compile error throws
    /// `CLError.buildFailed` carrying the device's full build log and the compiler's output.
    public init(context: CLContext, sources: [String], options: String = "") throws {
        let options = options + CLTestHooks.extraBuildOptions
        var status: cl_int = 0
        let cStrings = sources.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var pointers = cStrings.map { UnsafePointer<CChar>($0) }
        var lengths = sources.map { $0.utf8.count }
        guard let id = clCreateProgramWithSource(context.id, cl_uint(sources.count), &pointers, &lengths, &status),
              status == 0 else {
            throw CLError.call("clCreateProgramWithSource", status: CLStatus(status))
        }
        self.id = id
        self.context = context
        self.options = options
        var device: cl_device_id? = context.device.id
        let (buildStatus, output) = StandardErrorCapture.capture { clBuildProgram(id, 1, &device, options, nil, nil) }
        let log = (try? CLInfo.string("clGetProgramBuildInfo") {
            clGetProgramBuildInfo(id, context.device.id, cl_program_build_info(CL_PROGRAM_BUILD_LOG), $0, $1, $2)
        }) ?? ""
        if buildStatus == CLStatus.buildProgramFailure.rawValue || buildStatus == CLStatus.invalidBuildOptions.rawValue
            || buildStatus == CLStatus.compilerNotAvailable.rawValue {
            clReleaseProgram(id)
            let messages = Self.messages(log: log, output: output)
            let reason = buildStatus == CLStatus.buildProgramFailure.rawValue
                ? messages : "\(CLStatus(buildStatus)) with options '\(options)'\n\(messages)"
            throw CLError.buildFailed(device: context.device.name, log: reason)
        }
        if buildStatus != 0 {
            clReleaseProgram(id)
            throw CLError.call("clBuildProgram(\(context.device.name))", status: CLStatus(buildStatus))
        }
        buildLog = log
        compilerOutput = output
        CLObjectCounter.created(.program)
    }

    deinit { clReleaseProgram(id); CLObjectCounter.released(.program) }

    /// The kernel function `name` of this program.
    public func kernel(named name: String) throws -> CLKernel { try CLKernel(program: self, name: name) }
}
