import Dispatch
import Foundation

/// Errors of generating the synthetic corpus.
public enum SyntheticCorpusError: Error, CustomStringConvertible {
    case invalidParameters(String)
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidParameters(why): return "synthetic corpus: \(why)"
        case let .cannotCreate(path, reason): return "\(path): cannot create the synthetic corpus folder: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write a synthetic track: \(reason)"
        }
    }
}

/// gcnn's built-in data: a deterministic, musicologically controlled corpus of synthetic tracks for
/// the ten GTZAN genres, in GTZAN's layout (`<genre>/<genre>.00042.wav`, 22 050 Hz mono 16-bit).
///
/// Every track depends only on `(seed, genre, index, seconds)`, so the corpus is bit-identical for a
/// seed whatever the number of threads. See `docs/synthetic-corpus.md` for the genre recipes.
public enum SyntheticCorpus {
    /// Version of the generator; part of the cache folder's name, bumped when the audio changes.
    public static let version = 1
    /// Name of the completion marker, written last.
    public static let markerName = ".complete"

    /// The file name of track `index` of `genre` (GTZAN style, `metal.00042.wav`).
    public static func fileName(genre: SynthGenre, index: Int) -> String {
        let digits = String(index)
        return "\(genre.rawValue).\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits).wav"
    }

    /// Renders and writes `tracksPerGenre` tracks of every genre into `directory` (created if needed),
    /// `threads` tracks at a time (default: one per core). `progress` is called after each track with
    /// the number done so far (from any thread, serialised).
    public static func generate(into directory: URL, tracksPerGenre: Int, seed: UInt64, seconds: Double,
                                genres: [SynthGenre] = SynthGenre.allCases, threads: Int? = nil,
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws {
        guard tracksPerGenre > 0 else { throw SyntheticCorpusError.invalidParameters("--tracks-per-genre must be ≥ 1") }
        guard seconds > 0, seconds <= 600 else {
            throw SyntheticCorpusError.invalidParameters("--seconds must be in (0, 600], got \(seconds)")
        }
        let fm = FileManager.default
        for genre in genres {
            let dir = directory.appendingPathComponent(genre.rawValue)
            do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
                throw SyntheticCorpusError.cannotCreate(path: dir.path, reason: error.localizedDescription)
            }
        }
        let jobs = genres.flatMap { g in (0..<tracksPerGenre).map { (g, $0) } }
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, jobs.count))
        let state = GenerationState()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for j in stride(from: w, to: jobs.count, by: workers) {
                if state.failed { return }
                let (genre, index) = jobs[j]
                let path = directory.appendingPathComponent(genre.rawValue)
                    .appendingPathComponent(fileName(genre: genre, index: index)).path
                let samples = TrackRenderer.render(genre: genre, index: index, seed: seed, seconds: seconds)
                do {
                    try AudioFileWriter.write(samples, sampleRate: synthSampleRate, format: .wav16, to: path)
                } catch {
                    state.fail(SyntheticCorpusError.writeFailed(path: path, reason: "\(error)"))
                    return
                }
                let done = state.finishOne()
                progress?(done, jobs.count)
            }
        }
        if let error = state.error { throw error }
    }

    /// The default cache root: `$XDG_CACHE_HOME/gcnn`, else `~/.cache/gcnn`.
    public static var defaultCacheRoot: URL {
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("gcnn")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/gcnn")
    }

    /// The corpus folder's name for a parameter set: `synthetic-v1-seed<S>-<N>x<secs>s`.
    public static func folderName(tracksPerGenre: Int, seed: UInt64, seconds: Double) -> String {
        let secs = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        return "synthetic-v\(version)-seed\(seed)-\(tracksPerGenre)x\(secs)s"
    }

    /// Returns the folder holding the corpus for these parameters under `root`, generating it first
    /// if it is not there complete. Generation goes into a temporary sibling folder that is renamed
    /// into place only after every file and the completion marker are written, so an interrupted run
    /// leaves nothing that looks complete and is simply redone.
    @discardableResult
    public static func ensureGenerated(at root: URL = defaultCacheRoot, tracksPerGenre: Int = 100, seed: UInt64 = 0,
                                       seconds: Double = 30, threads: Int? = nil,
                                       progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> URL {
        let fm = FileManager.default
        let final = root.appendingPathComponent(folderName(tracksPerGenre: tracksPerGenre, seed: seed, seconds: seconds))
        if isComplete(final) { return final }
        do { try fm.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw SyntheticCorpusError.cannotCreate(path: root.path, reason: error.localizedDescription)
        }
        // A folder without its marker is a leftover of an older, interrupted layout: replace it.
        if fm.fileExists(atPath: final.path) { try? fm.removeItem(at: final) }
        let temp = root.appendingPathComponent(".\(final.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? fm.removeItem(at: temp) }
        try generate(into: temp, tracksPerGenre: tracksPerGenre, seed: seed, seconds: seconds, threads: threads,
                     progress: progress)
        let marker = """
            {"generator": "gcnn synth", "version": \(version), "seed": \(seed), "tracksPerGenre": \(tracksPerGenre), \
            "seconds": \(seconds), "sampleRate": \(synthSampleRate), "genres": [\(SynthGenre.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))]}

            """
        do { try marker.write(to: temp.appendingPathComponent(markerName), atomically: true, encoding: .utf8) } catch {
            throw SyntheticCorpusError.writeFailed(path: temp.appendingPathComponent(markerName).path,
                                                   reason: error.localizedDescription)
        }
        if rename(temp.path, final.path) != 0 {
            // Another process finished the same corpus first: use theirs.
            if isComplete(final) { return final }
            throw SyntheticCorpusError.cannotCreate(path: final.path, reason: String(cString: strerror(errno)))
        }
        return final
    }

    /// Whether `folder` holds a finished corpus (its completion marker exists).
    public static func isComplete(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(markerName).path)
    }
}

/// Shared progress/failure state of a parallel generation.
private final class GenerationState: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private(set) var error: Error?
    var failed: Bool { lock.lock(); defer { lock.unlock() }; return error != nil }
    func finishOne() -> Int { lock.lock(); defer { lock.unlock() }; done += 1; return done }
    func fail(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
}
