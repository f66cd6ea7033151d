import Foundation

/// Fault injection for gcnn's own tests, read once from the environment when first needed. They let a
/// test provoke device faults that a working OpenCL device (pocl in CI) never produces. Never set them
/// outside tests; with none set, nothing changes.
///
/// - `GCNN_TEST_MAX_ALLOC_BYTES=N`: every device reports at most N bytes as its largest allocation
///   (`CL_DEVICE_MAX_MEM_ALLOC_SIZE`), as a small GPU would.
/// - `GCNN_TEST_FAIL_DISPATCH=N` or `N:STATUS`: the N-th kernel enqueue of the process (counting from 1)
///   fails with STATUS (default -5, `CL_OUT_OF_RESOURCES`) instead of reaching the device.
/// - `GCNN_TEST_KERNEL_DEFINES=…`: appended to every program's build options (e.g.
///   `-DREDUCE_WG=not_a_number`, which no kernel compiles with), to make the device's compiler fail.
public enum CLTestHooks {
    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// `GCNN_TEST_MAX_ALLOC_BYTES`.
    static let maxAllocationBytes: Int? = environment("GCNN_TEST_MAX_ALLOC_BYTES").flatMap { Int($0) }

    /// `GCNN_TEST_FAIL_DISPATCH`: which enqueue fails and with which status.
    static let failingDispatch: (index: Int, status: Int32)? = {
        guard let text = environment("GCNN_TEST_FAIL_DISPATCH") else { return nil }
        let parts = text.split(separator: ":")
        guard let index = parts.first.flatMap({ Int($0) }) else { return nil }
        let status = parts.count > 1 ? Int32(parts[1]) ?? CLStatus.outOfResources.rawValue : CLStatus.outOfResources.rawValue
        return (index, status)
    }()

    /// `GCNN_TEST_KERNEL_DEFINES`, with a leading space, or empty.
    static let extraBuildOptions: String = environment("GCNN_TEST_KERNEL_DEFINES").map { " " + $0 } ?? ""

    private final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var dispatches = 0
    }
    private static let counter = Counter()

    /// The status the next enqueue must fail with, when `GCNN_TEST_FAIL_DISPATCH` names it.
    static func injectedDispatchFailure() -> Int32? {
        guard let failing = failingDispatch else { return nil }
        counter.lock.lock(); defer { counter.lock.unlock() }
        counter.dispatches += 1
        return counter.dispatches == failing.index ? failing.status : nil
    }
}
