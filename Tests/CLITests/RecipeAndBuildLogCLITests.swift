import Foundation
import XCTest

/// `--mel-recipe` end to end, `gcnn features` on a plain folder of audio files, and kernel build logs kept off
/// the console.
final class RecipeAndBuildLogCLITests: XCTestCase {
    private let tiny = ["--synthetic-tracks", "3", "--clip-seconds", "0.5", "--clips-per-track", "4"]

    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-recipe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A 16-bit mono 22 050 Hz WAV of two tones, `seconds` long.
    private func writeWAV(_ url: URL, seconds: Double, frequency: Double) throws {
        let n = Int(seconds * 22_050)
        var bytes = [UInt8]()
        func u32(_ v: UInt32) { bytes += (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        bytes += Array("RIFF".utf8); u32(UInt32(36 + 2 * n)); bytes += Array("WAVEfmt ".utf8)
        u32(16); u16(1); u16(1); u32(22_050); u32(44_100); u16(2); u16(16)
        bytes += Array("data".utf8); u32(UInt32(2 * n))
        for i in 0..<n {
            let t = Double(i) / 22_050
            let x = 0.4 * sin(2 * .pi * frequency * t) + 0.1 * sin(2 * .pi * 3 * frequency * t)
            u16(UInt16(bitPattern: Int16(x * 32_000)))
        }
        try Data(bytes).write(to: url)
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testFeaturesOfAPlainFolderNameEachRowsFileAndClip() throws {
        let dir = try tempDir()
        let songs = dir.appendingPathComponent("my songs")
        try FileManager.default.createDirectory(at: songs, withIntermediateDirectories: true)
        try writeWAV(songs.appendingPathComponent("b, second.wav"), seconds: 4.5, frequency: 330)  // 2 clips
        try writeWAV(songs.appendingPathComponent("a.wav"), seconds: 2.5, frequency: 220)          // 1 clip
        try writeWAV(songs.appendingPathComponent("c.wav"), seconds: 1, frequency: 440)            // too short
        let out = dir.appendingPathComponent("f.npy")
        let r = try GCNNBinary.run(["features", songs.path, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("3 audio files (no genre folders)") && r.stdout.contains("3 clips"), r.stdout)
        XCTAssertTrue(r.stderr.contains("c.wav") && r.stderr.contains("shorter than one"), r.stderr)
        let sidecar = try json(dir.appendingPathComponent("f.json"))
        XCTAssertEqual(sidecar["shape"] as? [Int], [3, 64, 173])
        let rows = try XCTUnwrap(sidecar["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["file"] as? String }, ["a.wav", "b, second.wav", "b, second.wav"])
        XCTAssertEqual(rows.map { $0["clip"] as? Int }, [0, 0, 1])
        XCTAssertTrue(rows.allSatisfy { $0["genre"] == nil })
        XCTAssertEqual((sidecar["parameters"] as? [String: Any])?["melRecipe"] as? String, "librosa")

        // The seed recipe: another sidecar recipe, values on the doubled scale.
        let seedOut = dir.appendingPathComponent("s.npy")
        let s = try GCNNBinary.run(["features", songs.path, "-o", seedOut.path, "--mel-recipe", "seed"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let seedSidecar = try json(dir.appendingPathComponent("s.json"))
        XCTAssertEqual((seedSidecar["parameters"] as? [String: Any])?["melRecipe"] as? String, "seed")
        XCTAssertTrue((seedSidecar["layout"] as? String)?.contains("** 2") == true)
        XCTAssertNotEqual(try Data(contentsOf: seedOut), try Data(contentsOf: out))

        let png = dir.appendingPathComponent("s.png")
        let picture = try GCNNBinary.run(["spectrogram", songs.appendingPathComponent("a.wav").path, "-o", png.path, "--mel-recipe", "seed"])
        XCTAssertEqual(picture.status, 0, picture.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: png.path))
    }

    func testGTZANFolderKeepsGenres() throws {
        let dir = try tempDir()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data/Jazz"), withIntermediateDirectories: true)
        try writeWAV(dir.appendingPathComponent("data/Jazz/jazz.00000.wav"), seconds: 2.5, frequency: 220)
        try writeWAV(dir.appendingPathComponent("data/loose.wav"), seconds: 2.5, frequency: 220)
        let r = try GCNNBinary.run(["features", dir.appendingPathComponent("data").path, "-o", dir.appendingPathComponent("g.npy").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 genres (jazz)"), r.stdout)
        let rows = try XCTUnwrap(try json(dir.appendingPathComponent("g.json"))["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["file"] as? String }, ["Jazz/jazz.00000.wav"])
        XCTAssertEqual(rows.map { $0["genre"] as? String }, ["jazz"])
    }

    func testEveryCommandTakesTheRecipeAndHelpListsItsValues() throws {
        for command in [["train"], ["evaluate"], ["predict"], ["features"], ["spectrogram"], ["experiment", "paper"], ["experiment", "pairs"]] {
            let r = try GCNNBinary.run(command + ["--help"])
            XCTAssertTrue(r.stdout.contains("--mel-recipe") && r.stdout.contains("librosa") && r.stdout.contains("seed"),
                          "\(command): \(r.stdout)")
        }
        for command in [["train"], ["check"], ["bench", "epoch"]] {
            XCTAssertTrue(try GCNNBinary.run(command + ["--help"]).stdout.contains("--verbose"), "\(command)")
        }
        let bad = try GCNNBinary.run(["features", "x.wav", "-o", "x.npy", "--mel-recipe", "htk"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("htk") && bad.stderr.contains("librosa") && bad.stderr.contains("seed"), bad.stderr)
    }

    /// A model trained on the seed recipe records it; `predict` and `evaluate` feed it seed features unless told
    /// otherwise, and say so when told.
    func testPredictAndEvaluateUseTheRecipeTheModelWasTrainedOn() throws {
        let dir = try tempDir()
        let out = dir.appendingPathComponent("run")
        let t = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--out", out.path, "--epochs", "1",
                                    "--mel-recipe", "seed"] + tiny)
        XCTAssertEqual(t.status, 0, t.stderr)
        let features = try XCTUnwrap(try json(out.appendingPathComponent("config.json"))["features"] as? [String: String])
        XCTAssertEqual(features["melRecipe"], "seed")
        let model = out.appendingPathComponent("model.safetensors").path
        let wav = dir.appendingPathComponent("song.wav")
        try writeWAV(wav, seconds: 2.5, frequency: 110)
        // Which features reach the network is pinned in MelRecipeTrainingTests (on a model whose outputs do not
        // saturate); here: the command takes the checkpoint's recipe silently and says so when overridden.
        let p = try GCNNBinary.run(["predict", "--model", model, "--device", "cpu", wav.path])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertFalse(p.stderr.contains("mel recipe"), p.stderr)
        let other = try GCNNBinary.run(["predict", "--model", model, "--device", "cpu", "--mel-recipe", "librosa", wav.path])
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertTrue(other.stderr.contains("trained on the seed mel recipe; feeding it librosa features"), other.stderr)
        let e = try GCNNBinary.run(["evaluate", "--model", model, "--device", "cpu", "--synthetic-tracks", "3"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertFalse(e.stderr.contains("extracting"), "the seed features of training are reused from the cache: \(e.stderr)")
        // Resuming with the other recipe is refused, naming it.
        let resumed = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--out", out.path, "--epochs", "2",
                                          "--resume"] + tiny)
        XCTAssertNotEqual(resumed.status, 0)
        XCTAssertTrue(resumed.stderr.contains("mel recipe 'seed', now 'librosa'"), resumed.stderr)
    }

    /// A `train` run on OpenCL prints no compiler output, even when the compiler warns (a warning injected with
    /// GCNN_TEST_KERNEL_DEFINES); `--verbose` shows it, framed. Each run gets an empty pocl cache, so its
    /// compiler really runs.
    func testTrainOutputHasNoCompilerChatter() throws {
        try XCTSkipUnless(OpenCLRequirement.available(), OpenCLRequirement.skipMessage)
        let dir = try tempDir()
        func train(_ name: String, extra: [String] = [], environment: [String: String] = [:]) throws -> (out: String, err: String) {
            let pocl = dir.appendingPathComponent("pocl-\(name)")
            try FileManager.default.createDirectory(at: pocl, withIntermediateDirectories: true)
            let process = try GCNNProcess(["train", "--device", "opencl", "--task", "metal-jazz", "--out", dir.appendingPathComponent(name).path,
                                           "--epochs", "1"] + tiny + extra,
                                          environment: environment.merging(["POCL_CACHE_DIR": pocl.path]) { $1 })
            XCTAssertTrue(process.wait(seconds: 600), "train \(name) did not finish")
            XCTAssertEqual(process.process.terminationStatus, 0, process.stderr)
            return (process.stdout, process.stderr)
        }
        func chatter(_ text: String) -> Bool { text.contains("warning") || text.contains("generated") }
        let plain = try train("plain")
        XCTAssertFalse(chatter(plain.out + plain.err), plain.err)
        XCTAssertTrue(plain.out.contains("epoch 1"), plain.out)

        let warn = ["GCNN_TEST_KERNEL_DEFINES": "-D__FILE__=0"]
        let quiet = try train("quiet", environment: warn)
        XCTAssertFalse(chatter(quiet.out + quiet.err), quiet.err)
        let verbose = try train("verbose", extra: ["--verbose"], environment: warn)
        XCTAssertTrue(verbose.err.contains("kernels built for") && verbose.err.contains("compiler messages:")
                      && verbose.err.contains("redefining builtin macro"), verbose.err)
        XCTAssertFalse(chatter(verbose.out), verbose.out)
    }
}
