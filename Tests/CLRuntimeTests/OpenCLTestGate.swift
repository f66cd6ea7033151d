import CLRuntime
import Foundation
import XCTest

/// The OpenCL device the tests run on: the first GPU, else the first device. Without one, the test is
/// skipped with a message, unless `GCNN_REQUIRE_OPENCL=1` (CI), where it fails: OpenCL tests never skip
/// silently into a green run.
enum OpenCLTestGate {
    static let devices: Result<[CLDevice], Error> = Result { try CLDevice.all() }

    static func device(file: StaticString = #filePath, line: UInt = #line) throws -> CLDevice {
        let reason: String
        switch devices {
        case .success(let all):
            if let device = all.first(where: { $0.kind == .gpu }) ?? all.first { return device }
            reason = "an OpenCL platform exists but has no device"
        case .failure(let error):
            reason = "\(error)"
        }
        if ProcessInfo.processInfo.environment["GCNN_REQUIRE_OPENCL"] == "1" {
            XCTFail("GCNN_REQUIRE_OPENCL=1 but no OpenCL device is usable: \(reason)", file: file, line: line)
            throw CLError.noDevice(reason)
        }
        throw XCTSkip("no OpenCL device (\(reason)); set GCNN_REQUIRE_OPENCL=1 to make this a failure")
    }
}
