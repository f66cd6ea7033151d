import CLRuntime
import Model
import XCTest

/// `gcnn check --tiny`'s case list and `--kernels`' choice of kernel family.
final class TinyCheckAndKernelChoiceTests: XCTestCase {
    /// The op names (`BackendCheckCase.op`) of the full check: awkward shapes, every preset's layers, augmentation.
    private func fullCheckOps() throws -> Set<String> {
        var ops = Set(BackendCheckCases.awkward().map(\.op))
        for name in Architecture.presetNames {
            let resolved = try Architecture.load(nameOrPath: name).resolved(classes: 1)
            ops.formUnion(BackendCheckCases.all(architecture: resolved, batch: 4).map(\.op))
        }
        return ops
    }

    func testTinyRunsEveryOpOfTheFullCheck() throws {
        let tiny = Set(BackendCheckCases.tiny().map(\.op))
        let missing = try fullCheckOps().subtracting(tiny)
        XCTAssertTrue(missing.isEmpty, "ops of the full check missing from --tiny: \(missing.sorted())")
    }

    /// Small enough for a simulator: under 0.1 MFLOP per convolution, and far less work than the awkward shapes.
    func testTinyShapesAreSmall() {
        let tiny = BackendCheckCases.tiny(), awkward = BackendCheckCases.awkward()
        for c in tiny { XCTAssertLessThan(c.flop, 1e5, "\(c.op) [\(c.shape)]: \(c.flop) FLOP") }
        let tinyFlop = tiny.reduce(0) { $0 + $1.flop }, awkwardFlop = awkward.reduce(0) { $0 + $1.flop }
        XCTAssertLessThan(tinyFlop, awkwardFlop / 10, "tiny \(tinyFlop) FLOP against awkward \(awkwardFlop)")
    }

    /// The tiny cases cross the tiled kernels' 64-wide GEMM tiles in every dimension and fill one exactly.
    func testTinyConvolutionsReachTheTileEdges() {
        let shapes = BackendCheckCases.tinyConvShapes
        XCTAssertTrue(shapes.contains { $0.outChannels > 64 }, "no forward/weight-gradient M > 64")
        XCTAssertTrue(shapes.contains { $0.input.c > 64 }, "no backward-data M > 64")
        XCTAssertTrue(shapes.contains { $0.outChannels == 64 }, "no exactly filled tile")
        XCTAssertTrue(shapes.contains { $0.output.n * $0.output.h * $0.output.w > 64 }, "no split weight gradient / N > 64")
        XCTAssertTrue(shapes.contains { $0.kernelW == 7 && $0.output.w > 16 }, "no 7-wide kernel over two CPU x blocks")
        XCTAssertTrue(shapes.contains { $0.padding.top > $0.kernelH - 1 }, "no padding wider than the kernel")
    }

    func testKernelChoiceParsesAndRefusesTheReferencePath() throws {
        XCTAssertEqual(KernelVariantChoice.allCases.map(\.rawValue), ["auto", "tiled", "cpu"])
        XCTAssertNil(KernelVariantChoice.auto.variant)
        XCTAssertEqual(KernelVariantChoice.tiled.variant, .tiled)
        XCTAssertEqual(KernelVariantChoice.cpu.variant, .cpu)
        XCTAssertNoThrow(try KernelVariantChoice.tiled.check(with: .gpu))
        XCTAssertNoThrow(try KernelVariantChoice.auto.check(with: .cpu))
        XCTAssertThrowsError(try KernelVariantChoice.cpu.check(with: .cpu)) { error in
            XCTAssertTrue("\(error)".hasPrefix("--kernels cpu needs an OpenCL device"), "\(error)")
        }
    }

    /// Both variants forced on whatever device the tests have, each running every tiny case within tolerance.
    func testTinyCasesPassInBothForcedVariants() throws {
        let device = try OpenCLTestBackend.shared().device
        let reference = ReferenceBackend()
        XCTAssertEqual(KernelVariantChoice.auto.config(for: device), OpenCLKernelConfig.forDevice(device))
        for choice in [KernelVariantChoice.tiled, .cpu] {
            let backend = try OpenCLBackend(device: device, config: choice.config(for: device))
            XCTAssertEqual(backend.config.variant, choice.variant)
            for row in try BackendCheck.run(BackendCheckCases.tiny(), device: backend, reference: reference) {
                XCTAssertTrue(row.passed, "--kernels \(choice): \(BackendCheck.line(row))")
            }
        }
    }
}
