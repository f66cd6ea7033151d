import Model
import XCTest

final class BackendCheckTests: XCTestCase {
    func testCompareIsRelativeToTheLargerOfElementAndRMS() {
        // RMS of the reference is 1; the 1e-3-sized element is judged against 1, the 2.0 against itself.
        let reference: [Float] = [0.001, 2, 0, -1, 0.5, 0.7]
        let rms = (reference.reduce(0.0) { $0 + Double($1) * Double($1) } / 6).squareRoot()
        var device = reference
        device[0] += 1e-5
        device[1] += 4e-5
        let e0 = Double(device[0]) - Double(reference[0]), e1 = Double(device[1]) - Double(reference[1])
        let (abs, rel) = BackendCheck.compare(device, reference)
        XCTAssertEqual(abs, max(e0, e1))
        XCTAssertEqual(rel, max(e0 / rms, e1 / 2), accuracy: 1e-12)
        XCTAssertLessThan(rel, e0 / 0.001, "the small element is not judged against itself")
    }

    func testNaNAndLengthMismatchFail() {
        XCTAssertEqual(BackendCheck.compare([1, .nan], [1, 2]).rel, .infinity)
        XCTAssertEqual(BackendCheck.compare([1], [1, 2]).rel, .infinity)
        XCTAssertEqual(BackendCheck.compare([0, 0], [0, 0]).rel, 0)
    }

    /// Reference against reference: identical results, every row passes (what `gcnn check --device cpu` shows).
    func testReferenceAgainstItselfPasses() throws {
        for testCase in BackendCheckCases.awkward() {
            let row = try BackendCheck.run(testCase, device: ReferenceBackend(), reference: ReferenceBackend())
            XCTAssertEqual(row.maxAbsError, 0, "\(row.op)")
            XCTAssertTrue(row.passed && row.deterministic, "\(row.op)")
        }
    }

    func testTableLineShowsTheVerdict() {
        let row = BackendCheckRow(op: "conv2d forward", shape: "1×1×5×5 → 1×1×1×1 k5", maxAbsError: 1, maxRelError: 0.5,
                                  deviceMilliseconds: 1, referenceMilliseconds: 2, tolerance: 1e-4, deterministic: true)
        XCTAssertFalse(row.passed)
        XCTAssertTrue(BackendCheck.line(row).hasSuffix("FAIL"))
        XCTAssertTrue(BackendCheck.line(row).hasPrefix("conv2d forward"))
    }
}
