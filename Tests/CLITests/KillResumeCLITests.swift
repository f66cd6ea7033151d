import Foundation
import Training
import XCTest

/// Kill and resume on the real binary: a training run is killed with SIGKILL at seeded random moments
/// (start-up, batches, validation, file writes) and inside the checkpoint writes of its last epoch (held
/// open by `GCNN_TEST_PAUSE_BEFORE_RENAME`), resumed with `--resume` after every kill, and must end with
/// the same checkpoint bytes and metrics as an uninterrupted run; after every kill everything on disk loads.
final class KillResumeCLITests: XCTestCase {
    /// 8 training / 4 validation clips of 0.25 s, 4 batches of 2 an epoch, 2 epochs: about 2 s a run.
    private func arguments(_ device: String, out: URL, epochs: Int = 2) -> [String] {
        ["train", "--device", device, "--task", "metal-jazz", "--synthetic-tracks", "3", "--clip-seconds", "0.25",
         "--clips-per-track", "2", "--batch-size", "2", "--epochs", String(epochs), "--out", out.path]
    }

    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// SplitMix64: the kill moments, reproducible from the test's seed.
    private struct Moments {
        var state: UInt64
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    private func finish(_ run: GCNNProcess) {
        XCTAssertTrue(run.wait(seconds: 300), "gcnn train did not finish")
        XCTAssertEqual(run.process.terminationStatus, 0, run.stderr)
    }

    private func killAndResume(device: String, seed: UInt64, randomKills: Int) throws {
        let dir = try tempDir()
        let straight = dir.appendingPathComponent("straight"), killed = dir.appendingPathComponent("killed"),
            windows = dir.appendingPathComponent("windows")

        // The uninterrupted run (it also fills the feature cache), then one epoch of another run, timed.
        finish(try GCNNProcess(arguments(device, out: straight)))
        let epochSeconds = try String(contentsOf: straight.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["seconds"] as? Double }.reduce(0, +) / 2
        let begin = Date()
        finish(try GCNNProcess(arguments(device, out: windows, epochs: 1)))
        let startup = max(0.1, Date().timeIntervalSince(begin) - epochSeconds)

        // Seeded random kills, each at a fraction of the time the resumed run still needs, so that it lands
        // anywhere from start-up to the last file write. A run that finishes first (the timings above are of
        // runs of about 2 s, and the machine had a fast moment) must have succeeded; its folder is removed and
        // the kills start over on a fresh one, with delays half as long.
        var moments = Moments(state: seed)
        var kills = 0, launches = 0, scale = 1.0, resume = false
        while kills < randomKills && launches < 4 * randomKills {
            launches += 1
            let done = try RunFolderChecks.assertLoads(killed)
            let delay = scale * (0.05 + 0.9 * moments.unit()) * (startup + Double(2 - done) * epochSeconds)
            let run = try GCNNProcess(arguments(device, out: killed) + (resume ? ["--resume"] : []))
            // It may also end on its own between the wait and the signal.
            if run.wait(seconds: delay) || run.signal(SIGKILL) != SIGKILL {
                XCTAssertEqual(run.process.terminationStatus, 0, run.stderr)
                try FileManager.default.removeItem(at: killed)
                resume = false
                scale /= 2
                continue
            }
            kills += 1
            resume = true
            try RunFolderChecks.assertLoads(killed)
        }
        XCTAssertEqual(kills, randomKills, "every seeded kill lands before the run ends (\(launches) launches)")
        finish(try GCNNProcess(arguments(device, out: killed) + ["--resume"]))
        try RunFolderChecks.assertSameRun(killed, straight)

        // Kills inside each checkpoint write of the last epoch: the temporary file complete, the rename not
        // yet done. The file being replaced stays as it was and the state still says epoch 1.
        for fileName in ["model.safetensors", TrainingState.fileName] {
            let before = try RunFolderChecks.snapshot(windows)
            let run = try GCNNProcess(arguments(device, out: windows) + ["--resume"],
                                      environment: ["GCNN_TEST_PAUSE_BEFORE_RENAME": fileName])
            let prefix = ".\(fileName).tmp-"
            XCTAssertTrue(run.waitUntil { RunFolderChecks.temporaryFiles(windows).contains { $0.hasPrefix(prefix) } },
                          "the write of \(fileName) never reached its rename: \(run.stderr)")
            XCTAssertEqual(run.signal(SIGKILL), SIGKILL)
            kills += 1
            XCTAssertEqual(try RunFolderChecks.assertLoads(windows), 1, "the state still says epoch 1")
            XCTAssertEqual(try Data(contentsOf: windows.appendingPathComponent(fileName)), before[fileName], fileName)
        }
        let last = try GCNNProcess(arguments(device, out: windows) + ["--resume"])
        finish(last)
        XCTAssertTrue(last.stderr.contains("resuming \(windows.path) after epoch 1"), last.stderr)
        try RunFolderChecks.assertSameRun(windows, straight)
        print("kill-and-resume on \(device): \(kills) kills survived (\(kills - 2) at seeded moments, 2 inside checkpoint writes)")
    }

    func testKilledRunsResumeToTheUninterruptedResultOnReferencePath() throws {
        try killAndResume(device: "cpu", seed: 6, randomKills: 4)
    }

    func testKilledRunsResumeToTheUninterruptedResultOnOpenCL() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        try killAndResume(device: "opencl", seed: 7, randomKills: 3)
    }
}
