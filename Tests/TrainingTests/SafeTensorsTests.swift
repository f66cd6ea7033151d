import Foundation
import Model
import XCTest

final class SafeTensorsTests: XCTestCase {
    private let tensors = [SafeTensor(name: "a", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
                           SafeTensor(name: "n", shape: [], int64s: [42])]

    func testRoundTripIsExactAndHeaderAligned() throws {
        let bytes = SafeTensors.encode(tensors, metadata: ["format": "pt", "x": "q\"uote"])
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual(headerLength % 8, 0)
        let (back, metadata) = try SafeTensors.decode(bytes, path: "t")
        XCTAssertEqual(back, tensors)
        XCTAssertEqual(metadata, ["format": "pt", "x": "q\"uote"])
        XCTAssertEqual(back[0].floats, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(back[1].int64s, [42])
    }

    private func header(_ json: String, data: Int) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { out += $0 }
        return out + Array(json.utf8) + Array(repeating: 0, count: data)
    }

    func testMaliciousHeadersAreRejectedWithAReason() {
        let cases: [(String, [UInt8])] = [
            ("too short", [1, 2, 3]),
            ("huge header length", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f] + Array(repeating: 0, count: 16)),
            ("header past end", [64, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8)),
            ("not JSON", header("{nope", data: 0)),
            ("unknown dtype", header(#"{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}"#, data: 4)),
            ("offsets past data", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#, data: 4)),
            ("shape/bytes mismatch", header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: 4)),
            ("overlap", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 4)),
            ("gap", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: 8)),
            ("trailing bytes", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 12)),
            ("negative dimension", header(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: 4)),
            ("overflowing shape", header(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: 4)),
            ("fractional offset", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}}"#, data: 4)),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(bytes, path: "evil.safetensors"), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("evil.safetensors:"), "\(name): \(text)")
            }
        }
    }

    func testModelCheckpointRefusesWrongArchitectureShapesAndDtypes() throws {
        var rng = RandomGenerator(seed: 1)
        let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 4)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.safetensors")
        try ModelCheckpoint.write(parameters, config: config, labels: ["x", "y"], to: good)
        let loaded = try ModelCheckpoint.read(good)
        XCTAssertEqual(loaded.parameters, parameters)
        XCTAssertEqual(loaded.config.inputHeight, 16)

        var bad = ModelCheckpoint.tensors(parameters)
        bad[0] = SafeTensor(name: "conv1.weight", shape: [4, 1, 5, 5], int64s: Array(repeating: 0, count: 100))
        let dtypeURL = dir.appendingPathComponent("dtype.safetensors")
        try SafeTensors.write(bad, metadata: ["input_height": "16", "input_width": "21"], to: dtypeURL)
        XCTAssertThrowsError(try ModelCheckpoint.read(dtypeURL)) { XCTAssertTrue("\($0)".contains("conv1.weight"), "\($0)") }

        var extra = ModelCheckpoint.tensors(parameters)
        extra.append(SafeTensor(name: "evil", shape: [1], floats: [0]))
        let extraURL = dir.appendingPathComponent("extra.safetensors")
        try SafeTensors.write(extra, metadata: ["input_height": "16", "input_width": "21"], to: extraURL)
        XCTAssertThrowsError(try ModelCheckpoint.read(extraURL)) { XCTAssertTrue("\($0)".contains("evil"), "\($0)") }

        var missing = ModelCheckpoint.tensors(parameters)
        missing.removeAll { $0.name == "bn1.running_var" }
        let missingURL = dir.appendingPathComponent("missing.safetensors")
        try SafeTensors.write(missing, metadata: ["input_height": "16", "input_width": "21"], to: missingURL)
        XCTAssertThrowsError(try ModelCheckpoint.read(missingURL)) { XCTAssertTrue("\($0)".contains("bn1.running_var"), "\($0)") }
    }
}
