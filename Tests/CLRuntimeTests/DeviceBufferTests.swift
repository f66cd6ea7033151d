import CLRuntime
import XCTest

final class DeviceBufferTests: XCTestCase {
    private func makeQueue() throws -> CLQueue {
        try CLQueue(context: CLContext(device: OpenCLTestGate.device()))
    }

    func testRoundTripWithOffsets() throws {
        let queue = try makeQueue()
        let buffer = try DeviceBuffer<Float>(context: queue.context, count: 10, label: "round trip")
        try buffer.upload((0..<10).map(Float.init), queue: queue)
        try buffer.upload([100, 101, 102], offset: 4, queue: queue)
        XCTAssertEqual(try buffer.download(queue: queue), [0, 1, 2, 3, 100, 101, 102, 7, 8, 9])
        XCTAssertEqual(try buffer.download(offset: 3, count: 3, queue: queue), [3, 100, 101])
        XCTAssertEqual(try buffer.download(offset: 10, count: 0, queue: queue), [])
    }

    func testInt32RoundTrip() throws {
        let queue = try makeQueue()
        let values: [Int32] = [-5, 0, 7, Int32.max, Int32.min]
        let buffer = try DeviceBuffer<Int32>(context: queue.context, count: values.count, label: "indices")
        try buffer.upload(values, queue: queue)
        XCTAssertEqual(try buffer.download(queue: queue), values)
    }

    func testFillSetsOnlyItsRange() throws {
        let queue = try makeQueue()
        let buffer = try DeviceBuffer<Float>(context: queue.context, count: 8, label: "fill")
        try buffer.fill(1, queue: queue)
        try buffer.fill(-2.5, offset: 2, count: 3, queue: queue)
        XCTAssertEqual(try buffer.download(queue: queue), [1, 1, -2.5, -2.5, -2.5, 1, 1, 1])
    }

    func testCopyBetweenBuffers() throws {
        let queue = try makeQueue()
        let a = try DeviceBuffer<Float>(context: queue.context, count: 4, label: "a")
        let b = try DeviceBuffer<Float>(context: queue.context, count: 6, label: "b")
        try a.upload([1, 2, 3, 4], queue: queue)
        try b.fill(0, queue: queue)
        try b.copy(from: a, sourceOffset: 1, offset: 2, count: 3, queue: queue)
        XCTAssertEqual(try b.download(queue: queue), [0, 0, 2, 3, 4, 0])
    }

    func testTransferOutsideTheBufferNamesIt() throws {
        let queue = try makeQueue()
        let buffer = try DeviceBuffer<Float>(context: queue.context, count: 4, label: "activations")
        XCTAssertThrowsError(try buffer.upload([1, 2, 3], offset: 2, queue: queue)) { error in
            XCTAssertTrue("\(error)".contains("'activations'"), "\(error)")
        }
        XCTAssertThrowsError(try buffer.download(offset: 3, count: 2, queue: queue))
        XCTAssertThrowsError(try buffer.fill(0, offset: -1, count: 1, queue: queue))
    }

    /// Refused before clCreateBuffer, with a typed error naming the buffer, its size and the device's limit.
    func testAllocationBeyondTheDeviceLimitNamesBufferSizeAndLimit() throws {
        let queue = try makeQueue()
        let limit = queue.device.maxAllocationBytes
        let count = limit / 4 + 1
        let before = CLObjectCounter.live[.buffer]
        XCTAssertThrowsError(try DeviceBuffer<Float>(context: queue.context, count: count, label: "huge dataset")) { error in
            guard case CLError.bufferTooLarge(let label, let bytes, let reported, let device) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(label, "huge dataset")
            XCTAssertEqual(bytes, count * 4)
            XCTAssertEqual(reported, limit)
            XCTAssertEqual(device, queue.device.name)
            let text = "\(error)"
            XCTAssertTrue(text.contains("'huge dataset'") && text.contains("\(count * 4) bytes") && text.contains("\(limit) bytes"), text)
            XCTAssertTrue(text.contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE") && !text.contains("\n"), text)
        }
        XCTAssertEqual(CLObjectCounter.live[.buffer], before, "nothing was allocated")
    }

    func testEmptyBufferIsUsable() throws {
        let queue = try makeQueue()
        let buffer = try DeviceBuffer<Float>(context: queue.context, count: 0, label: "empty")
        XCTAssertEqual(buffer.count, 0)
        XCTAssertEqual(try buffer.download(queue: queue), [])
    }
}
