import CLRuntime
import Kernels
import XCTest

final class CLProgramTests: XCTestCase {
    private static let scale = """
        __kernel void scale(__global float* x, float factor, int count) {
            const int i = get_global_id(0);
            if (i < count) x[i] *= factor;
        }
        """

    func testKernelRunsOverARoundedUpRangeAndIsTimed() throws {
        let queue = try CLQueue(context: CLContext(device: OpenCLTestGate.device()))
        let program = try CLProgram(context: queue.context, sources: [Self.scale])
        let kernel = try program.kernel(named: "scale")
        let buffer = try DeviceBuffer<Float>(context: queue.context, count: 37, label: "x")
        try buffer.upload((0..<37).map(Float.init), queue: queue)
        try kernel.bind(buffer, Float(2), 37)
        let event = try queue.dispatch(kernel, global: [37], local: [8], timed: true)
        XCTAssertNotNil(event)
        XCTAssertGreaterThanOrEqual(try event!.elapsedMilliseconds(), 0)
        XCTAssertEqual(try buffer.download(queue: queue), (0..<37).map { Float($0) * 2 })
    }

    func testBuildFailureCarriesTheBuildLog() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        let broken = "__kernel void broken(__global float* x) { x[0] = undefined_symbol_gcnn; }"
        XCTAssertThrowsError(try CLProgram(context: context, sources: [broken])) { error in
            guard case CLError.buildFailed(let device, let log) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(device, context.device.name)
            XCTAssertTrue(log.contains("undefined_symbol_gcnn"), "the log names the bad identifier: \(log)")
            XCTAssertTrue("\(error)".contains("undefined_symbol_gcnn"))
        }
    }

    func testMissingKernelIsNamed() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        let program = try CLProgram(context: context, sources: [Self.scale])
        XCTAssertThrowsError(try program.kernel(named: "nope")) { error in
            XCTAssertEqual(error as? CLError, .missingKernel("nope"))
        }
    }

    /// The embedded kernel library compiles with both tile configurations (GPU and CPU defaults).
    func testEmbeddedKernelsBuildWithGPUAndCPUTiles() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        let names = KernelLibrary.fileNames.filter { $0.hasSuffix(".cl") }
        XCTAssertTrue(names.contains("conv2d.cl") && names.contains("common.cl"), "\(names)")
        let sources = (["common.cl"] + names.filter { $0 != "common.cl" }).compactMap { KernelLibrary.source(named: $0) }
        for options in ["-DCONV_TM=64 -DCONV_TN=64 -DCONV_TK=16 -DCONV_RM=4 -DCONV_RN=4 -DREDUCE_WG=256",
                        "-DCONV_TM=32 -DCONV_TN=32 -DCONV_TK=8 -DCONV_RM=4 -DCONV_RN=4 -DREDUCE_WG=64"] {
            let program = try CLProgram(context: context, sources: sources, options: "-cl-std=CL1.2 " + options)
            XCTAssertNoThrow(try program.kernel(named: "conv2d_forward"))
        }
    }

    /// A tile configuration that breaks the kernels' assumptions fails to build, with the reason in the log.
    func testInconsistentTilesAreRejectedAtBuild() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        guard let conv = KernelLibrary.source(named: "conv2d.cl"), let common = KernelLibrary.source(named: "common.cl") else {
            return XCTFail("conv2d.cl is not embedded")
        }
        XCTAssertThrowsError(try CLProgram(context: context, sources: [common, conv],
                                           options: "-DCONV_TM=32 -DCONV_TN=32 -DCONV_TK=5 -DCONV_RM=4 -DCONV_RN=4")) { error in
            guard case CLError.buildFailed(_, let log) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(log.contains("CONV_TK"), log)
        }
    }
}
