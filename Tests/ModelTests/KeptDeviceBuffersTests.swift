import CLRuntime
@testable import Model
import XCTest

/// `GCNN_CL_KEEP_BUFFERS=1` (the oclgrind check's switch, see `KeptDeviceBuffers`) keeps every buffer the
/// backend allocates; unset, a buffer is released with its last reference.
final class KeptDeviceBuffersTests: XCTestCase {
    func testBuffersAreKeptOnlyWhenSwitchedOn() throws {
        let backend = try OpenCLTestBackend.shared()
        let wasEnabled = KeptDeviceBuffers.enabled
        defer { KeptDeviceBuffers.enabled = wasEnabled }

        KeptDeviceBuffers.enabled = false
        weak var released: DeviceBuffer<Float>?
        do { let buffer = try backend.makeBuffer(count: 4, label: "released"); released = buffer }
        XCTAssertNil(released, "with keeping off, a buffer is released with its last reference")

        KeptDeviceBuffers.enabled = true
        weak var kept: DeviceBuffer<Float>?
        weak var keptIndices: DeviceBuffer<Int32>?
        do {
            let buffer = try backend.makeBuffer([1, 2, 3], label: "kept")
            let indices = try backend.makeIndexBuffer([0, 1], label: "kept indices")
            kept = buffer; keptIndices = indices
        }
        XCTAssertNotNil(kept, "with keeping on, a float buffer outlives its last reference")
        XCTAssertNotNil(keptIndices, "with keeping on, an index buffer outlives its last reference")
        XCTAssertEqual(try backend.read(try XCTUnwrap(kept), offset: 0, count: 3), [1, 2, 3])

        KeptDeviceBuffers.releaseAll()
        XCTAssertNil(kept, "releaseAll drops the kept buffers")
        XCTAssertNil(keptIndices)
    }
}
