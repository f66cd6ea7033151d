import Foundation
import Model
import XCTest

/// Philox4x32-10 against the Random123 known answers, and the dropout mask against the one numpy draws
/// (`scripts/gcnn_philox.py` wrote `Fixtures/dropout_mask.json`).
final class PhiloxTests: XCTestCase {
    func testRandom123KnownAnswers() {
        // Random123's kat_vectors, "philox4x32 10": counter, key → output.
        let vectors: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), [UInt32])] = [
            ((0, 0, 0, 0), (0, 0), [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8]),
            ((.max, .max, .max, .max), (.max, .max), [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD]),
            ((0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
             [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1]),
        ]
        for (counter, key, expected) in vectors {
            let out = Philox4x32.block(counter: counter, key: key)
            XCTAssertEqual([out.0, out.1, out.2, out.3], expected)
        }
    }

    private struct MaskFixture: Decodable {
        struct Case: Decodable { let seed: String, layer: UInt32, step: String, count: Int, rate: Float, keep: String }
        let cases: [Case]
    }

    static func maskFixture() throws -> [(key: DropoutKey, count: Int, rate: Float, keep: [Bool])] {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError("the ModelTests bundle has no Fixtures directory")
        }
        let url = directory.appendingPathComponent("dropout_mask.json")
        let fixture = try JSONDecoder().decode(MaskFixture.self, from: Data(contentsOf: url))
        return fixture.cases.map {
            (DropoutKey(seed: UInt64($0.seed)!, layer: $0.layer, step: UInt64($0.step)!), $0.count, $0.rate,
             $0.keep.map { $0 == "1" })
        }
    }

    func testMaskMatchesNumpy() throws {
        let cases = try Self.maskFixture()
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            XCTAssertEqual(c.keep.count, c.count)
            let keep = (0..<c.count).map { DropoutMask.keep($0, rate: c.rate, key: c.key) }
            XCTAssertEqual(keep, c.keep, "\(c.key) rate \(c.rate)")
        }
    }

    /// The reference op applies the mask with the float32 scale, and about `rate` of a long vector is dropped.
    func testReferenceDropoutAppliesTheMask() throws {
        let backend = ReferenceBackend()
        let count = 20_000, rate: Float = 0.3, key = DropoutKey(seed: 99, layer: 1, step: 5)
        let x = try backend.makeBuffer([Float](repeating: 2, count: count), label: "x")
        let y = try backend.makeBuffer(count: count, label: "y")
        try backend.dropoutForward(input: x, output: y, count: count, rate: rate, key: key)
        let values = try backend.read(y, offset: 0, count: count)
        for (i, v) in values.enumerated() {
            XCTAssertEqual(v, DropoutMask.keep(i, rate: rate, key: key) ? 2 * (Float(1) / (Float(1) - rate)) : 0)
        }
        let dropped = Double(values.filter { $0 == 0 }.count) / Double(count)
        XCTAssertEqual(dropped, 0.3, accuracy: 0.02)
        // Another step, layer or seed draws another mask.
        for other in [DropoutKey(seed: 99, layer: 1, step: 6), DropoutKey(seed: 99, layer: 2, step: 5),
                      DropoutKey(seed: 98, layer: 1, step: 5)] {
            let z = try backend.makeBuffer(count: count, label: "z")
            try backend.dropoutForward(input: x, output: z, count: count, rate: rate, key: other)
            XCTAssertNotEqual(try backend.read(z, offset: 0, count: count), values)
        }
        // Rate 0 keeps everything unscaled; rate 1 drops everything.
        try backend.dropoutForward(input: x, output: y, count: count, rate: 0, key: key)
        XCTAssertEqual(try backend.read(y, offset: 0, count: count), [Float](repeating: 2, count: count))
        try backend.dropoutForward(input: x, output: y, count: count, rate: 1, key: key)
        XCTAssertEqual(try backend.read(y, offset: 0, count: count), [Float](repeating: 0, count: count))
    }
}
