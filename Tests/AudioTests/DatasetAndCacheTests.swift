import XCTest
@testable import Audio

final class DatasetAndCacheTests: XCTestCase {
    var lines: [String] = []
    let lock = NSLock()
    func log(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    func logged(_ match: (String) -> Bool) -> Bool { lock.lock(); defer { lock.unlock() }; return lines.contains(where: match) }

    /// A small dataset: two genres spelled several ways, one undecodable file, one too-short file.
    func makeDataset(kaggle: Bool = false) throws -> URL {
        let root = try makeTemporaryDirectory(self)
        let base = kaggle ? root.appendingPathComponent("Data/genres_original") : root
        let fm = FileManager.default
        for folder in ["Blues", "Hip-Hop", "hiphop", ".hidden"] {
            try fm.createDirectory(at: base.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        if kaggle { try fm.createDirectory(at: root.appendingPathComponent("Data/images_original/blues"), withIntermediateDirectories: true) }
        func copy(_ fixture: String, _ to: String) throws {
            try fm.copyItem(atPath: Fixtures.path(fixture), toPath: base.appendingPathComponent(to).path)
        }
        try copy("multitone_onset.wav", "Blues/blues.00000.wav")     // 2 clips
        try copy("chirp.wav", "Hip-Hop/hiphop.00000.wav")             // 1 clip
        try copy("white_noise.wav", "hiphop/hiphop.00001.wav")        // 1 clip
        try copy("short_1500ms.wav", "hiphop/hiphop.00002.wav")       // too short
        try copy("chirp.wav", ".hidden/x.wav")
        fm.createFile(atPath: base.appendingPathComponent("Blues/jazz.00054.wav").path, contents: Data(repeating: 7, count: 3_000))
        fm.createFile(atPath: base.appendingPathComponent("Blues/notes.txt").path, contents: Data("not audio".utf8))
        return root
    }

    func testScanNormalisesGenresAndFindsKaggleNesting() throws {
        for kaggle in [false, true] {
            let root = try makeDataset(kaggle: kaggle)
            let d = try GenreDataset.scan(root.path)
            XCTAssertEqual(d.genres, ["blues", "hiphop"])
            XCTAssertEqual(d.tracks.map(\.id), ["Blues/blues.00000.wav", "Blues/jazz.00054.wav", "Hip-Hop/hiphop.00000.wav",
                                                "hiphop/hiphop.00001.wav", "hiphop/hiphop.00002.wav"])
            XCTAssertTrue(d.root.hasSuffix(kaggle ? "Data/genres_original" : root.lastPathComponent))
        }
    }

    func testFolderWithoutGenreFoldersIsAClearError() throws {
        let root = try makeTemporaryDirectory(self)
        FileManager.default.createFile(atPath: root.appendingPathComponent("song.wav").path, contents: Data())
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try GenreDataset.scan(root.path)) { e in
            XCTAssertEqual(e as? DatasetError, .noGenreFolders(path: root.path))
            XCTAssertTrue("\(e)".contains("<root>/<genre>/<file>"))
        }
        XCTAssertThrowsError(try GenreDataset.scan(root.appendingPathComponent("song.wav").path)) {
            XCTAssertEqual($0 as? DatasetError, .notADirectory(path: root.appendingPathComponent("song.wav").path))
        }
    }

    func testExtractionSkipsNamedFilesAndKeepsOrder() throws {
        let d = try GenreDataset.scan(try makeDataset().path)
        let f = try FeatureExport.collect(dataset: d, parameters: .paper, log: log)
        XCTAssertEqual(f.count, 4)
        XCTAssertEqual(f.trackIDs, ["Blues/blues.00000.wav", "Blues/blues.00000.wav", "Hip-Hop/hiphop.00000.wav", "hiphop/hiphop.00001.wav"])
        XCTAssertEqual(f.clipIndices, [0, 1, 0, 0])
        XCTAssertEqual(f.labels, [0, 0, 1, 1])
        XCTAssertEqual(f.summary.skipped.count, 2)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains("jazz.00054.wav") && lines[0].contains("Format not recognised"), lines[0])
        XCTAssertTrue(lines[1].contains("hiphop.00002.wav") && lines[1].contains("shorter than one 2.00-s clip"), lines[1])
        // Clip 1 of the multi-tone track equals librosa on that clip alone.
        let expected = try NPY.read(Fixtures.path("multitone_onset.clips.npy"))
        let per = 64 * 173
        let delta = zip(f.clip(1), expected.values[per..<(2 * per)]).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(delta, 0.05)
    }

    func testCacheMissHitAndPartialRecompute() throws {
        let root = try makeDataset()
        let cache = try makeTemporaryDirectory(self)
        let d = try GenreDataset.scan(root.path)
        let first = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
        XCTAssertEqual(first.summary.computed, 5)
        XCTAssertEqual(first.summary.reused, 0)
        XCTAssertEqual(first.count, 4)

        let hit = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
        XCTAssertEqual(hit.summary.computed, 0)
        XCTAssertEqual(hit.summary.reused, 5)
        XCTAssertEqual(hit.summary.skipped, first.summary.skipped)
        XCTAssertEqual(hit.features, first.features)
        XCTAssertEqual(hit.trackIDs, first.trackIDs)

        // Change one file (new content, new size): only it is recomputed.
        let changed = root.appendingPathComponent("hiphop/hiphop.00001.wav").path
        try FileManager.default.removeItem(atPath: changed)
        try FileManager.default.copyItem(atPath: Fixtures.path("stereo_22k.wav"), toPath: changed)
        let partial = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
        XCTAssertEqual(partial.summary.computed, 1)
        XCTAssertEqual(partial.summary.reused, 4)
        let fresh = try FeatureExport.collect(dataset: d, parameters: .paper, log: { _ in })
        XCTAssertEqual(partial.features, fresh.features)
        XCTAssertNotEqual(partial.features, first.features)

        // A new file is computed; the rest reused.
        try FileManager.default.copyItem(atPath: Fixtures.path("chirp.wav"), toPath: root.appendingPathComponent("Blues/blues.00001.wav").path)
        let grown = try FeatureCache.load(dataset: try GenreDataset.scan(root.path), parameters: .paper, cacheDir: cache, log: log)
        XCTAssertEqual(grown.summary.computed, 1)
        XCTAssertEqual(grown.count, 5)

        // Other parameters: a separate cache entry, all computed.
        var p = FeatureParameters.paper
        p.clipSeconds = 1
        let other = try FeatureCache.load(dataset: d, parameters: p, cacheDir: cache, log: log)
        XCTAssertEqual(other.summary.computed, 5)
        XCTAssertEqual(other.frames, 87)

        // One array per cache entry remains (old generations removed).
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        XCTAssertEqual(entries.count, 2)
        for e in entries {
            let files = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(e).path)
            XCTAssertEqual(files.filter { $0.hasSuffix(".npy") }.count, 1, "\(files)")
            XCTAssertFalse(files.contains { $0.contains(".partial") })
        }
    }

    /// A damaged cache array is not trusted: everything is recomputed.
    func testCorruptCacheIsRecomputed() throws {
        let root = try makeDataset()
        let cache = try makeTemporaryDirectory(self)
        let d = try GenreDataset.scan(root.path)
        let first = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
        let folder = cache.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: cache.path)[0])
        let npy = try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".npy") }!
        try Data("garbage".utf8).write(to: folder.appendingPathComponent(npy))
        let again = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
        XCTAssertEqual(again.summary.computed, 5)
        XCTAssertEqual(again.features, first.features)
    }

    /// Two loads at once on one cache folder: both succeed with the same features, and the cache is whole after.
    func testConcurrentWritersDoNotCorruptTheCache() throws {
        let root = try makeDataset()
        let cache = try makeTemporaryDirectory(self)
        let d = try GenreDataset.scan(root.path)
        var results = [ClipFeatures?](repeating: nil, count: 2)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let r = try? FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: { _ in })
            lock.lock(); results[i] = r; lock.unlock()
        }
        XCTAssertEqual(results[0]?.features, results[1]?.features)
        let after = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: { _ in })
        XCTAssertEqual(after.summary.computed, 0)
        XCTAssertEqual(after.features, results[0]?.features)
    }

    /// While another holder has the cache folder's lock, a load says it is waiting and does nothing;
    /// once the lock is released it completes. (Two real processes: `FeatureCacheProcessTests`.)
    func testLoadWaitsForTheCacheLock() throws {
        let root = try makeDataset()
        let cache = try makeTemporaryDirectory(self)
        let d = try GenreDataset.scan(root.path)
        let folder = cache.appendingPathComponent(StableHash.hex(of: d.root) + "-" + FeatureParameters.paper.digest)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fd = open(folder.appendingPathComponent(FeatureCache.lockFileName).path, O_RDWR | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let finished = expectation(description: "load finished")
        final class Result: @unchecked Sendable { var features: ClipFeatures? }  // written before `finished`, read after
        let result = Result()
        DispatchQueue.global().async {
            result.features = try? FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: self.log)
            finished.fulfill()
        }
        // Wait (bounded) for the waiting line; the load cannot have finished while the lock is held.
        for _ in 0..<1_000 where !logged({ $0.contains("waiting for another gcnn process") }) { usleep(10_000) }
        XCTAssertTrue(logged { $0.hasPrefix(folder.path + ": waiting for another gcnn process") }, "\(lines)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path))
        close(fd)  // releases the lock
        wait(for: [finished], timeout: 120)
        XCTAssertEqual(result.features?.count, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path))
    }

    /// A damaged or edited manifest (rows outside the array, a path instead of a file name) is reported
    /// in one line and the features recomputed, equal to a fresh computation.
    func testDamagedManifestIsReportedAndRecomputed() throws {
        let root = try makeDataset()
        let cache = try makeTemporaryDirectory(self)
        let d = try GenreDataset.scan(root.path)
        let first = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: { _ in })
        let folder = cache.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: cache.path)[0])
        let manifestURL = folder.appendingPathComponent("manifest.json")
        let good = try Data(contentsOf: manifestURL)
        for (damage, expected) in [("\"firstRow\" : 2", "do not lie in the"), ("\"array\" : \"features-", "is not a features-*.npy")] {
            var text = String(decoding: good, as: UTF8.self)
            if damage.hasPrefix("\"firstRow") {
                text = text.replacingOccurrences(of: "\"firstRow\" : 2", with: "\"firstRow\" : 40")
            } else {
                text = text.replacingOccurrences(of: "\"array\" : \"features-", with: "\"array\" : \"..\\/features-")
            }
            XCTAssertNotEqual(Data(text.utf8), good, damage)
            try Data(text.utf8).write(to: manifestURL)
            lines = []
            let again = try FeatureCache.load(dataset: d, parameters: .paper, cacheDir: cache, log: log)
            XCTAssertEqual(again.summary.computed, 5, damage)
            XCTAssertEqual(again.features, first.features, damage)
            XCTAssertTrue(lines.contains { $0.hasPrefix(manifestURL.path + ": ignoring the damaged feature cache manifest") && $0.contains(expected) },
                          "\(damage): \(lines)")
        }
    }

    func testExportWritesNpyAndSidecar() throws {
        let out = try makeTemporaryDirectory(self).appendingPathComponent("f.npy").path
        let d = try GenreDataset.scan(try makeDataset().path)
        let (e, summary) = try FeatureExport.clips(dataset: d, parameters: .paper, log: log)
        try e.write(to: out)
        XCTAssertEqual(try NPY.read(out).shape, [4, 64, 173])
        let sidecar = try JSONDecoder().decode(FeatureSidecar.self, from: Data(contentsOf: URL(fileURLWithPath: FeatureExport.sidecarPath(for: out))))
        XCTAssertEqual(sidecar.rows.map(\.file), ["Blues/blues.00000.wav", "Blues/blues.00000.wav", "Hip-Hop/hiphop.00000.wav", "hiphop/hiphop.00001.wav"])
        XCTAssertEqual(sidecar.rows[1].startSeconds, 2)
        XCTAssertEqual(sidecar.skipped.count, 2)
        XCTAssertEqual(summary.clips, 4)
        let whole = try FeatureExport.whole(file: Fixtures.path("short_1500ms.wav"), parameters: .paper)
        XCTAssertEqual(whole.sidecar.shape, [1, 64, 130])
        XCTAssertThrowsError(try FeatureExport.clips(file: Fixtures.path("short_1500ms.wav"), parameters: .paper)) {
            XCTAssertTrue("\($0)".contains("--whole"))
        }
    }
}
