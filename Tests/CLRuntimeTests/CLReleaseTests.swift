import CLRuntime
import COpenCL
import XCTest

/// Every wrapper releases its OpenCL object when the last Swift reference goes away: the test takes an
/// extra OpenCL reference, drops the wrapper, and reads the object's reference count back from OpenCL.
final class CLReleaseTests: XCTestCase {
    private func referenceCount(_ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32) -> cl_uint {
        var count: cl_uint = 0
        XCTAssertEqual(query(MemoryLayout<cl_uint>.size, &count, nil), 0)
        return count
    }

    func testEveryWrapperReleasesItsObject() throws {
        let device = try OpenCLTestGate.device()
        var memID: cl_mem?, kernelID: cl_kernel?, programID: cl_program?, queueID: cl_command_queue?,
            eventID: cl_event?, contextID: cl_context?
        // The wrappers live only inside this closure.
        try { () throws -> Void in
            let context = try CLContext(device: device)
            let queue = try CLQueue(context: context)
            let program = try CLProgram(context: context, sources: ["__kernel void k(__global float* x) { x[get_global_id(0)] = 1.0f; }"])
            let kernel = try program.kernel(named: "k")
            let buffer = try DeviceBuffer<Float>(context: context, count: 64, label: "x")
            try kernel.bind(buffer)
            let event = try queue.dispatch(kernel, global: [64], timed: true)!
            try event.wait()
            (memID, kernelID, programID, queueID, eventID, contextID) = (buffer.id, kernel.id, program.id, queue.id, event.id, context.id)
            clRetainMemObject(buffer.id); clRetainKernel(kernel.id); clRetainProgram(program.id)
            clRetainCommandQueue(queue.id); clRetainEvent(event.id); clRetainContext(context.id)
        }()
        // Only the test's own reference is left on each.
        XCTAssertEqual(referenceCount { clGetMemObjectInfo(memID, cl_mem_info(CL_MEM_REFERENCE_COUNT), $0, $1, $2) }, 1)
        XCTAssertEqual(referenceCount { clGetKernelInfo(kernelID, cl_kernel_info(CL_KERNEL_REFERENCE_COUNT), $0, $1, $2) }, 1)
        clReleaseEvent(eventID); clReleaseKernel(kernelID); clReleaseMemObject(memID); clReleaseCommandQueue(queueID)
        // A completed command's event, queue, program and context may still be held inside the OpenCL
        // implementation (pocl frees command records lazily); the next test checks those without commands.
        clReleaseProgram(programID); clReleaseContext(contextID)
    }

    func testQueueProgramAndContextAreReleased() throws {
        let device = try OpenCLTestGate.device()
        var programID: cl_program?, contextID: cl_context?, queueID: cl_command_queue?
        try { () throws -> Void in
            let context = try CLContext(device: device)
            let queue = try CLQueue(context: context)
            queueID = queue.id
            clRetainCommandQueue(queue.id)
            let program = try CLProgram(context: context, sources: ["__kernel void k(__global float* x) { x[0] = 1.0f; }"])
            _ = try program.kernel(named: "k")
            (programID, contextID) = (program.id, context.id)
            clRetainProgram(program.id); clRetainContext(context.id)
        }()
        XCTAssertEqual(referenceCount { clGetCommandQueueInfo(queueID, cl_command_queue_info(CL_QUEUE_REFERENCE_COUNT), $0, $1, $2) }, 1)
        clReleaseCommandQueue(queueID)
        XCTAssertEqual(referenceCount { clGetProgramInfo(programID, cl_program_info(CL_PROGRAM_REFERENCE_COUNT), $0, $1, $2) }, 1)
        clReleaseProgram(programID)
        XCTAssertEqual(referenceCount { clGetContextInfo(contextID, cl_context_info(CL_CONTEXT_REFERENCE_COUNT), $0, $1, $2) }, 1)
        clReleaseContext(contextID)
    }

    /// The live-object counter (what `GCNN_DEBUG_RESOURCES=1` and `scripts/soak.sh` report) counts each
    /// wrapper's object while it lives and returns to where it started once they are gone.
    func testLiveObjectCounterFollowsTheWrappers() throws {
        let device = try OpenCLTestGate.device()
        let before = CLObjectCounter.live
        try { () throws -> Void in
            let context = try CLContext(device: device)
            let queue = try CLQueue(context: context)
            let program = try CLProgram(context: context, sources: ["__kernel void k(__global float* x) { x[get_global_id(0)] = 2.0f; }"])
            let kernel = try program.kernel(named: "k")
            let buffers = try (0..<3).map { try DeviceBuffer<Float>(context: context, count: 16, label: "b\($0)") }
            try kernel.bind(buffers[0])
            // A kernel argument does not keep its buffer alive: the buffers must outlive the launch.
            let event = try withExtendedLifetime(buffers) { try queue.dispatch(kernel, global: [16], timed: true) }
            try event?.wait()
            let live = CLObjectCounter.live
            for (kind, added) in [(CLObjectCounter.Kind.context, 1), (.queue, 1), (.program, 1), (.kernel, 1), (.buffer, 3), (.event, 1)] {
                XCTAssertEqual(live[kind], before[kind]! + added, "\(kind)")
            }
            XCTAssertTrue(CLObjectCounter.summary.contains("buffers \(before[.buffer]! + 3)"), CLObjectCounter.summary)
            withExtendedLifetime((context, queue, program, buffers)) {}
        }()
        XCTAssertEqual(CLObjectCounter.live, before)
    }
}
