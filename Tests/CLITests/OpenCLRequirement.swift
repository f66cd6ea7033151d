import Foundation
import XCTest

/// Whether `gcnn devices` finds an OpenCL device. Without one, OpenCL CLI tests are skipped — unless
/// `GCNN_REQUIRE_OPENCL=1` (CI), where that is a failure: a green run that tested nothing is a trap.
enum OpenCLRequirement {
    static let skipMessage = "no OpenCL device (install pocl-opencl-icd); set GCNN_REQUIRE_OPENCL=1 to make this a failure"

    static func available(file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        let r = try GCNNBinary.run(["devices"])
        if r.status == 0 && r.stdout.contains("opencl:0") { return true }
        if ProcessInfo.processInfo.environment["GCNN_REQUIRE_OPENCL"] == "1" {
            XCTFail("GCNN_REQUIRE_OPENCL=1 but `gcnn devices` found no OpenCL device: \(r.stderr)", file: file, line: line)
        }
        return false
    }
}
