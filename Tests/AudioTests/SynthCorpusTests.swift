@testable import Audio
import Foundation
import XCTest

/// `gcnn synth`'s corpus: determinism, layout, file format, levels, and the cache's atomicity.
final class SynthCorpusTests: XCTestCase {
    private let seconds = 3.0

    func testSameSeedIsBitIdenticalWhateverTheThreadCount() throws {
        let a = synthTemporaryDirectory("same-a"), b = synthTemporaryDirectory("same-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try SyntheticCorpus.generate(into: a, tracksPerGenre: 1, seed: 7, seconds: seconds, threads: 1)
        try SyntheticCorpus.generate(into: b, tracksPerGenre: 1, seed: 7, seconds: seconds, threads: 3)
        for genre in SynthGenre.allCases {
            let name = "\(genre.rawValue)/\(SyntheticCorpus.fileName(genre: genre, index: 0))"
            let x = try Data(contentsOf: a.appendingPathComponent(name))
            let y = try Data(contentsOf: b.appendingPathComponent(name))
            XCTAssertEqual(x, y, "\(name) differs between 1 and 3 threads with the same seed")
        }
    }

    func testDifferentSeedsGiveDifferentTracks() throws {
        for genre in [SynthGenre.metal, .classical] {
            let x = TrackRenderer.render(genre: genre, index: 0, seed: 1, seconds: seconds)
            let y = TrackRenderer.render(genre: genre, index: 0, seed: 2, seconds: seconds)
            let z = TrackRenderer.render(genre: genre, index: 1, seed: 1, seconds: seconds)
            XCTAssertNotEqual(x, y, "\(genre): seeds 1 and 2 gave the same track")
            XCTAssertNotEqual(x, z, "\(genre): tracks 0 and 1 of one seed are equal")
            XCTAssertEqual(x, TrackRenderer.render(genre: genre, index: 0, seed: 1, seconds: seconds),
                           "\(genre): rendering is not repeatable")
        }
    }

    func testLayoutNamesAndFileFormat() throws {
        let dir = synthTemporaryDirectory("layout")
        defer { try? FileManager.default.removeItem(at: dir) }
        try SyntheticCorpus.generate(into: dir, tracksPerGenre: 2, seed: 3, seconds: 2.5, threads: 2)
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(folders, SynthGenre.allCases.map(\.rawValue))
        for genre in SynthGenre.allCases {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(genre.rawValue).path)
            XCTAssertEqual(files.sorted(), ["\(genre.rawValue).00000.wav", "\(genre.rawValue).00001.wav"])
            for f in files {
                let wav = try SynthWAV(url: dir.appendingPathComponent(genre.rawValue).appendingPathComponent(f))
                XCTAssertEqual(wav.formatTag, 1, "\(f): not PCM")
                XCTAssertEqual(wav.sampleRate, 22_050, f)
                XCTAssertEqual(wav.channels, 1, f)
                XCTAssertEqual(wav.bitsPerSample, 16, f)
                XCTAssertEqual(wav.samples.count, Int(2.5 * 22_050), "\(f): wrong length")
                // Peak-normalised to −3…−1 dBFS: never clipped, never near-silent.
                let peak = Double(wav.samples.map { abs(Int($0)) }.max() ?? 0) / 32_768
                XCTAssertGreaterThan(20 * log10(peak), -3.2, "\(f): peak too low")
                XCTAssertLessThan(20 * log10(peak), -0.9, "\(f): peak too close to full scale")
            }
        }
        XCTAssertEqual(SyntheticCorpus.fileName(genre: .metal, index: 42), "metal.00042.wav")
        XCTAssertEqual(SyntheticCorpus.fileName(genre: .hiphop, index: 123_456), "hiphop.123456.wav")
    }

    func testSamplesAreFiniteWithinFullScaleAndNeverSilentForLong() {
        for genre in SynthGenre.allCases {
            let x = TrackRenderer.render(genre: genre, index: 5, seed: 11, seconds: 4)
            XCTAssertEqual(x.count, 4 * 22_050)
            XCTAssertTrue(x.allSatisfy { $0.isFinite }, "\(genre): NaN or Inf sample")
            let peak = x.map(abs).max() ?? 0
            XCTAssertLessThanOrEqual(peak, 1, "\(genre): beyond full scale")
            // Every 0.5-s window carries music (no long silent sections): RMS within 30 dB of the track's.
            let total = (x.map { Double($0 * $0) }.reduce(0, +) / Double(x.count)).squareRoot()
            let w = 11_025
            for k in 0..<(x.count / w) {
                let r = (x[(k * w)..<((k + 1) * w)].map { Double($0 * $0) }.reduce(0, +) / Double(w)).squareRoot()
                XCTAssertGreaterThan(20 * log10(r / total), -30, "\(genre): window \(k) is nearly silent")
            }
        }
    }

    func testEnsureGeneratedIsAtomicAndReused() throws {
        let root = synthTemporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: root) }
        let url = try SyntheticCorpus.ensureGenerated(at: root, tracksPerGenre: 1, seed: 5, seconds: 1, threads: 2)
        XCTAssertEqual(url.lastPathComponent, "synthetic-v1-seed5-1x1s")
        XCTAssertTrue(SyntheticCorpus.isComplete(url))
        let track = url.appendingPathComponent("jazz/jazz.00000.wav")
        XCTAssertTrue(FileManager.default.fileExists(atPath: track.path))
        // No temporary folder is left behind.
        let entries = try FileManager.default.contentsOfDirectory(atPath: root.path)
        XCTAssertEqual(entries, [url.lastPathComponent])
        // A second call reuses the corpus: the file is not rewritten.
        let before = try FileManager.default.attributesOfItem(atPath: track.path)[.modificationDate] as? Date
        try FileManager.default.removeItem(at: url.appendingPathComponent("rock/rock.00000.wav"))
        XCTAssertEqual(try SyntheticCorpus.ensureGenerated(at: root, tracksPerGenre: 1, seed: 5, seconds: 1).path, url.path)
        let after = try FileManager.default.attributesOfItem(atPath: track.path)[.modificationDate] as? Date
        XCTAssertEqual(before, after)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.appendingPathComponent("rock/rock.00000.wav").path),
                       "a complete corpus must be reused as is")
        // Without its completion marker (an interrupted run) the folder is regenerated.
        try FileManager.default.removeItem(at: url.appendingPathComponent(SyntheticCorpus.markerName))
        _ = try SyntheticCorpus.ensureGenerated(at: root, tracksPerGenre: 1, seed: 5, seconds: 1)
        XCTAssertTrue(SyntheticCorpus.isComplete(url))
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.appendingPathComponent("rock/rock.00000.wav").path))
    }

    func testInvalidParametersAreRejected() {
        let dir = synthTemporaryDirectory("invalid")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try SyntheticCorpus.generate(into: dir, tracksPerGenre: 0, seed: 0, seconds: 1))
        XCTAssertThrowsError(try SyntheticCorpus.generate(into: dir, tracksPerGenre: 1, seed: 0, seconds: 0))
    }

    func testTrackSeedsDependOnAllCoordinates() {
        var seen = Set<UInt64>()
        for g in 0..<10 {
            for i in 0..<50 {
                var r = SynthRandom.track(seed: 0, genre: g, index: i)
                seen.insert(r.next())
            }
        }
        XCTAssertEqual(seen.count, 500)
        var a = SynthRandom.track(seed: 1, genre: 0, index: 0), b = SynthRandom.track(seed: 2, genre: 0, index: 0)
        XCTAssertNotEqual(a.next(), b.next())
    }
}
