import Foundation
import XCTest

/// Two `gcnn features` processes writing one feature cache at the same moment: both succeed with the
/// same array, the cache's lock makes them take turns (one computes, the other reuses), and the cache
/// left behind equals, byte for byte, the one a single process writes.
final class FeatureCacheProcessTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-cli-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The one cache entry folder under `cache`, and its files.
    private func entry(_ cache: URL) throws -> (folder: URL, files: [String]) {
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        XCTAssertEqual(entries.count, 1, "\(entries)")
        let folder = cache.appendingPathComponent(entries[0])
        return (folder, try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted())
    }

    func testTwoProcessesOnOneCacheNeitherCorruptNorCrash() throws {
        let dir = try tempDir()
        let corpus = dir.appendingPathComponent("corpus")
        let synth = try GCNNBinary.run(["synth", "-o", corpus.path, "--tracks-per-genre", "2", "--seconds", "2.5",
                                        "--genres", "metal,jazz", "--quiet"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        // One undecodable file: its skip reason must survive the race too.
        try Data((0..<3_000).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: corpus.appendingPathComponent("metal/broken.wav"))
        let options = ["--clip-seconds", "1", "--clips-per-track", "2"]
        let shared = dir.appendingPathComponent("shared-cache"), single = dir.appendingPathComponent("single-cache")

        var results = [GCNNBinary.Result?](repeating: nil, count: 2)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = try? GCNNBinary.run(["features", corpus.path, "-o", dir.appendingPathComponent("out\(i).npy").path,
                                         "--cache", shared.path] + options)
            lock.lock(); results[i] = r; lock.unlock()
        }
        let a = try XCTUnwrap(results[0]), b = try XCTUnwrap(results[1])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        for r in [a, b] {
            XCTAssertEqual(r.stderr.components(separatedBy: "broken.wav").count - 1, 1, "one skip line each: \(r.stderr)")
        }
        // Taking turns: one computed all five files, the other reused them (never both computing).
        let summaries = [a.stdout, b.stdout]
        XCTAssertEqual(summaries.filter { $0.contains("5 file(s) computed, 0 from the cache") }.count, 1, "\(summaries)")
        XCTAssertEqual(summaries.filter { $0.contains("0 file(s) computed, 5 from the cache") }.count, 1, "\(summaries)")
        let out0 = try Data(contentsOf: dir.appendingPathComponent("out0.npy"))
        XCTAssertEqual(out0, try Data(contentsOf: dir.appendingPathComponent("out1.npy")))

        // A single process on a fresh cache writes the same array and the same cache, byte for byte.
        let c = try GCNNBinary.run(["features", corpus.path, "-o", dir.appendingPathComponent("single.npy").path,
                                    "--cache", single.path] + options)
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertEqual(out0, try Data(contentsOf: dir.appendingPathComponent("single.npy")))
        let (sharedFolder, sharedFiles) = try entry(shared), (singleFolder, singleFiles) = try entry(single)
        XCTAssertEqual(sharedFiles, singleFiles)
        XCTAssertEqual(sharedFiles.filter { $0.hasPrefix("features-") && $0.hasSuffix(".npy") }.count, 1, "\(sharedFiles)")
        XCTAssertFalse(sharedFiles.contains { $0.contains("partial") || $0.contains("tmp") }, "\(sharedFiles)")
        for f in sharedFiles where f != ".lock" {
            XCTAssertEqual(try Data(contentsOf: sharedFolder.appendingPathComponent(f)),
                           try Data(contentsOf: singleFolder.appendingPathComponent(f)), f)
        }
        // And the shared cache loads: everything reused.
        let again = try GCNNBinary.run(["features", corpus.path, "-o", dir.appendingPathComponent("again.npy").path,
                                        "--cache", shared.path] + options)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 file(s) computed, 5 from the cache"), again.stdout)
        XCTAssertEqual(out0, try Data(contentsOf: dir.appendingPathComponent("again.npy")))
    }
}
