import CLRuntime
import XCTest

final class CLErrorTests: XCTestCase {
    func testNoPlatformNamesTheDebianPackagesOnOneLine() {
        let text = CLError.noPlatform.description
        XCTAssertTrue(text.contains("ocl-icd-opencl-dev opencl-headers pocl-opencl-icd"), text)
        XCTAssertFalse(text.contains("\n"))
    }

    func testCallErrorNamesTheCallAndTheStatus() {
        let text = CLError.call("clCreateBuffer", status: .outOfResources).description
        XCTAssertTrue(text.contains("clCreateBuffer"), text)
        XCTAssertTrue(text.contains("CL_OUT_OF_RESOURCES"), text)
        XCTAssertTrue(text.contains("-5"), text)
    }

    func testStatusNames() {
        XCTAssertEqual(CLStatus(-4).name, "CL_MEM_OBJECT_ALLOCATION_FAILURE")
        XCTAssertEqual(CLStatus.buildProgramFailure.name, "CL_BUILD_PROGRAM_FAILURE")
        XCTAssertEqual(CLStatus(-54).name, "CL_INVALID_WORK_GROUP_SIZE")
        XCTAssertEqual(CLStatus(-1001).name, "CL_PLATFORM_NOT_FOUND_KHR")
        XCTAssertEqual(CLStatus(-12345).name, "CL_UNKNOWN_ERROR(-12345)")
        XCTAssertEqual(CLStatus.success.name, "CL_SUCCESS")
    }

    func testAllocationFailureNamesBufferAndSize() {
        let text = CLError.allocationFailed(label: "conv1 activations", bytes: 83_066_880,
                                            status: .memObjectAllocationFailure).description
        XCTAssertTrue(text.contains("'conv1 activations'"), text)
        XCTAssertTrue(text.contains("79.2 MiB") && text.contains("83066880 bytes"), text)
        XCTAssertTrue(text.contains("CL_MEM_OBJECT_ALLOCATION_FAILURE"), text)
        XCTAssertFalse(text.contains("\n"))
    }

    func testBuildFailureShowsTheLog() {
        let text = CLError.buildFailed(device: "pocl", log: "input.cl:3:5: error: use of undeclared identifier 'q'\n").description
        XCTAssertTrue(text.contains("pocl") && text.contains("undeclared identifier 'q'"), text)
    }

    /// The first line alone names the device and the compiler's first error; the full log follows.
    func testBuildFailureFirstLineNamesTheFirstError() {
        let log = "warning: <command line>:11:9: 'CONV_TK' macro redefined\ninput.cl:174:2: error: \"CONV_TK must divide the thread count\"\n1 error generated."
        let first = String(CLError.buildFailed(device: "pthread", log: log).description.split(separator: "\n")[0])
        XCTAssertTrue(first.hasPrefix("OpenCL program failed to build for pthread: input.cl:174:2: error:"), first)
        XCTAssertTrue(first.contains("CONV_TK must divide"), first)
    }

    func testBufferTooLargeNamesBufferSizeLimitAndDevice() {
        let text = CLError.bufferTooLarge(label: "training clips (4480)", bytes: 198_451_200, limit: 134_217_728, device: "gfx90c").description
        XCTAssertTrue(text.contains("'training clips (4480)'") && text.contains("198451200 bytes") && text.contains("128.0 MiB (134217728 bytes)"), text)
        XCTAssertTrue(text.contains("gfx90c") && text.contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), text)
        XCTAssertFalse(text.contains("\n"))
    }
}
