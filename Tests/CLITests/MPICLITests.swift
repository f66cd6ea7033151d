import Foundation
import Model
import Training
import XCTest

/// `mpirun -np N gcnn …` on the built binary (Open MPI, `--oversubscribe` on a small machine): data-parallel
/// training against one process, resuming across rank counts, a killed or failing rank, distributed and
/// sharded sweeps. Skipped without `mpirun` unless `GCNN_REQUIRE_MPI=1` (CI), where that is a failure.
final class MPICLITests: XCTestCase {
    /// Every parameter of N ranks within this of one process after the runs below (two epochs, 14 Adam steps
    /// at lr 10⁻³): float rounding of batch statistics and of gradients summed in another order only.
    static let tolerance: Float = 2e-5

    private static let mpirun: URL? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    private func requireMPI() throws -> URL {
        if let mpirun = Self.mpirun { return mpirun }
        if ProcessInfo.processInfo.environment["GCNN_REQUIRE_MPI"] == "1" {
            XCTFail("GCNN_REQUIRE_MPI=1 but no mpirun on PATH (install openmpi-bin)")
        }
        throw XCTSkip("no mpirun (install openmpi-bin); set GCNN_REQUIRE_MPI=1 to make this a failure")
    }

    private lazy var dir: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-mpi-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }()

    /// A small network with batch norm over maps and over features, for 0.5-s clips (64 × 44).
    private lazy var architecture: String = {
        let url = dir.appendingPathComponent("small.json")
        try? #"""
        {"name": "mpi-small", "input": [64, 44], "layers": [
          {"type": "conv2d", "filters": 6, "kernel": 5, "activation": "relu"}, {"type": "batchnorm", "momentum": 0.9},
          {"type": "maxpool", "size": 2},
          {"type": "conv2d", "filters": 6, "kernel": 3, "activation": "relu"}, {"type": "batchnorm"},
          {"type": "globalavgpool"}, {"type": "dense", "units": 8, "activation": "relu"}, {"type": "batchnorm"}, {"type": "dense"}]}
        """#.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }()

    /// 32 training clips in batches of 5 (the last of 2: one clip per rank).
    private func train(_ device: String, out: URL, epochs: Int, resume: Bool = false) -> [String] {
        ["train", "--device", device, "--task", "metal-jazz", "--synthetic-tracks", "6", "--clip-seconds", "0.5",
         "--clips-per-track", "4", "--batch-size", "5", "--epochs", String(epochs), "--arch", architecture, "--out", out.path]
            + (resume ? ["--resume"] : [])
    }

    /// Runs `mpirun -np ranks gcnn arguments` (or gcnn alone for `ranks` nil) to its end.
    @discardableResult
    private func run(_ ranks: Int?, _ arguments: [String], environment: [String: String] = [:], expect status: Int32 = 0,
                     file: StaticString = #filePath, line: UInt = #line) throws -> GCNNProcess {
        let process: GCNNProcess
        if let ranks {
            process = try GCNNProcess(launcher: try requireMPI(),
                                      ["--oversubscribe", "--allow-run-as-root", "-np", String(ranks), GCNNBinary.url.path] + arguments,
                                      environment: environment)
        } else {
            process = try GCNNProcess(arguments, environment: environment)
        }
        XCTAssertTrue(process.wait(seconds: 600), "timed out", file: file, line: line)
        XCTAssertEqual(process.process.terminationStatus, status, process.stderr, file: file, line: line)
        return process
    }

    private func model(_ out: URL) -> URL { out.appendingPathComponent("model.safetensors") }

    private func devices() throws -> [String] { try OpenCLRequirement.available() ? ["cpu", "opencl"] : ["cpu"] }

    func testTwoRanksTrainWhatOneProcessTrains() throws {
        _ = try requireMPI()
        for device in try devices() {
            let one = dir.appendingPathComponent("one-\(device)"), two = dir.appendingPathComponent("two-\(device)")
            try run(nil, train(device, out: one, epochs: 2))
            try run(2, train(device, out: two, epochs: 2))
            let difference = try RunFolderChecks.maxDifference(model(one), model(two))
            XCTAssertLessThanOrEqual(difference, Self.tolerance, "\(device): largest parameter difference")
            let metrics = try String(contentsOf: two.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            XCTAssertEqual(metrics.components(separatedBy: "\"ranks\":2").count - 1, 2, metrics)
            XCTAssertEqual(try RunFolderChecks.assertLoads(two), 2)
        }
    }

    func testOneRankIsOneProcessBitForBit() throws {
        _ = try requireMPI()
        let device = try devices().last!
        let plain = dir.appendingPathComponent("plain"), single = dir.appendingPathComponent("np1")
        try run(nil, train(device, out: plain, epochs: 2))
        try run(1, train(device, out: single, epochs: 2))
        try RunFolderChecks.assertSameRun(single, plain)
    }

    func testResumeAcrossRankCounts() throws {
        _ = try requireMPI()
        let straight = dir.appendingPathComponent("straight")
        try run(nil, train("cpu", out: straight, epochs: 2))
        let up = dir.appendingPathComponent("one-then-two"), down = dir.appendingPathComponent("two-then-one")
        try run(nil, train("cpu", out: up, epochs: 1))
        try run(2, train("cpu", out: up, epochs: 2, resume: true))
        try run(2, train("cpu", out: down, epochs: 1))
        try run(nil, train("cpu", out: down, epochs: 2, resume: true))
        for out in [up, down] {
            XCTAssertEqual(try RunFolderChecks.assertLoads(out), 2)
            XCTAssertLessThanOrEqual(try RunFolderChecks.maxDifference(model(out), model(straight)), Self.tolerance, out.lastPathComponent)
        }
    }

    func testAKilledRankEndsEveryRank() throws {
        let mpirun = try requireMPI()
        let out = dir.appendingPathComponent("killed")
        let job = try GCNNProcess(launcher: mpirun, ["--oversubscribe", "--allow-run-as-root", "-np", "2", GCNNBinary.url.path]
                                  + train("cpu", out: out, epochs: 200))
        let metrics = out.appendingPathComponent("metrics.jsonl")
        XCTAssertTrue(job.waitUntil(timeout: 300) { ((try? String(contentsOf: metrics, encoding: .utf8)) ?? "").contains("\"epoch\":2") },
                      job.stderr)
        let ranks = try XCTUnwrap(String(contentsOfFile: "/proc/\(job.process.processIdentifier)/task/\(job.process.processIdentifier)/children",
                                         encoding: .utf8).split(separator: " ").compactMap { Int32($0) }.last, "mpirun's ranks")
        let killed = Date()
        kill(ranks, SIGKILL)
        XCTAssertTrue(job.wait(seconds: 30), "every rank ends")
        XCTAssertLessThan(Date().timeIntervalSince(killed), 15)
        XCTAssertNotEqual(job.process.terminationStatus, 0)
        XCTAssertGreaterThanOrEqual(try RunFolderChecks.assertLoads(out), 1, "the folder keeps the last finished epoch")
    }

    func testAFailingRankEndsEveryRankWithOneLine() throws {
        let mpirun = try requireMPI()
        guard try OpenCLRequirement.available() else { throw XCTSkip(OpenCLRequirement.skipMessage) }
        let out = dir.appendingPathComponent("failing")
        let arguments = train("opencl", out: out, epochs: 2)
        // MPMD: rank 1 alone gets the fault (its 150th kernel enqueue fails, in epoch 1).
        let job = try GCNNProcess(launcher: mpirun, ["--oversubscribe", "--allow-run-as-root", "-np", "1", GCNNBinary.url.path]
                                  + arguments + [":", "-np", "1", "/usr/bin/env", "GCNN_TEST_FAIL_DISPATCH=150", GCNNBinary.url.path] + arguments)
        XCTAssertTrue(job.wait(seconds: 120))
        XCTAssertNotEqual(job.process.terminationStatus, 0)
        let errors = job.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errors.count, 1, job.stderr)
        XCTAssertTrue(errors.first?.hasPrefix("Error: rank 1 of 2: epoch 1 failed") ?? false, job.stderr)
    }

    func testStartedByALauncherWithoutOpenMPIIsOneLine() throws {
        let out = dir.appendingPathComponent("nompi")
        let environment = ["OMPI_COMM_WORLD_SIZE": "2", "GCNN_LIBMPI": "/nonexistent/libmpi.so.40"]
        let zero = try run(nil, train("cpu", out: out, epochs: 1), environment: environment.merging(["OMPI_COMM_WORLD_RANK": "0"]) { $1 },
                           expect: 1)
        let lines = zero.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, zero.stderr)
        XCTAssertTrue(lines.first?.hasPrefix("Error: gcnn was started by an MPI launcher (OMPI_COMM_WORLD_SIZE=2) but cannot use Open MPI: cannot load /nonexistent/libmpi.so.40") ?? false,
                      zero.stderr)
        let one = try run(nil, train("cpu", out: out, epochs: 1), environment: environment.merging(["OMPI_COMM_WORLD_RANK": "1"]) { $1 },
                          expect: 1)
        XCTAssertEqual(one.stderr, "", "only rank 0 says it")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing was written")
    }

    func testSweepsOverRanksAndShardsGiveOneProcessTables() throws {
        _ = try requireMPI()
        let sweep = ["experiment", "pairs", "--device", "cpu", "--synthetic-tracks", "6", "--arch", architecture, "--epochs", "1",
                     "--genres", "metal,jazz,classical"]
        // Pairs take the default 2-s clips: the spec's input follows them.
        try String(contentsOfFile: architecture, encoding: .utf8).replacingOccurrences(of: "[64, 44]", with: "[64, 173]")
            .write(toFile: architecture, atomically: true, encoding: .utf8)
        let one = dir.appendingPathComponent("sweep-one"), two = dir.appendingPathComponent("sweep-two")
        try run(nil, sweep + ["--out", one.path])
        try run(2, sweep + ["--out", two.path])
        let a = dir.appendingPathComponent("part-1"), b = dir.appendingPathComponent("part-2"), merged = dir.appendingPathComponent("merged")
        try run(nil, sweep + ["--out", a.path, "--shard", "1/2"])
        try run(nil, sweep + ["--out", b.path, "--shard", "2/2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: a.appendingPathComponent("pairs.md").path), "a part writes no tables")
        try run(nil, ["experiment", "merge", a.path, b.path, "--out", merged.path])
        for file in ["pairs.md", "pairs.csv"] {
            let expected = try String(contentsOf: one.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(try String(contentsOf: two.appendingPathComponent(file), encoding: .utf8), expected, "2 ranks: \(file)")
            XCTAssertEqual(try String(contentsOf: merged.appendingPathComponent(file), encoding: .utf8), expected, "merged: \(file)")
        }
        XCTAssertEqual(try String(contentsOf: one.appendingPathComponent("pairs.csv"), encoding: .utf8).split(separator: "\n").count, 4)
    }
}
