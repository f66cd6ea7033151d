@testable import Audio
import Foundation
import XCTest

/// The whole-track spectrograms random crops draw from: computed once, cached per track, damaged files
/// recomputed; and how a crop of one relates to the same clip computed alone.
final class WholeTrackCacheTests: XCTestCase {
    /// 6 s of a chirp over noise at 22 050 Hz.
    private func writeTrack(in dir: URL) throws -> Track {
        var state: UInt64 = 12345
        let samples = (0..<(6 * 22_050)).map { i -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
            let t = Double(i) / 22_050
            return 0.5 * Float(sin(2 * Double.pi * (200 * t + 400 * t * t))) + 0.05 * noise
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("pop"), withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("pop/pop.00000.wav").path
        try AudioFileWriter.write(samples, sampleRate: 22_050, format: .wav16, to: path)
        return Track(path: path, id: "pop/pop.00000.wav", genre: "pop")
    }

    func testComputedOnceThenReadBackAndRecomputedWhenDamaged() throws {
        let dir = try makeTemporaryDirectory(self)
        let track = try writeTrack(in: dir)
        let cache = dir.appendingPathComponent("cache")
        var log: [String] = []
        let first = try WholeTrackCache.load(tracks: [track], parameters: .paper, cacheDir: cache) { log.append($0) }
        XCTAssertEqual(log.count, 1, "\(log)")
        XCTAssertTrue(log[0].contains("computing whole-track"), "\(log)")
        let samples = try AudioDecoder.load(track.path, sampleRate: 22_050)
        XCTAssertEqual(first[0].frames, 1 + samples.count / 256)
        XCTAssertEqual(first[0].values, try LogMelExtractor(WholeTrackCache.parameters(for: .paper))(samples).values)
        log = []
        XCTAssertEqual(try WholeTrackCache.load(tracks: [track], parameters: .paper, cacheDir: cache) { log.append($0) }, first)
        XCTAssertEqual(log, [], "the second load reads the cache")
        let folder = try XCTUnwrap(FileManager.default.enumerator(at: cache, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.first { $0.pathExtension == "npy" })
        try Data([0x93, 0x4E, 0x55]).write(to: folder)
        XCTAssertEqual(try WholeTrackCache.load(tracks: [track], parameters: .paper, cacheDir: cache) { log.append($0) }, first)
        XCTAssertTrue(log.contains { $0.contains("damaged") }, "\(log)")
    }

    /// A frame-aligned window of the whole track, floored at its own maximum − 80 dB, is the clip computed
    /// alone wherever the clip's STFT frames see no padding (frames 2…170 of 173 with n_fft 512, hop 256); the
    /// two frames at each edge differ (the clip alone pads with zeros where the crop sees the neighbouring audio).
    func testACropIsTheClipComputedAloneAwayFromItsEdges() throws {
        let dir = try makeTemporaryDirectory(self)
        let track = try writeTrack(in: dir)
        let whole = try WholeTrackCache.load(tracks: [track], parameters: .paper, cacheDir: dir.appendingPathComponent("cache"))[0]
        let samples = try AudioDecoder.load(track.path, sampleRate: 22_050)
        let extractor = try LogMelExtractor(.paper)
        let frames = 173
        for start in [1, 97, whole.frames - frames] {
            let alone = extractor(Array(samples[(start * 256)..<(start * 256 + 44_100)])).values
            var crop = (0..<64).flatMap { m in (0..<frames).map { whole.values[m * whole.frames + start + $0] } }
            let floor = crop.max()! - 80
            crop = crop.map { max($0, floor) }
            var interior = 0.0, edge = 0.0
            for m in 0..<64 {
                for t in 0..<frames {
                    let d = Double(abs(crop[m * frames + t] - alone[m * frames + t]))
                    if (2...170).contains(t) { interior = max(interior, d) } else { edge = max(edge, d) }
                }
            }
            XCTAssertLessThan(interior, 1e-3, "window at frame \(start)")
            XCTAssertGreaterThan(edge, 0.1, "window at frame \(start): the edge frames must differ")
        }
    }
}
