import CLRuntime
import Foundation
@testable import Model
import XCTest

/// gcnn's kernels compile without a single compiler message on the test device, in every variant and tuning
/// the backend chooses or the parity tests use (`-Werror` turns any warning into a build failure).
final class KernelBuildLogTests: XCTestCase {
    func testEmbeddedKernelsBuildWithoutWarningsInEveryVariant() throws {
        let backend = try OpenCLTestBackend.shared()
        let sources = OpenCLBackend.sources
        XCTAssertEqual(sources.count, OpenCLBackend.sourceFileNames.count)
        let configs = [
            OpenCLKernelConfig.forDevice(backend.device),
            OpenCLKernelConfig(tileM: 64, tileN: 64, tileK: 16, regM: 4, regN: 4, reduceWorkGroup: 256, elementwiseWorkGroup: 256),
            OpenCLKernelConfig(tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64),
            OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64),
            OpenCLKernelConfig(variant: .cpu, tileM: 32, tileN: 32, tileK: 8, regM: 4, regN: 4, reduceWorkGroup: 64,
                               cpuChannels: 6, cpuVectors: 2, cpuWeightChannels: 6),
        ]
        for config in configs {
            // A unique comment defeats the driver's program cache, so the compiler really runs.
            let program = try CLProgram(context: backend.context, sources: sources + ["// \(UUID())\n"],
                                        options: config.buildOptions + " -Werror")
            XCTAssertEqual(program.messages, "", "\(config): \(program.messages)")
        }
    }

    func testBuildReportNamesDeviceAndOptions() throws {
        let backend = try OpenCLTestBackend.shared()
        XCTAssertTrue(backend.buildReport.contains(backend.device.name), backend.buildReport)
        XCTAssertTrue(backend.buildReport.contains(backend.config.buildOptions), backend.buildReport)
        XCTAssertTrue(backend.buildReport.hasSuffix("no compiler messages"), backend.buildReport)
    }
}
