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

/// The mel recipe as part of the feature parameters: the cache key, what files record, what old files mean.
final class MelRecipeParameterTests: XCTestCase {
    /// Caches written before recipes existed keep their key: the librosa recipe's digest is the old one
    /// (`825bf68e489f09f5` for the paper's parameters, `8900c2ef95aa4246` for 0.5-s × 4 clips, both from gcnn
    /// at d7fc2f9), and the seed recipe is another cache.
    func testDigestOfLibrosaRecipeIsUnchangedAndSeedIsAnotherKey() {
        XCTAssertEqual(FeatureParameters.paper.digest, "825bf68e489f09f5")
        var short = FeatureParameters.paper
        short.clipSeconds = 0.5
        short.clipsPerTrack = 4
        XCTAssertEqual(short.digest, "8900c2ef95aa4246")
        var seed = FeatureParameters.paper
        seed.melRecipe = .seed
        XCTAssertNotEqual(seed.digest, FeatureParameters.paper.digest)
    }

    func testEncodingNamesTheRecipeAndAMissingKeyIsLibrosa() throws {
        var seed = FeatureParameters.paper
        seed.melRecipe = .seed
        for p in [FeatureParameters.paper, seed] {
            let data = try JSONEncoder().encode(p)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(object["melRecipe"] as? String, p.melRecipe.rawValue)
            XCTAssertEqual(try JSONDecoder().decode(FeatureParameters.self, from: data), p)
        }
        // Written before recipes existed: no key.
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(FeatureParameters.paper)) as? [String: Any])
        object["melRecipe"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        XCTAssertEqual(try JSONDecoder().decode(FeatureParameters.self, from: old), .paper)
        // A recipe this gcnn does not know, or a missing required field, is refused.
        object["melRecipe"] = "librosa-0.6"
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureParameters.self, from: JSONSerialization.data(withJSONObject: object)))
        object["melRecipe"] = nil
        object["nFFT"] = nil
        XCTAssertThrowsError(try JSONDecoder().decode(FeatureParameters.self, from: JSONSerialization.data(withJSONObject: object)))
    }

    /// A manifest written before recipes existed decodes (as librosa's), and a seed manifest is not reused for librosa.
    func testOldManifestDecodesAsLibrosa() throws {
        let manifest = FeatureManifest(parameters: .paper, root: "/data", array: "features-x.npy", mels: 64, frames: 173, tracks: [])
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest)) as? [String: Any])
        var parameters = try XCTUnwrap(object["parameters"] as? [String: Any])
        parameters["melRecipe"] = nil
        object["parameters"] = parameters
        let decoded = try FeatureManifest.decode(JSONSerialization.data(withJSONObject: object), path: "manifest.json")
        XCTAssertEqual(decoded.parameters, .paper)
        parameters["melRecipe"] = "nope"
        object["parameters"] = parameters
        XCTAssertThrowsError(try FeatureManifest.decode(JSONSerialization.data(withJSONObject: object), path: "manifest.json")) {
            XCTAssertTrue("\($0)".contains("manifest.json"), "\($0)")
        }
    }

    func testCheckpointMetadataRecipe() throws {
        XCTAssertEqual(try MelRecipe(metadata: [:], source: "m.safetensors"), .librosa)
        XCTAssertEqual(try MelRecipe(metadata: ["mel_recipe": "seed"], source: "m.safetensors"), .seed)
        XCTAssertEqual(try MelRecipe(metadata: ["mel_recipe": "librosa"], source: "m.safetensors"), .librosa)
        XCTAssertThrowsError(try MelRecipe(metadata: ["mel_recipe": "htk"], source: "m.safetensors")) { error in
            XCTAssertEqual(error as? MelRecipeError, .unknown(value: "htk", source: "m.safetensors"))
            let line = "\(error)"
            XCTAssertFalse(line.contains("\n"))
            XCTAssertTrue(line.contains("m.safetensors") && line.contains("'htk'") && line.contains("librosa, seed") && line.contains("--mel-recipe"), line)
        }
    }

    /// A seed and a librosa cache of one dataset live side by side; each is reused for its own recipe.
    func testSeedAndLibrosaCachesAreSeparate() throws {
        let root = try makeTemporaryDirectory(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("data/blues"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("multitone_onset.wav"), toPath: root.appendingPathComponent("data/blues/b.wav").path)
        let dataset = try GenreDataset.scan(root.appendingPathComponent("data").path)
        let cache = root.appendingPathComponent("cache")
        var seed = FeatureParameters.paper
        seed.melRecipe = .seed
        let l1 = try FeatureCache.load(dataset: dataset, parameters: .paper, cacheDir: cache, log: { _ in })
        let s1 = try FeatureCache.load(dataset: dataset, parameters: seed, cacheDir: cache, log: { _ in })
        XCTAssertEqual(s1.summary.computed, 1)
        let l2 = try FeatureCache.load(dataset: dataset, parameters: .paper, cacheDir: cache, log: { _ in })
        let s2 = try FeatureCache.load(dataset: dataset, parameters: seed, cacheDir: cache, log: { _ in })
        XCTAssertEqual([l2.summary.reused, s2.summary.reused], [1, 1])
        XCTAssertEqual(l1.features, l2.features)
        XCTAssertEqual(s1.features, s2.features)
        XCTAssertNotEqual(l1.features, s1.features)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { !$0.hasPrefix(".") }.count, 2)
    }
}

/// `gcnn features DIR` on a folder of audio files without genre folders.
final class PlainFolderTests: XCTestCase {
    func makeFolder() throws -> URL {
        let root = try makeTemporaryDirectory(self)
        let fm = FileManager.default
        try fm.copyItem(atPath: Fixtures.path("multitone_onset.wav"), toPath: root.appendingPathComponent("b song.wav").path)  // 2 clips
        try fm.copyItem(atPath: Fixtures.path("chirp.wav"), toPath: root.appendingPathComponent("a, first.wav").path)          // 1 clip
        try fm.copyItem(atPath: Fixtures.path("short_1500ms.wav"), toPath: root.appendingPathComponent("c.wav").path)          // too short
        try fm.copyItem(atPath: Fixtures.path("chirp.wav"), toPath: root.appendingPathComponent(".hidden.wav").path)
        fm.createFile(atPath: root.appendingPathComponent("notes.txt").path, contents: Data("not audio".utf8))
        try fm.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: false)
        return root
    }

    func testPlainFolderGivesEveryAudioFileWithFileAndClipPerRow() throws {
        let root = try makeFolder()
        XCTAssertThrowsError(try GenreDataset.scan(root.path))  // not GTZAN's layout
        let dataset = try GenreDataset.scanAnyLayout(root.path)
        XCTAssertTrue(dataset.isPlainFolder)
        XCTAssertEqual(dataset.tracks.map(\.id), ["a, first.wav", "b song.wav", "c.wav"])
        for cache in [nil, root.appendingPathComponent("cache")] {
            var lines: [String] = []
            let (export, summary) = try FeatureExport.clips(dataset: dataset, parameters: .paper, cacheDir: cache, log: { lines.append($0) })
            XCTAssertEqual(export.sidecar.shape, [3, 64, 173])
            XCTAssertEqual(export.sidecar.rows.map(\.file), ["a, first.wav", "b song.wav", "b song.wav"])
            XCTAssertEqual(export.sidecar.rows.map(\.clip), [0, 0, 1])
            XCTAssertEqual(export.sidecar.rows.map(\.startSeconds), [0, 0, 2])
            XCTAssertEqual(export.sidecar.rows.map(\.genre), [nil, nil, nil])
            XCTAssertNil(export.sidecar.genres)
            XCTAssertEqual(summary.skipped.count, 1)
            XCTAssertTrue(lines.contains { $0.contains("c.wav") && $0.contains("shorter than one") }, "\(lines)")
            // The rows are each file's own clips.
            let extractor = try LogMelExtractor(.paper)
            let b = ClipSlicer(.paper).features(of: try AudioDecoder.load(Fixtures.path("multitone_onset.wav")), extractor: extractor)
            XCTAssertEqual(Array(export.values[(64 * 173)...]), b)
        }
    }

    func testGTZANLayoutKeepsGenresAndIgnoresLooseFiles() throws {
        let root = try makeFolder()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Jazz"), withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: Fixtures.path("chirp.wav"), toPath: root.appendingPathComponent("Jazz/jazz.00000.wav").path)
        let dataset = try GenreDataset.scanAnyLayout(root.path)
        XCTAssertFalse(dataset.isPlainFolder)
        XCTAssertEqual(dataset.genres, ["jazz"])
        let (export, _) = try FeatureExport.clips(dataset: dataset, parameters: .paper, log: { _ in })
        XCTAssertEqual(export.sidecar.rows.map(\.genre), ["jazz"])
        XCTAssertEqual(export.sidecar.genres, ["jazz"])
    }

    func testFolderWithoutAudioIsAClearError() throws {
        let root = try makeTemporaryDirectory(self)
        FileManager.default.createFile(atPath: root.appendingPathComponent("notes.txt").path, contents: Data())
        XCTAssertThrowsError(try GenreDataset.scanAnyLayout(root.path)) { e in
            XCTAssertEqual(e as? DatasetError, .noAudioFiles(path: root.path))
            XCTAssertTrue("\(e)".contains("no audio files") && !"\(e)".contains("\n"), "\(e)")
        }
    }
}
