import CLRuntime

/// Device time of one kernel at one launch size, summed over a profiled stretch of work
/// (`OpenCLBackend.startProfiling()` … `stopProfiling()`), from the OpenCL queue's event timers.
///
/// The global size tells apart the launches of one kernel for different layers (conv1 and conv2 run the same
/// kernels) and, on the CPU variant, conv2's forward pass from its backward-data pass over the padded gradient.
public struct KernelTime: Codable, Equatable, Sendable {
    public var kernel: String
    public var global: [Int]
    public var calls: Int
    /// Device time, start to end of each launch, in milliseconds.
    public var milliseconds: Double

    public init(kernel: String, global: [Int], calls: Int, milliseconds: Double) {
        self.kernel = kernel; self.global = global; self.calls = calls; self.milliseconds = milliseconds
    }

    /// `events` (kernel name, global size, completion event) summed per kernel and size, the longest first.
    static func summarize(_ events: [(kernel: String, global: [Int], event: CLEvent)]) throws -> [KernelTime] {
        var times: [KernelTime] = [], row: [String: Int] = [:]
        for e in events {
            let key = "\(e.kernel) \(e.global)"
            if row[key] == nil {
                row[key] = times.count
                times.append(KernelTime(kernel: e.kernel, global: e.global, calls: 0, milliseconds: 0))
            }
            times[row[key]!].calls += 1
            times[row[key]!].milliseconds += try e.event.elapsedMilliseconds()
        }
        // Equal times keep launch order.
        return times.enumerated()
            .sorted { ($0.element.milliseconds, $1.offset) > ($1.element.milliseconds, $0.offset) }
            .map(\.element)
    }
}
