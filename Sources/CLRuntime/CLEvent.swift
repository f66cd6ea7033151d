import COpenCL

/// A command's completion event, from a queue with profiling enabled. Released on deinit.
public final class CLEvent: @unchecked Sendable {
    public let id: cl_event
    /// What the command was (kernel name or transfer), for messages.
    public let label: String

    init(id: cl_event, label: String) { self.id = id; self.label = label; CLObjectCounter.created(.event) }
    deinit { clReleaseEvent(id); CLObjectCounter.released(.event) }

    /// Blocks until the command has completed.
    public func wait() throws {
        var event: cl_event? = id
        try CLError.check(clWaitForEvents(1, &event), "clWaitForEvents(\(label))")
    }

    /// Device time between the command's start and end, in nanoseconds (waits for it first).
    public func elapsedNanoseconds() throws -> UInt64 {
        try wait()
        func stamp(_ param: Int32) throws -> UInt64 {
            try CLInfo.scalar("clGetEventProfilingInfo(\(label))", cl_ulong.self, zero: 0) {
                clGetEventProfilingInfo(id, cl_profiling_info(param), $0, $1, $2)
            }
        }
        let start = try stamp(CL_PROFILING_COMMAND_START), end = try stamp(CL_PROFILING_COMMAND_END)
        return end >= start ? end - start : 0
    }

    /// Device time of the command in milliseconds.
    public func elapsedMilliseconds() throws -> Double { Double(try elapsedNanoseconds()) / 1e6 }
}
