import Foundation
import Model
import Training
import XCTest

/// Checks on a run folder that tests left behind a killed, interrupted or failed `gcnn train`.
enum RunFolderChecks {
    /// Every file the folder holds loads: `config.json` and each `metrics.jsonl` line parse, the training
    /// state and the PyTorch checkpoint read back. Returns the epochs the training state has finished
    /// (0 without one).
    @discardableResult
    static func assertLoads(_ out: URL, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let fm = FileManager.default
        let config = out.appendingPathComponent("config.json")
        if fm.fileExists(atPath: config.path) {
            XCTAssertNoThrow(try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: config)), file: file, line: line)
        }
        var done = 0
        let stateURL = out.appendingPathComponent(TrainingState.fileName)
        if fm.fileExists(atPath: stateURL.path) {
            let state = try TrainingState.read(stateURL)
            XCTAssertEqual(state.history.count, state.epochsDone, file: file, line: line)
            done = state.epochsDone
        }
        let metrics = out.appendingPathComponent("metrics.jsonl")
        if fm.fileExists(atPath: metrics.path) {
            let lines = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
            for text in lines { XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], file: file, line: line) }
            // The outputs are written before the state, so they may be one epoch ahead of it, never behind.
            XCTAssertGreaterThanOrEqual(lines.count, done, file: file, line: line)
        }
        let model = out.appendingPathComponent("model.safetensors")
        if fm.fileExists(atPath: model.path) {
            let loaded = try ModelCheckpoint.read(model)
            XCTAssertGreaterThanOrEqual(Int(loaded.metadata["epochs"] ?? "") ?? -1, done, file: file, line: line)
        } else {
            XCTAssertEqual(done, 0, "a training state without its checkpoint", file: file, line: line)
        }
        return done
    }

    /// The temporary files a killed `AtomicFile.write` leaves in `out`.
    static func temporaryFiles(_ out: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.contains(".tmp-") }
    }

    /// Every file of the folder and its bytes.
    static func snapshot(_ out: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            files[name] = try Data(contentsOf: out.appendingPathComponent(name))
        }
        return files
    }

    /// `metrics.jsonl` without the timing fields (which no two runs share).
    static func metricsWithoutTimes(_ out: URL) throws -> [NSDictionary] {
        try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            object["seconds"] = nil
            object["clips_per_second"] = nil
            object["bn_statistics_seconds"] = nil
            return object as NSDictionary
        }
    }

    /// Largest absolute difference between the tensors of two checkpoints (they must hold the same names).
    static func maxDifference(_ a: URL, _ b: URL) throws -> Float {
        let x = try ModelCheckpoint.read(a).parameters, y = try ModelCheckpoint.read(b).parameters
        var most: Float = 0
        for t in x.tensors {
            let other = try XCTUnwrap(y.tensors.first { $0.name == t.name }, t.name)
            XCTAssertEqual(other.values.count, t.values.count, t.name)
            for (p, q) in zip(t.values, other.values) { most = max(most, abs(p - q)) }
        }
        return most
    }

    /// `resumed` ends where `straight` ends: the same checkpoint bytes (bitwise: every OpenCL kernel reduces
    /// in a fixed order, so a device repeats itself exactly, and resuming re-uploads exact values) and the
    /// same metrics apart from timings.
    static func assertSameRun(_ resumed: URL, _ straight: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = resumed.appendingPathComponent("model.safetensors"), b = straight.appendingPathComponent("model.safetensors")
        if try Data(contentsOf: a) != Data(contentsOf: b) {
            XCTFail("the resumed checkpoint differs from the uninterrupted one; largest difference \(try maxDifference(a, b))", file: file, line: line)
        }
        XCTAssertEqual(try metricsWithoutTimes(resumed), try metricsWithoutTimes(straight), file: file, line: line)
        XCTAssertEqual(temporaryFiles(resumed), [], "a resumed run removes what killed writes left", file: file, line: line)
    }
}
