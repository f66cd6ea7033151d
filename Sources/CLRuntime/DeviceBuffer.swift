import COpenCL

/// A device-resident array of `count` elements of `T` (`Float`, `Int32`, …), with typed transfers.
/// Released (`clReleaseMemObject`) when the last reference goes away.
public final class DeviceBuffer<T: BitwiseCopyable>: @unchecked Sendable {
    public let id: cl_mem
    public let count: Int
    /// Names the buffer in error messages.
    public let label: String
    public let context: CLContext

    /// Allocates `count` elements (contents unspecified). Failure names `label` and the size.
    public init(context: CLContext, count: Int, label: String) throws {
        precondition(count >= 0, "negative buffer size")
        let bytes = count * MemoryLayout<T>.stride
        // Checked here, before clCreateBuffer: some drivers accept an oversized request and fail later.
        if bytes > context.device.maxAllocationBytes {
            throw CLError.bufferTooLarge(label: label, bytes: bytes, limit: context.device.maxAllocationBytes,
                                         device: context.device.name)
        }
        var status: cl_int = 0
        // OpenCL refuses empty buffers; an empty DeviceBuffer still owns one element.
        let allocated = max(bytes, MemoryLayout<T>.stride)
        guard let id = clCreateBuffer(context.id, cl_mem_flags(CL_MEM_READ_WRITE), allocated, nil, &status),
              status == 0 else {
            throw CLError.allocationFailed(label: label, bytes: bytes, status: CLStatus(status))
        }
        self.id = id
        self.count = count
        self.label = label
        self.context = context
        CLObjectCounter.created(.buffer)
    }

    deinit { clReleaseMemObject(id); CLObjectCounter.released(.buffer) }

    public var byteCount: Int { count * MemoryLayout<T>.stride }

    private func checkRange(_ offset: Int, _ length: Int, _ what: String) throws {
        guard offset >= 0, length >= 0, offset + length <= count else {
            throw CLError.invalidArgument("\(what) of \(length) elements at offset \(offset) is outside buffer '\(label)' of \(count) elements")
        }
    }

    /// Copies `values` to elements `offset ..< offset + values.count`; returns when the copy is done
    /// (the in-order queue runs everything enqueued before it first).
    public func upload(_ values: [T], offset: Int = 0, queue: CLQueue) throws {
        try checkRange(offset, values.count, "upload")
        guard !values.isEmpty else { return }
        let status = values.withUnsafeBytes { raw in
            clEnqueueWriteBuffer(queue.id, id, cl_bool(CL_TRUE), offset * MemoryLayout<T>.stride, raw.count,
                                 raw.baseAddress, 0, nil, nil)
        }
        try CLError.check(status, "clEnqueueWriteBuffer('\(label)', \(values.count) elements at \(offset))")
    }

    /// Waits for enqueued work, then copies elements `offset ..< offset + count` to the host.
    public func download(offset: Int = 0, count: Int? = nil, queue: CLQueue, zero: T) throws -> [T] {
        let length = count ?? (self.count - offset)
        try checkRange(offset, length, "download")
        var values = [T](repeating: zero, count: length)
        guard length > 0 else { return values }
        let status = values.withUnsafeMutableBytes { raw in
            clEnqueueReadBuffer(queue.id, id, cl_bool(CL_TRUE), offset * MemoryLayout<T>.stride, raw.count,
                                raw.baseAddress, 0, nil, nil)
        }
        try CLError.check(status, "clEnqueueReadBuffer('\(label)', \(length) elements at \(offset))")
        return values
    }

    /// Enqueues setting elements `offset ..< offset + count` (all remaining when nil) to `value`; does not wait.
    public func fill(_ value: T, offset: Int = 0, count: Int? = nil, queue: CLQueue) throws {
        let length = count ?? (self.count - offset)
        try checkRange(offset, length, "fill")
        guard length > 0 else { return }
        var pattern = value
        let status = withUnsafeBytes(of: &pattern) { raw in
            clEnqueueFillBuffer(queue.id, id, raw.baseAddress, raw.count, offset * MemoryLayout<T>.stride,
                                length * MemoryLayout<T>.stride, 0, nil, nil)
        }
        try CLError.check(status, "clEnqueueFillBuffer('\(label)', \(length) elements at \(offset))")
    }

    /// Enqueues a copy of `count` elements from `source[sourceOffset…]` into `self[offset…]`; does not wait.
    public func copy(from source: DeviceBuffer<T>, sourceOffset: Int = 0, offset: Int = 0, count: Int, queue: CLQueue) throws {
        try source.checkRange(sourceOffset, count, "copy source")
        try checkRange(offset, count, "copy destination")
        guard count > 0 else { return }
        let size = MemoryLayout<T>.stride
        try CLError.check(clEnqueueCopyBuffer(queue.id, source.id, id, sourceOffset * size, offset * size,
                                              count * size, 0, nil, nil),
                          "clEnqueueCopyBuffer('\(source.label)' → '\(label)')")
    }
}

extension DeviceBuffer where T == Float {
    public func download(offset: Int = 0, count: Int? = nil, queue: CLQueue) throws -> [Float] {
        try download(offset: offset, count: count, queue: queue, zero: 0)
    }
}

extension DeviceBuffer where T == Int32 {
    public func download(offset: Int = 0, count: Int? = nil, queue: CLQueue) throws -> [Int32] {
        try download(offset: offset, count: count, queue: queue, zero: 0)
    }
}
