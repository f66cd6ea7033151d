import Dispatch

/// The `Backend` in plain Swift on the host: the oracle of every OpenCL kernel and the reference CPU
/// path of the benchmarks.
///
/// Every op is a direct loop nest whose sums are accumulated in `Double` and rounded to `Float` once,
/// so its error is that of a single rounding wherever possible. Work is split across cores with
/// `DispatchQueue.concurrentPerform`, always so that each output element is written by exactly one
/// iteration with a fixed summation order: results are bitwise identical from run to run and for any
/// number of cores. Ops run synchronously; `finish` has nothing to wait for.
///
/// Shape and count mistakes are programming errors: they stop the program with a message naming
/// the op and the buffer.
///
/// Each op family lives in its own `Reference*.swift` file, as an extension.
public final class ReferenceBackend: Backend {
    public typealias Buffer = ReferenceBuffer
    public typealias IndexBuffer = ReferenceIndexBuffer

    public init() {}

    public var deviceName: String { "reference (host CPU, Swift)" }

    // MARK: Memory

    public func makeBuffer(count: Int, label: String) throws -> ReferenceBuffer {
        ReferenceBuffer(count: count, label: label)
    }

    public func makeBuffer(_ values: [Float], label: String) throws -> ReferenceBuffer {
        let buffer = ReferenceBuffer(count: values.count, label: label)
        values.withUnsafeBufferPointer { buffer.base.update(from: $0.baseAddress!, count: values.count) }
        return buffer
    }

    public func write(_ values: [Float], to buffer: ReferenceBuffer, offset: Int) throws {
        requireRange(buffer, offset: offset, count: values.count, op: "write")
        values.withUnsafeBufferPointer { source in
            guard let start = source.baseAddress else { return }
            (buffer.base + offset).update(from: start, count: values.count)
        }
    }

    public func read(_ buffer: ReferenceBuffer, offset: Int, count: Int) throws -> [Float] {
        requireRange(buffer, offset: offset, count: count, op: "read")
        return Array(UnsafeBufferPointer(start: buffer.base + offset, count: count))
    }

    public func fill(_ buffer: ReferenceBuffer, value: Float, offset: Int, count: Int) throws {
        requireRange(buffer, offset: offset, count: count, op: "fill")
        (buffer.base + offset).update(repeating: value, count: count)
    }

    public func makeIndexBuffer(_ values: [Int32], label: String) throws -> ReferenceIndexBuffer {
        ReferenceIndexBuffer(values, label: label)
    }

    public func write(_ values: [Int32], to buffer: ReferenceIndexBuffer, offset: Int) throws {
        precondition(offset >= 0 && offset + values.count <= buffer.count,
                     "write: index buffer '\(buffer.label)' holds \(buffer.count) elements; "
                     + "cannot write \(values.count) at offset \(offset)")
        buffer.values.replaceSubrange(offset..<offset + values.count, with: values)
    }

    public func finish() throws {}

    // MARK: Data movement

    public func gatherRows(source: ReferenceBuffer, rowLength: Int, indices: ReferenceIndexBuffer,
                           indexOffset: Int, rows: Int, into destination: ReferenceBuffer) throws {
        precondition(rowLength >= 0 && rows >= 0, "gatherRows: negative rowLength \(rowLength) or rows \(rows)")
        precondition(indexOffset >= 0 && indexOffset + rows <= indices.count,
                     "gatherRows: index buffer '\(indices.label)' holds \(indices.count) indices; "
                     + "needs \(rows) from offset \(indexOffset)")
        require(destination, rows * rowLength, op: "gatherRows", role: "destination")
        let sourceRows = rowLength == 0 ? 0 : source.count / rowLength
        for r in 0..<rows {
            let row = Int(indices.values[indexOffset + r])
            precondition(row >= 0 && row < sourceRows,
                         "gatherRows: index \(row) at position \(indexOffset + r) of '\(indices.label)' "
                         + "is outside the \(sourceRows) rows of '\(source.label)'")
            (destination.base + r * rowLength).update(from: source.base + row * rowLength, count: rowLength)
        }
    }

    // MARK: Helpers shared by the op families

    /// Stops with a message naming `op` unless `buffer` holds at least `count` elements.
    func require(_ buffer: ReferenceBuffer, _ count: Int, op: String, role: String) {
        precondition(count <= buffer.count,
                     "\(op): \(role) buffer '\(buffer.label)' holds \(buffer.count) elements, needs \(count)")
    }

    func requireRange(_ buffer: ReferenceBuffer, offset: Int, count: Int, op: String) {
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count,
                     "\(op): buffer '\(buffer.label)' holds \(buffer.count) elements; "
                     + "range \(offset)..<\(offset + count) is outside it")
    }

    func requirePositive(_ shape: Shape4, op: String) {
        precondition(shape.n > 0 && shape.c > 0 && shape.h > 0 && shape.w > 0,
                     "\(op): every dimension of \(shape) must be positive")
    }

    /// Runs `body(0..<iterations)` across cores. Callers guarantee that iterations write disjoint
    /// outputs, so the result does not depend on scheduling.
    func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
        if iterations == 1 {
            body(0)
        } else if iterations > 1 {
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        }
    }
}
