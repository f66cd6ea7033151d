import XCTest
@testable import Audio

final class NPYTests: XCTestCase {
    func testRoundTripAndHeaderLayout() throws {
        let path = try makeTemporaryDirectory(self).appendingPathComponent("a.npy").path
        let values = (0..<(3 * 4 * 5)).map { Float($0) * 0.25 - 3 }
        try NPY.write(values, shape: [3, 4, 5], to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "header must pad to a multiple of 64 bytes")
        XCTAssertEqual(data[10 + headerLength - 1], 0x0A)
        XCTAssertEqual(data.count, 10 + headerLength + values.count * 4)
        XCTAssertEqual(try NPY.read(path), NPYArray(shape: [3, 4, 5], values: values))
        for shape in [[60], [], [0, 64, 173]] {
            let v = [Float](repeating: 1.5, count: shape.reduce(1, *))
            try NPY.write(v, shape: shape, to: path)
            XCTAssertEqual(try NPY.read(path).shape, shape)
        }
    }

    /// Arrays saved by numpy (the fixtures) are read.
    func testReadsNumpyFiles() throws {
        let a = try NPY.read(Fixtures.path("mel_basis.npy"))
        XCTAssertEqual(a.shape, [64, 257])
        XCTAssertEqual(try NPY.read(Fixtures.path("multitone_onset.clips.npy")).shape, [2, 64, 173])
    }

    func header(_ dict: String, version: UInt8 = 1) -> Data {
        var d = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        var text = Array(dict.utf8)
        let total = (10 + text.count + 1 + 63) / 64 * 64
        text += [UInt8](repeating: 0x20, count: total - 10 - text.count - 1) + [0x0A]
        d += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        return d + Data(text)
    }

    func expectMalformed(_ data: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line,
                         check: (NPYError) -> Bool = { if case .malformedHeader = $0 { return true }; return false }) {
        XCTAssertThrowsError(try NPY.decode(data, path: "x.npy"), what, file: file, line: line) { error in
            guard let e = error as? NPYError else { return XCTFail("untyped \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "\(what): \(e)", file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix("x.npy: "), file: file, line: line)
        }
    }

    func testRejectsMalformedFiles() {
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        XCTAssertEqual(try NPY.decode(header(ok) + Data(count: 8)).shape, [2])
        expectMalformed(Data(), "empty")
        expectMalformed(Data("PK\u{3}\u{4}not numpy".utf8), "wrong magic")
        expectMalformed(header(ok).prefix(30), "truncated header")
        expectMalformed(header(ok, version: 9) + Data(count: 8), "unknown version")
        expectMalformed(header("{'descr': '<f4', 'shape': (2,), }") + Data(count: 8), "missing key")
        expectMalformed(header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }") + Data(count: 8), "bad bool")
        expectMalformed(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }") + Data(count: 8), "bad shape")
        expectMalformed(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }") + Data(count: 8), "negative dim")
        expectMalformed(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}") + Data(count: 8), "extra key")
        expectMalformed(header("['descr']") + Data(count: 8), "not a dict")
        expectMalformed(header("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"),
                        "overflowing shape")
        expectMalformed(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }") + Data(count: 16), "float64") {
            if case let .unsupportedType(_, d) = $0 { return d == "<f8" }; return false
        }
        expectMalformed(header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }") + Data(count: 8), "big-endian") {
            if case .unsupportedType = $0 { return true }; return false
        }
        expectMalformed(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }") + Data(count: 16), "Fortran") {
            if case .fortranOrder = $0 { return true }; return false
        }
        expectMalformed(header(ok) + Data(count: 7), "short data") {
            if case let .sizeMismatch(_, _, e, a) = $0 { return e == 8 && a == 7 }; return false
        }
        expectMalformed(header(ok) + Data(count: 12), "trailing data") {
            if case .sizeMismatch = $0 { return true }; return false
        }
    }

    func testMissingFileAndDirectory() throws {
        XCTAssertThrowsError(try NPY.read("/nonexistent/a.npy")) { XCTAssertTrue("\($0)".contains("no such file")) }
        let dir = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try NPY.read(dir.path)) { XCTAssertTrue("\($0)".contains("directory")) }
    }
}
