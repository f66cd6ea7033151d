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

/// What the device's compiler prints while building is captured into the program, never the console.
final class CLBuildOutputTests: XCTestCase {
    /// Runs `work` with descriptor 2 sent to a temporary file; returns what reached it.
    private func standardError(during work: () throws -> Void) rethrows -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try! FileHandle(forWritingTo: url)
        fflush(nil)
        let saved = dup(2)
        dup2(handle.fileDescriptor, 2)
        defer { fflush(nil); dup2(saved, 2); close(saved); try? handle.close() }
        try work()
        fflush(nil)
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    func testCompilerWarningsAreCapturedNotPrinted() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        // A unique comment defeats the driver's program cache; redefining a builtin macro is a warning on every
        // clang-based compiler.
        let source = "// \(UUID())\n__kernel void k(__global float* x) { x[0] = 1.0f; }\n"
        var program: CLProgram?
        let printed = try standardError { program = try CLProgram(context: context, sources: [source], options: "-D__FILE__=0") }
        XCTAssertEqual(printed, "", "nothing may reach standard error while building")
        let messages = try XCTUnwrap(program).messages
        XCTAssertTrue(messages.contains("warning"), "the warning is kept in the program: \(messages)")
        XCTAssertNoThrow(try program?.kernel(named: "k"))
    }

    func testFailedBuildCarriesCompilerOutputAndPrintsNothing() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        let broken = "// \(UUID())\n__kernel void broken(__global float* x) { x[0] = undefined_symbol_gcnn; }\n"
        var thrown: Error?
        let printed = standardError {
            do { _ = try CLProgram(context: context, sources: [broken]) } catch { thrown = error }
        }
        XCTAssertEqual(printed, "")
        guard case CLError.buildFailed(_, let log)? = thrown else { return XCTFail("\(String(describing: thrown))") }
        XCTAssertTrue(log.contains("undefined_symbol_gcnn"), log)
    }

    func testCleanBuildHasNoMessages() throws {
        let context = try CLContext(device: OpenCLTestGate.device())
        let program = try CLProgram(context: context, sources: ["// \(UUID())\n__kernel void k(__global float* x) { x[0] = 2.0f; }\n"])
        XCTAssertEqual(program.messages, "")
    }
}
