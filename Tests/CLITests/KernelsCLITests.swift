import Foundation
import XCTest

/// `--kernels auto|tiled|cpu` and `gcnn check --tiny` as a user runs them.
final class KernelsCLITests: XCTestCase {
    func testCheckTinyPassesWithEitherForcedVariant() throws {
        guard try OpenCLRequirement.available() else { throw XCTSkip(OpenCLRequirement.skipMessage) }
        for variant in ["tiled", "cpu"] {
            let r = try GCNNBinary.run(["check", "--device", "opencl", "--tiny", "--kernels", variant])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("; kernels: \(variant): "), r.stdout)
            let count = caseCount(r.stdout)
            XCTAssertNotNil(count, r.stdout)
            XCTAssertTrue(r.stdout.contains("\(count ?? 0) of \(count ?? 0) checks passed."), r.stdout)
        }
    }

    func testBenchForcesTheVariant() throws {
        guard try OpenCLRequirement.available() else { throw XCTSkip(OpenCLRequirement.skipMessage) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-kernels-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("mini.json")
        try #"{"name": "mini", "input": [8, 12], "layers": [{"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu"}, {"type": "maxpool", "size": 2}, {"type": "dense"}]}"#
            .write(to: spec, atomically: true, encoding: .utf8)
        for variant in ["tiled", "cpu"] {
            let r = try GCNNBinary.run(["bench", "epoch", "--device", "opencl", "--kernels", variant, "--arch", spec.path,
                                        "--train-clips", "64", "--val-clips", "32", "--epochs", "1", "--warmup", "0", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains(#""kernels":"\#(variant): "#), r.stdout)
        }
    }

    func testForcingKernelsOnTheReferencePathFailsInOneLine() throws {
        for arguments in [["check", "--device", "cpu", "--kernels", "tiled"],
                          ["bench", "epoch", "--device", "cpu", "--kernels", "cpu"],
                          ["train", "--task", "metal-jazz", "--device", "cpu", "--kernels", "tiled", "--out",
                           FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-kernels-\(UUID().uuidString)").path]] {
            let r = try GCNNBinary.run(arguments)
            XCTAssertNotEqual(r.status, 0, arguments.joined(separator: " "))
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("needs an OpenCL device, but --device cpu is the reference path"), r.stderr)
        }
    }

    func testBadValuesAndCombinationsFailWhileParsing() throws {
        let bad = try GCNNBinary.run(["check", "--kernels", "gpu"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("auto") && bad.stderr.contains("tiled") && bad.stderr.contains("cpu"), bad.stderr)
        let both = try GCNNBinary.run(["check", "--tiny", "--quick"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--tiny and --quick are exclusive"), both.stderr)
        for command in [["check"], ["train"], ["bench", "epoch"]] {
            let help = try GCNNBinary.run(command + ["--help"])
            XCTAssertTrue(help.stdout.contains("--kernels") && help.stdout.contains("auto"), help.stdout)
        }
    }

    /// The case count `gcnn check` prints in its title ("tiny shapes (N cases)").
    private func caseCount(_ stdout: String) -> Int? {
        guard let range = stdout.range(of: #"tiny shapes \((\d+) cases\)"#, options: .regularExpression) else { return nil }
        return Int(stdout[range].filter(\.isNumber))
    }
}
