import Foundation
import XCTest

/// `gcnn tune` as a user runs it, with a private cache folder: the winners are saved, `gcnn devices` and
/// `gcnn check` report the device as tuned, and a second `tune` does no search. A tiny network and a zero
/// budget (only the defaults are measured) keep it quick.
final class TuneCLITests: XCTestCase {
    private func run(_ arguments: [String], cache: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try GCNNProcess(arguments, environment: ["XDG_CACHE_HOME": cache.path])
        XCTAssertTrue(p.wait(seconds: 600), "gcnn \(arguments.joined(separator: " ")) did not finish")
        return (p.process.terminationStatus, p.stdout, p.stderr)
    }

    func testTuneSavesWinnersThatDevicesAndCheckReportAndASecondTuneReuses() throws {
        guard try OpenCLRequirement.available() else { throw XCTSkip(OpenCLRequirement.skipMessage) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-tune-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("tiny.json")
        try #"{"name": "tiny", "input": [12, 21], "layers": [{"type": "conv2d", "filters": 5, "kernel": 3, "activation": "relu"}, {"type": "maxpool", "size": 2}, {"type": "conv2d", "filters": 6, "kernel": 3, "activation": "relu"}, {"type": "dense"}]}"#
            .write(to: spec, atomically: true, encoding: .utf8)
        let before = try run(["devices"], cache: dir)
        XCTAssertEqual(before.status, 0, before.stderr)
        XCTAssertTrue(before.stdout.contains("tuned               no (built-in defaults"), before.stdout)

        let tune = ["tune", "--device", "opencl", "--arch", spec.path, "--budget", "0", "--batch-size", "4", "--repeats", "1"]
        let first = try run(tune, cache: dir)
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("(defaults)"), first.stdout)
        XCTAssertTrue(first.stdout.contains("budget spent"), first.stdout)
        XCTAssertTrue(first.stdout.contains("searched "), first.stdout)
        let saved = try XCTUnwrap(first.stdout.split(separator: "\n").first { $0.hasPrefix("saved: ") })
        let file = String(saved.dropFirst("saved: ".count))
        XCTAssertTrue(file.hasPrefix(dir.path + "/gcnn/kernel-tuning/"), file)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        XCTAssertEqual(json["architecture"] as? String, "tiny")

        let second = try run(tune, cache: dir)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("already tuned"), second.stdout)
        XCTAssertFalse(second.stdout.contains("(defaults)"), second.stdout)

        let after = try run(["devices"], cache: dir)
        XCTAssertTrue(after.stdout.contains("tuned               yes, ") && after.stdout.contains("tiny's shapes, batch 4"), after.stdout)
        let check = try run(["check", "--device", "opencl", "--quick", "--arch", spec.path], cache: dir)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("tuned: yes, "), check.stdout)

        let cpu = try run(["tune", "--device", "cpu"], cache: dir)
        XCTAssertEqual(cpu.status, 1)
        XCTAssertTrue(cpu.stderr.contains("nothing to tune"), cpu.stderr)
    }
}
