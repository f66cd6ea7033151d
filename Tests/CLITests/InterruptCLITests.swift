import Foundation
import Training
import XCTest

/// Ctrl-C on the real binary: SIGINT during an epoch finishes the batch in flight, writes a checkpoint
/// inside the epoch, exits 130 with one line giving the exact command to resume; that command ends
/// where an uninterrupted run ends.
final class InterruptCLITests: XCTestCase {
    /// 8 training clips of 0.25 s in batches of 1: 8 batches an epoch, 2 epochs.
    private func arguments(_ device: String, out: URL) -> [String] {
        ["train", "--device", device, "--task", "metal-jazz", "--synthetic-tracks", "3", "--clip-seconds", "0.25",
         "--clips-per-track", "2", "--batch-size", "1", "--epochs", "2", "--out", out.path, "--json"]
    }

    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-int-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func interruptAndResume(device: String) throws {
        let dir = try tempDir()
        let straight = dir.appendingPathComponent("straight"), stopped = dir.appendingPathComponent("stopped")
        let reference = try GCNNProcess(arguments(device, out: straight))
        XCTAssertTrue(reference.wait(seconds: 300))
        XCTAssertEqual(reference.process.terminationStatus, 0, reference.stderr)

        // Ctrl-C in epoch 2 while the run is held after its batch 3 (`GCNN_TEST_HOLD_AFTER_BATCH`, a test hook),
        // so that the stop lands inside the epoch however fast the device is.
        let run = try GCNNProcess(arguments(device, out: stopped), environment: ["GCNN_TEST_HOLD_AFTER_BATCH": "2:3"])
        XCTAssertTrue(run.waitUntil { run.stderr.contains("test hook: holding in epoch 2 after batch 3") }, run.stderr)
        XCTAssertEqual(run.signal(SIGINT), 130, run.stderr)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("interrupt: finishing the current batch") }, run.stderr)
        let message = try XCTUnwrap(lines.last)
        XCTAssertTrue(message.hasPrefix("interrupted in epoch 2 after batch "), message)
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 1, "epoch 2 did not finish")

        // The checkpoint holds the finished epoch and the stopped one's batches.
        let state = try TrainingState.read(stopped.appendingPathComponent(TrainingState.fileName))
        XCTAssertEqual(state.epochsDone, 1)
        let partial = try XCTUnwrap(state.partial, "a checkpoint inside epoch 2")
        XCTAssertEqual(partial.batchesDone, 3, "the stop lands after the batch in flight")
        XCTAssertTrue(message.contains("after batch \(partial.batchesDone)/8"), message)
        XCTAssertEqual(partial.losses.count, partial.batchesDone)
        try RunFolderChecks.assertLoads(stopped)

        // The printed command, run as printed (through a shell), finishes the run exactly.
        let command = try XCTUnwrap(message.components(separatedBy: "resume with: ").last)
        XCTAssertTrue(command.hasPrefix(GCNNBinary.url.path + " train ") && command.hasSuffix(" --resume"), command)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command + " >/dev/null 2>&1"]
        shell.environment = ProcessInfo.processInfo.environment.merging(["XDG_CACHE_HOME": GCNNBinary.cache.path]) { $1 }
        try shell.run()
        shell.waitUntilExit()
        XCTAssertEqual(shell.terminationStatus, 0, command)
        try RunFolderChecks.assertSameRun(stopped, straight)
        print("SIGINT on \(device): stopped in epoch 2 after batch \(partial.batchesDone)/8; resumed run equals the uninterrupted one")
    }

    func testCtrlCWritesACheckpointInsideTheEpochAndResumesExactlyOnReferencePath() throws {
        try interruptAndResume(device: "cpu")
    }

    func testCtrlCWritesACheckpointInsideTheEpochAndResumesExactlyOnOpenCL() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        try interruptAndResume(device: "opencl")
    }

    /// A second Ctrl-C quits at once, also with 130, even where the first cannot be honoured yet: here the
    /// process is held inside its first checkpoint write (`GCNN_TEST_PAUSE_BEFORE_RENAME`, a test hook).
    /// The folder keeps what was complete.
    func testSecondCtrlCQuitsAtOnce() throws {
        let out = try tempDir().appendingPathComponent("run")
        let run = try GCNNProcess(arguments("cpu", out: out), environment: ["GCNN_TEST_PAUSE_BEFORE_RENAME": "model.safetensors"])
        XCTAssertTrue(run.waitUntil { RunFolderChecks.temporaryFiles(out).contains { $0.hasPrefix(".model.safetensors.tmp-") } }, run.stderr)
        kill(run.process.processIdentifier, SIGINT)
        XCTAssertTrue(run.waitUntil(timeout: 10) { run.stderr.contains("interrupt: finishing the current batch") }, run.stderr)
        XCTAssertTrue(run.process.isRunning, "the first Ctrl-C waits for the write")
        let start = Date()
        XCTAssertEqual(run.signal(SIGINT), 130, run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "quit at once, not after the 60-s hold")
        XCTAssertTrue(run.stderr.contains("interrupted again: quitting now"), run.stderr)
        XCTAssertEqual(try RunFolderChecks.assertLoads(out), 0)
    }
}
