import COpenCL

/// One kernel function of a built program, with typed argument binding. Not thread-safe (arguments are
/// state of the kernel object). Released on deinit.
public final class CLKernel: @unchecked Sendable {
    public let id: cl_kernel
    public let name: String
    public let program: CLProgram

    init(program: CLProgram, name: String) throws {
        var status: cl_int = 0
        guard let id = clCreateKernel(program.id, name, &status), status == 0 else {
            if status == CLStatus.invalidKernelName.rawValue { throw CLError.missingKernel(name) }
            throw CLError.call("clCreateKernel(\(name))", status: CLStatus(status))
        }
        self.id = id
        self.name = name
        self.program = program
        CLObjectCounter.created(.kernel)
    }

    deinit { clReleaseKernel(id); CLObjectCounter.released(.kernel) }

    private func setRaw(_ index: Int, size: Int, _ pointer: UnsafeRawPointer?, _ what: String) throws {
        try CLError.check(clSetKernelArg(id, cl_uint(index), size, pointer), "clSetKernelArg(\(name), #\(index) \(what))")
    }

    /// Binds a buffer argument (`__global T*`).
    public func set<T>(_ index: Int, _ buffer: DeviceBuffer<T>) throws {
        var mem: cl_mem? = buffer.id
        try setRaw(index, size: MemoryLayout<cl_mem>.size, &mem, "buffer '\(buffer.label)'")
    }

    /// Binds an `int` argument.
    public func set(_ index: Int, _ value: Int32) throws {
        var v = value
        try setRaw(index, size: MemoryLayout<Int32>.size, &v, "int \(value)")
    }

    /// Binds an `int` argument from an `Int` (checked to fit).
    public func set(_ index: Int, int value: Int) throws {
        guard let v = Int32(exactly: value) else {
            throw CLError.invalidArgument("argument #\(index) of \(name) is \(value), beyond a 32-bit int")
        }
        try set(index, v)
    }

    /// Binds a `float` argument.
    public func set(_ index: Int, _ value: Float) throws {
        var v = value
        try setRaw(index, size: MemoryLayout<Float>.size, &v, "float \(value)")
    }

    /// Binds a `__local` argument of `bytes` bytes.
    public func setLocal(_ index: Int, bytes: Int) throws {
        try setRaw(index, size: bytes, nil, "local \(bytes) bytes")
    }

    /// The largest work-group this kernel can run with on `device` (`CL_KERNEL_WORK_GROUP_SIZE`).
    public func maxWorkGroupSize(on device: CLDevice) throws -> Int {
        try CLInfo.scalar("clGetKernelWorkGroupInfo(\(name))", Int.self, zero: 0) {
            clGetKernelWorkGroupInfo(id, device.id, cl_kernel_work_group_info(CL_KERNEL_WORK_GROUP_SIZE), $0, $1, $2)
        }
    }
}
