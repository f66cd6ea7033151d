import COpenCL

/// An in-order command queue with profiling enabled. Commands run in the order they are enqueued;
/// `finish` (and every blocking read or write) waits for all of them. Released on deinit.
public final class CLQueue: @unchecked Sendable {
    public let id: cl_command_queue
    public let context: CLContext

    public init(context: CLContext) throws {
        var status: cl_int = 0
        let properties = cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE)
        guard let id = clCreateCommandQueue(context.id, context.device.id, properties, &status), status == 0 else {
            throw CLError.call("clCreateCommandQueue(\(context.device.name))", status: CLStatus(status))
        }
        self.id = id
        self.context = context
        CLObjectCounter.created(.queue)
    }

    deinit {
        clFinish(id)
        clReleaseCommandQueue(id)
        CLObjectCounter.released(.queue)
    }

    public var device: CLDevice { context.device }

    /// Blocks until every enqueued command has completed.
    public func finish() throws { try CLError.check(clFinish(id), "clFinish") }

    /// Submits enqueued commands to the device without waiting.
    public func flush() throws { try CLError.check(clFlush(id), "clFlush") }

    /// Enqueues `kernel` over `global` work items (each dimension rounded up to a multiple of `local`; kernels
    /// bound-check their indices). `local == nil` lets the implementation choose the work-group size.
    /// Returns the command's event when `timed`, for `CLEvent.elapsedMilliseconds()`.
    @discardableResult
    public func dispatch(_ kernel: CLKernel, global: [Int], local: [Int]? = nil, timed: Bool = false) throws -> CLEvent? {
        precondition((1...3).contains(global.count) && (local == nil || local!.count == global.count))
        if global.contains(0) { return nil }
        var globalSizes = global
        if let local {
            for d in 0..<global.count { globalSizes[d] = (global[d] + local[d] - 1) / local[d] * local[d] }
        }
        var event: cl_event? = nil
        if let injected = CLTestHooks.injectedDispatchFailure() {
            throw CLError.call("clEnqueueNDRangeKernel(\(kernel.name)) [GCNN_TEST_FAIL_DISPATCH]", status: CLStatus(injected))
        }
        let status: cl_int = globalSizes.withUnsafeBufferPointer { g in
            withUnsafeMutablePointer(to: &event) { eventPointer in
                let eventOut = timed ? eventPointer : nil
                guard let local else {
                    return clEnqueueNDRangeKernel(id, kernel.id, cl_uint(global.count), nil, g.baseAddress, nil,
                                                  0, nil, eventOut)
                }
                return local.withUnsafeBufferPointer { l in
                    clEnqueueNDRangeKernel(id, kernel.id, cl_uint(global.count), nil, g.baseAddress, l.baseAddress,
                                           0, nil, eventOut)
                }
            }
        }
        try CLError.check(status, "clEnqueueNDRangeKernel(\(kernel.name), global \(globalSizes), local \(local.map { "\($0)" } ?? "auto"))")
        return event.map { CLEvent(id: $0, label: kernel.name) }
    }
}
