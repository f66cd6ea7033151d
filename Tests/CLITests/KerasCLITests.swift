import Audio
import Foundation
import XCTest

/// `gcnn import keras` and `gcnn export keras` as a user runs them, on the seed-style file name.
final class KerasCLITests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KerasFormatTests/Fixtures")

    func testImportPredictExportOfTheSeedStyleFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-keras-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = Self.fixtures.appendingPathComponent("Metal, Jazz.hdf5").path
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json"))) as! [String: Any]
        let entry = (expected["models"] as! [String: [String: Any]])["Metal, Jazz.hdf5"]!
        let inputs = (entry["inputs"] as! [NSNumber]).map { Float($0.doubleValue) }
        let probabilities = (entry["probabilities"] as! [NSNumber]).map(\.doubleValue)
        let npy = dir.appendingPathComponent("clips.npy").path
        try NPY.write(inputs, shape: [3, 16, 24], to: npy)

        let model = dir.appendingPathComponent("seed model, imported").path
        let imported = try GCNNBinary.run(["import", "keras", file, "-o", model, "--task", "metal-jazz", "--mel-recipe", "seed"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("Keras 2 HDF5 model") && imported.stdout.contains("metal, jazz") && imported.stdout.contains("mel recipe seed"), imported.stdout)
        for name in ["model.safetensors", "architecture.json", "config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(model)/\(name)"), name)
        }
        // The folder, its checkpoint and the Keras file itself all predict Keras' probabilities.
        for source in [model, "\(model)/model.safetensors", file] {
            let r = try GCNNBinary.run(["predict", "--model", source, "--device", "cpu", "--json", npy])
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let clips = (object["clips"] as! [[NSNumber]]).map { $0[1].doubleValue }
            XCTAssertEqual(clips.count, 3)
            for (a, b) in zip(clips, probabilities) { XCTAssertEqual(a, b, accuracy: 1e-5, source) }
            if source != file { XCTAssertTrue((object["genre"] as! String) == "metal" || (object["genre"] as! String) == "jazz") }
        }
        // The folder already holds a model: nothing is overwritten.
        let again = try GCNNBinary.run(["import", "keras", file, "-o", model])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already holds a model.safetensors"), again.stderr)

        let exported = dir.appendingPathComponent("metal, jazz.keras").path
        let e = try GCNNBinary.run(["export", "keras", "--model", model, "-o", exported])
        XCTAssertEqual(e.status, 0, e.stderr)
        let back = dir.appendingPathComponent("back").path
        let b = try GCNNBinary.run(["import", "keras", exported, "-o", back])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertTrue(b.stdout.contains("metal, jazz") && b.stdout.contains("mel recipe seed"), b.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(back)/architecture.json")),
                       try Data(contentsOf: URL(fileURLWithPath: "\(model)/architecture.json")))
    }

    /// A damaged HDF5 file on which libhdf5 loops (found by the fuzz test): one line after the time limit.
    func testFileThatHangsLibHDF5IsOneErrorLine() throws {
        setenv("GCNN_HDF5_SECONDS", "3", 1)
        defer { unsetenv("GCNN_HDF5_SECONDS") }
        let start = Date()
        let r = try GCNNBinary.run(["predict", "--model", Self.fixtures.appendingPathComponent("libhdf5_hang.h5").path, "x.npy"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("libhdf5_hang.h5: libhdf5 did not finish reading it within 3 s"), r.stderr)
    }

    /// A damaged HDF5 file on which libhdf5 crashes (a fuzz mutant: a vlen string attribute's global-heap
    /// reference points past the heap): one line, and only gcnn's reader process dies.
    func testFileThatCrashesLibHDF5IsOneErrorLine() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-never-\(UUID().uuidString)").path
        let r = try GCNNBinary.run(["import", "keras", Self.fixtures.appendingPathComponent("libhdf5_crash.h5").path, "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("libhdf5_crash.h5: libhdf5 crashed reading it (signal 11)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A damaged archive (a fuzz mutant) on which ZIPFoundation's reader loops forever: one line at once.
    func testArchiveWhoseEntryRunsPastItsEndIsOneErrorLine() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-never-\(UUID().uuidString)").path
        let start = Date()
        let r = try GCNNBinary.run(["import", "keras", Self.fixtures.appendingPathComponent("zip_entry_past_end.keras").path, "-o", out])
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("zip_entry_past_end.keras: "), r.stderr)
    }

    func testUnsupportedLayerIsOneErrorLine() throws {
        let r = try GCNNBinary.run(["import", "keras", Self.fixtures.appendingPathComponent("unsupported_layer.keras").path,
                                    "-o", FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-never-\(UUID().uuidString)").path])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("Error: ") && r.stderr.contains("LeakyReLU"), r.stderr)
    }
}
