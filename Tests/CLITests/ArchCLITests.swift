import Foundation
@testable import CLI
import Model
import XCTest

/// `gcnn arch list` and `gcnn arch show` as a user runs them, and a bad architecture file.
final class ArchCLITests: XCTestCase {
    func testListShowsEveryPresetWithItsCost() throws {
        let r = try GCNNBinary.run(["arch", "list"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stdout)
        XCTAssertTrue(lines[0].hasPrefix("preset"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("paper ") && lines[1].contains("137 537") && lines[1].contains("461 MFLOP"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("fcn "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("short-chunk "), lines[3])
    }

    func testShowPrintsEachLayerAndTheTotals() throws {
        let r = try GCNNBinary.run(["arch", "show", "paper"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("paper: input 1×64×173, head of 1 output (sigmoid + BCE)\n"), r.stdout)
        for expected in ["64×60×169", "64×30×84", "64×26×80", "64×13×40", "dense fc (head)", "137 537 parameters, 461 MFLOP per clip"] {
            XCTAssertTrue(r.stdout.contains(expected), "\(expected) missing:\n\(r.stdout)")
        }
        let ten = try GCNNBinary.run(["arch", "show", "paper", "--classes", "10", "--tensors"])
        XCTAssertEqual(ten.status, 0, ten.stderr)
        XCTAssertTrue(ten.stdout.contains("fc.weight") && ten.stdout.contains("10×33280"), ten.stdout)
        XCTAssertTrue(ten.stdout.contains("437 066 parameters"), ten.stdout)
        let json = try GCNNBinary.run(["arch", "show", "short-chunk", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    }

    func testBadSpecFileFailsWithOneLineNamingFileAndLayer() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-arch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mine.json")
        try #"{"input": [64, 173], "layers": [{"type": "conv2d", "filters": 8, "kernel": 3}, {"type": "dropout", "rate": 1.5}, {"type": "dense"}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let r = try GCNNBinary.run(["arch", "show", file.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "Error: \(file.path): layer 2 (dropout): \"rate\" 1.5 must be in [0, 1) (the share of inputs dropped while training), e.g. 0.5\n")

        let missing = try GCNNBinary.run(["arch", "show", "vgg"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("vgg: neither a preset (paper, fcn, short-chunk)"), missing.stderr)
    }

    func testHelpListsThePresets() throws {
        let r = try GCNNBinary.run(["arch", "show", "--help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("paper") && r.stdout.contains("short-chunk"), r.stdout)
    }
}

/// `--arch` as the commands that build a network take it (`ArchitectureOptions`), parsed in-process.
final class ArchitectureOptionsTests: XCTestCase {
    func testArchLoadsWhileParsingAndABadOneFailsThere() throws {
        XCTAssertEqual(try ArchitectureOptions.parse([]).architecture, .paper)
        XCTAssertEqual(try ArchitectureOptions.parse(["--arch", "short-chunk"]).architecture.name, "short-chunk")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-arch-opt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.json")
        try #"{"input": [64, 173], "layers": [{"type": "conv2d", "filters": 8, "kernel": 9}, {"type": "dense"}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ArchitectureOptions.parse(["--arch", file.path])) { error in
            XCTAssertEqual(ArchitectureOptions.message(for: error),
                           "\(file.path): layer 1 (conv2d conv1): \"kernel\" 9 is outside 1…7; use a kernel of 1 to 7 per side")
        }
        XCTAssertThrowsError(try ArchitectureOptions.parse(["--arch", "vgg"])) { error in
            XCTAssertTrue(ArchitectureOptions.message(for: error).hasPrefix("vgg: neither a preset (paper, fcn, short-chunk)"))
        }
        XCTAssertTrue(ArchitectureOptions.helpMessage().contains("paper, fcn, short-chunk"), ArchitectureOptions.helpMessage())
    }
}
