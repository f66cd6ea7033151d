import Foundation

/// Errors of the feature cache.
public enum FeatureCacheError: Error, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    /// `manifest.json` is damaged or edited: ignored (features recomputed), reported with this reason.
    case badManifest(path: String, reason: String)
    public var description: String { line.oneLine }

    private var line: String {
        switch self {
        case let .cannotCreate(path, reason): return "\(path): cannot create the feature cache folder: \(reason)"
        case let .cannotWrite(path, reason): return "\(path): cannot write the feature cache: \(reason)"
        case let .badManifest(path, reason): return "\(path): ignoring the damaged feature cache manifest: \(reason)"
        }
    }
}

/// Features of a dataset for one parameter set, computed once and kept on disk.
///
/// Layout: `<cacheDir>/<hash of dataset root>-<hash of parameters>/manifest.json` plus the
/// `features-<hash>.npy` array it names (float32 `[clips, mels, frames]`). A file whose path, size or
/// modification time changed, or a new file, is recomputed; unchanged files' rows are copied from the
/// previous array; a changed parameter set is a different folder. Skipped files are remembered with
/// their reason.
///
/// Concurrency: a load holds an exclusive `flock` on `<folder>/.lock` from reading the manifest to
/// writing the new one, so two gcnn processes (or threads) on one cache take turns: the second waits
/// (saying so once in `log`) and then reuses what the first computed. Writes are also atomic (temporary
/// file, then rename; the array before the manifest that names it), so a reader that does not lock, or
/// a process killed mid-write, leaves either the old cache or the new one, never a mix. A damaged
/// manifest or array is never trusted: it is reported in one line and the features are recomputed.
public enum FeatureCache {
    /// Name of the lock file inside a cache folder.
    public static let lockFileName = ".lock"

    /// The features of every clip of `dataset` under `parameters`, from `cacheDir` where valid, computing
    /// (in parallel) only what is missing or changed. `log` receives one line per skipped file.
    public static func load(dataset: GenreDataset, parameters: FeatureParameters, cacheDir: URL,
                            log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) throws -> ClipFeatures {
        try parameters.validate()
        let folder = cacheDir.appendingPathComponent(
            StableHash.hex(of: dataset.root) + "-" + parameters.digest, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FeatureCacheError.cannotCreate(path: folder.path, reason: error.localizedDescription)
        }
        let lockPath = folder.appendingPathComponent(lockFileName).path
        return try FileLock.withLock(lockPath, waiting: {
            log("\(folder.path): waiting for another gcnn process using this feature cache")
        }) {
            try loadLocked(dataset: dataset, parameters: parameters, folder: folder, log: log)
        }
    }

    /// `load`'s work, with the folder's lock held.
    static func loadLocked(dataset: GenreDataset, parameters: FeatureParameters, folder: URL,
                           log: (String) -> Void) throws -> ClipFeatures {
        let manifestURL = folder.appendingPathComponent("manifest.json")
        var old: FeatureManifest?
        if let data = try? Data(contentsOf: manifestURL) {
            do { old = try FeatureManifest.decode(data, path: manifestURL.path) } catch { log("\(error)") }
        }
        let mels = parameters.nMels, frames = parameters.clipFrames

        // Which tracks can be reused?
        let stamps = dataset.tracks.map { fileStamp($0.path) }
        var oldByID = [String: FeatureManifest.Entry]()
        if let old, old.parameters == parameters, old.mels == mels, old.frames == frames {
            for e in old.tracks { oldByID[e.id] = e }
        }
        var oldArray: NPYArray?
        func reusable(_ i: Int) -> FeatureManifest.Entry? {
            guard let e = oldByID[dataset.tracks[i].id], let s = stamps[i],
                  e.size == s.size, e.mtimeNanoseconds == s.mtime else { return nil }
            return e
        }
        let todo = dataset.tracks.indices.filter { reusable($0) == nil }
        let needOldRows = dataset.tracks.indices.contains { reusable($0)?.firstRow != nil }
        if needOldRows, let old {
            let arrayPath = folder.appendingPathComponent(old.array).path
            do {
                let a = try NPY.read(arrayPath)
                guard a.shape.count == 3, a.shape[1] == mels, a.shape[2] == frames else {
                    throw FeatureCacheError.badManifest(path: manifestURL.path,
                                                        reason: "\(old.array) has shape \(a.shape), not [rows, \(mels), \(frames)]")
                }
                try old.checkRows(arrayRows: a.shape[0], path: manifestURL.path)
                oldArray = a
            } catch {
                log("\(error); recomputing")
            }
        }
        // Rows are only reusable if the old array is readable; otherwise everything is recomputed.
        let recompute: [Int] = (needOldRows && oldArray == nil) ? Array(dataset.tracks.indices) : todo
        if !recompute.isEmpty {
            log("extracting log-mel features of \(recompute.count) of \(dataset.tracks.count) files into \(folder.path)")
        }
        let computed = try ClipExtraction.extract(recompute.map { dataset.tracks[$0].path }, parameters: parameters)
        var fresh = [Int: TrackFeatures]()
        for (k, i) in recompute.enumerated() { fresh[i] = computed[k] }

        // Assemble in dataset order.
        var features = [Float]()
        var labels = [Int](), ids = [String](), clipIdx = [Int](), entries = [FeatureManifest.Entry]()
        var summary = FeatureSummary()
        let genreIndex = Dictionary(uniqueKeysWithValues: dataset.genres.enumerated().map { ($1, $0) })
        for (i, track) in dataset.tracks.enumerated() {
            let stamp = stamps[i] ?? (size: -1, mtime: -1)
            var entry = FeatureManifest.Entry(id: track.id, genre: track.genre, size: stamp.size,
                                              mtimeNanoseconds: stamp.mtime, firstRow: nil, clips: 0, skipped: nil)
            let result: TrackFeatures
            if let f = fresh[i] {
                result = f
                summary.computed += 1
            } else {
                let e = reusable(i)!
                if let reason = e.skipped {
                    result = .skipped(reason: reason)
                } else {
                    result = .clips(count: e.clips, values: Array(oldArray!.values[old!.valueRange(of: e)]))
                }
                summary.reused += 1
            }
            switch result {
            case let .skipped(reason):
                entry.skipped = reason
                summary.skipped.append(reason)
                log("skipped \(reason)")
            case let .clips(count, values):
                entry.firstRow = labels.count
                entry.clips = count
                features += values
                for c in 0..<count {
                    labels.append(genreIndex[track.genre]!)
                    ids.append(track.id)
                    clipIdx.append(c)
                }
            }
            entries.append(entry)
        }
        summary.clips = labels.count

        if !recompute.isEmpty || old == nil || old!.tracks.map(\.id) != entries.map(\.id) {
            // New array first (its own name), then the manifest that names it, then old arrays.
            let name = "features-" + StableHash.hex(of: entries.map { "\($0.id)|\($0.size)|\($0.mtimeNanoseconds)" }
                .joined(separator: "\n")) + ".npy"
            do {
                try NPY.write(features, shape: [labels.count, mels, frames], to: folder.appendingPathComponent(name).path)
                let manifest = FeatureManifest(parameters: parameters, root: dataset.root, array: name,
                                               mels: mels, frames: frames, tracks: entries)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(manifest).write(to: manifestURL, options: .atomic)
            } catch {
                throw FeatureCacheError.cannotWrite(path: folder.path, reason: "\(error)")
            }
            // Older generations, and temporaries of killed writers (safe: we hold the lock).
            let others = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasPrefix("features-") && $0 != name }
            for f in others { try? FileManager.default.removeItem(at: folder.appendingPathComponent(f)) }
        }
        return ClipFeatures(features: features, mels: mels, frames: frames, genres: dataset.genres, labels: labels,
                            trackIDs: ids, clipIndices: clipIdx, summary: summary)
    }

    /// Size and modification time (ns) of a file, or nil if it cannot be stat'ed.
    static func fileStamp(_ path: String) -> (size: Int64, mtime: Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (Int64(st.st_size), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }
}
