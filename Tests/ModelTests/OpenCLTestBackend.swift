import CLRuntime
import Foundation
import Model
import XCTest

/// The OpenCL backend the Model tests run on (the first GPU, else the first device), built once per test
/// process. Without an OpenCL device the tests are skipped with a message, unless `GCNN_REQUIRE_OPENCL=1`
/// (CI), where they fail: OpenCL tests never skip silently into a green run.
enum OpenCLTestBackend {
    private static let built: Result<OpenCLBackend, Error> = Result {
        let devices = try CLDevice.all()
        guard let device = devices.first(where: { $0.kind == .gpu }) ?? devices.first else {
            throw CLError.noDevice("an OpenCL platform exists but has no device")
        }
        return try OpenCLBackend(device: device)
    }

    /// The shared backend, or a skip/failure as described above.
    static func shared(file: StaticString = #filePath, line: UInt = #line) throws -> OpenCLBackend {
        switch built {
        case .success(let backend): return backend
        case .failure(let error):
            // Only a machine without OpenCL may skip; a device that fails (a kernel that does not compile,
            // a context that cannot be created) is always a failure.
            switch error {
            case CLError.noPlatform, CLError.noDevice: break
            default: throw error
            }
            if ProcessInfo.processInfo.environment["GCNN_REQUIRE_OPENCL"] == "1" {
                XCTFail("GCNN_REQUIRE_OPENCL=1 but no OpenCL device is usable: \(error)", file: file, line: line)
                throw error
            }
            throw XCTSkip("no OpenCL device (\(error)); set GCNN_REQUIRE_OPENCL=1 to make this a failure")
        }
    }
}
