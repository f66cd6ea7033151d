import CSndfile
import XCTest
@testable import Audio

/// Decoding: every format decodes to the samples written; bad input gives a clear, typed error.
final class DecoderTests: XCTestCase {
    /// 0.5 s of a two-tone signal in ±0.6 (no clipping in any format).
    func testSignal(rate: Int = 22_050, seconds: Double = 0.5) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { i in
            let t = Float(i) / Float(rate)
            return 0.4 * sinf(2 * .pi * 440 * t) + 0.2 * sinf(2 * .pi * 1_234 * t)
        }
    }

    /// Lossless formats: max |error| within one quantisation step of the format (half a step of
    /// rounding, plus libsndfile's asymmetric scaling: it writes x·(2^(b−1) − 1) and reads n / 2^(b−1)).
    func testLosslessFormatsRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        let x = testSignal()
        let cases: [(String, AudioFileFormat, Float)] = [
            ("wav16.wav", .wav16, 1.0 / 32_768 + 1e-7),
            ("wav24.wav", .wav24, 1.0 / 8_388_608 + 1e-7),
            ("wav32.wav", .wav32, 1e-7),
            ("wavu8.wav", .wavU8, 1.0 / 128 + 1e-6),
            ("float.wav", .wavFloat, 0),
            ("double.wav", .wavDouble, 0),
            ("gtzan.au", .au16, 1.0 / 32_768 + 1e-7),
            ("aiff.aiff", .aiff16, 1.0 / 32_768 + 1e-7),
            ("flac16.flac", .flac16, 1.0 / 32_768 + 1e-7),
            ("flac24.flac", .flac24, 1.0 / 8_388_608 + 1e-7),
            ("w64.w64", .w64Float, 0),
            ("caf.caf", .caf16, 1.0 / 32_768 + 1e-7),
            ("rf64.rf64", .rf64PCM24, 1.0 / 8_388_608 + 1e-7),
        ]
        for (name, format, tolerance) in cases {
            let path = dir.appendingPathComponent(name).path
            try AudioFileWriter.write(x, sampleRate: 22_050, format: format, to: path)
            let d = try AudioDecoder.decode(path)
            XCTAssertEqual(d.sampleRate, 22_050, name)
            XCTAssertEqual(d.channels, 1, name)
            XCTAssertEqual(d.samples.count, x.count, name)
            let err = zip(d.samples, x).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(err, tolerance, name)
        }
    }

    /// Companded (µ-law, A-law: 8-bit logarithmic, error ≤ 1/32 of the magnitude plus a small step) and
    /// lossy (Vorbis, Opus, MP3: same spectrum within 1 dB) formats.
    func testCompandedAndLossyFormatsRoundTrip() throws {
        let dir = try makeTemporaryDirectory(self)
        for (name, format) in [("ulaw.wav", AudioFileFormat.wavULaw), ("alaw.wav", .wavALaw)] {
            let x = testSignal()
            let path = dir.appendingPathComponent(name).path
            try AudioFileWriter.write(x, sampleRate: 22_050, format: format, to: path)
            let y = try AudioDecoder.decode(path).samples
            XCTAssertEqual(y.count, x.count, name)
            for (a, b) in zip(x, y) { XCTAssertLessThanOrEqual(abs(a - b), abs(a) / 32 + 0.002, name) }
        }
        for (name, format, rate, maxDB) in [("vorbis.ogg", AudioFileFormat.oggVorbis, 22_050, Float(1)),
                                            ("opus.opus", .oggOpus, 48_000, 1),
                                            ("mp3.mp3", .mp3, 22_050, 1)] {
            let x = testSignal(rate: rate, seconds: 1)
            let path = dir.appendingPathComponent(name).path
            try AudioFileWriter.write(x, sampleRate: rate, format: format, to: path)
            let d = try AudioDecoder.decode(path)
            XCTAssertEqual(d.sampleRate, rate, name)
            // Lossy codecs add encoder delay and change the waveform: compare the mean log-mel spectrum
            // of the middle of the file, band by band, over bands within 40 dB of the loudest.
            let mean = { (y: [Float]) -> [Float] in
                let e = try! LogMelExtractor(.paper)
                let mid = Array(y[(y.count / 4)..<(3 * y.count / 4)])
                let s = e(try! Resampler.resample(mid, from: rate, to: 22_050))
                return (0..<s.mels).map { m in (0..<s.frames).map { s[m, $0] }.reduce(0, +) / Float(s.frames) }
            }
            let a = mean(x), b = mean(d.samples)
            let loud = a.max()!
            let worst = zip(a, b).filter { $0.0 > loud - 40 }.map { abs($0.0 - $0.1) }.max()!
            XCTAssertLessThan(worst, maxDB, "\(name): mean log-mel differs by \(worst) dB")
            XCTAssertGreaterThan(d.samples.count, x.count - 2_048, name)
        }
    }

    /// Multi-channel files become the mean of their channels.
    func testStereoIsMeanOfChannels() throws {
        let dir = try makeTemporaryDirectory(self)
        let frames = 1_000
        var interleaved = [Float]()
        for i in 0..<frames { interleaved += [Float(i) / 2_000, -0.25] }
        let path = dir.appendingPathComponent("st.wav").path
        try AudioFileWriter.write(interleaved, sampleRate: 22_050, channels: 2, format: .wavFloat, to: path)
        let d = try AudioDecoder.decode(path)
        XCTAssertEqual(d.channels, 2)
        XCTAssertEqual(d.samples, (0..<frames).map { (Float($0) / 2_000 + -0.25) / 2 })
    }

    /// 44.1 kHz → 22 050 Hz: ceil(n / 2) samples, and a 1 kHz tone keeps its amplitude and frequency.
    func testResampleKeepsTone() throws {
        let x = (0..<44_101).map { sinf(2 * .pi * 1_000 * Float($0) / 44_100) * 0.5 }
        let y = try Resampler.resample(x, from: 44_100, to: 22_050)
        XCTAssertEqual(y.count, 22_051)
        for i in stride(from: 1_000, to: 21_000, by: 97) {
            XCTAssertEqual(y[i], 0.5 * sinf(2 * .pi * 1_000 * Float(i) / 22_050), accuracy: 2e-3)
        }
        XCTAssertEqual(try Resampler.resample(x, from: 22_050, to: 22_050), x)
        XCTAssertThrowsError(try Resampler.resample(x, from: 1, to: 22_050))
    }

    // MARK: bad input

    func expectDecodeError(_ path: String, file: StaticString = #filePath, line: UInt = #line,
                           _ check: (AudioDecodeError) -> Bool) {
        XCTAssertThrowsError(try AudioDecoder.load(path), file: file, line: line) { error in
            guard let e = error as? AudioDecodeError else { return XCTFail("untyped error \(error)", file: file, line: line) }
            XCTAssertTrue(check(e), "unexpected error: \(e)", file: file, line: line)
            XCTAssertTrue(e.description.contains(path), "message must name the file: \(e)", file: file, line: line)
        }
    }

    func testZeroLengthFile() throws {
        let path = try makeTemporaryDirectory(self).appendingPathComponent("empty.wav").path
        FileManager.default.createFile(atPath: path, contents: Data())
        expectDecodeError(path) { if case .cannotOpen = $0 { return true }; return false }
    }

    func testTruncatedHeader() throws {
        let dir = try makeTemporaryDirectory(self)
        let good = dir.appendingPathComponent("good.wav").path
        try AudioFileWriter.write(testSignal(), sampleRate: 22_050, to: good)
        let path = dir.appendingPathComponent("truncated.wav").path
        FileManager.default.createFile(atPath: path, contents: try Data(contentsOf: URL(fileURLWithPath: good)).prefix(20))
        expectDecodeError(path) { if case .cannotOpen = $0 { return true }; return false }
    }

    func testHeaderOnlyIsEmpty() throws {
        let dir = try makeTemporaryDirectory(self)
        let good = dir.appendingPathComponent("good.wav").path
        try AudioFileWriter.write(testSignal(), sampleRate: 22_050, to: good)
        let path = dir.appendingPathComponent("header-only.wav").path
        FileManager.default.createFile(atPath: path, contents: try Data(contentsOf: URL(fileURLWithPath: good)).prefix(44))
        expectDecodeError(path) {
            if case .empty = $0 { return true }
            if case .cannotOpen = $0 { return true }
            return false
        }
    }

    func testRandomBytesNamedWav() throws {
        let path = try makeTemporaryDirectory(self).appendingPathComponent("noise.wav").path
        var g = SystemRandomNumberGenerator()
        FileManager.default.createFile(atPath: path, contents: Data((0..<4_096).map { _ in UInt8.random(in: 0...255, using: &g) }))
        expectDecodeError(path) { if case let .cannotOpen(_, reason) = $0 { return !reason.isEmpty }; return false }
    }

    func testNaNAndInfinityAreRefused() throws {
        let dir = try makeTemporaryDirectory(self)
        for (name, bad) in [("nan.wav", Float.nan), ("inf.wav", Float.infinity), ("minf.wav", -Float.infinity)] {
            var x = testSignal()
            x[1_234] = bad
            let path = dir.appendingPathComponent(name).path
            try AudioFileWriter.write(x, sampleRate: 22_050, format: .wavFloat, to: path)
            expectDecodeError(path) { if case let .nonFinite(_, frame, _, _) = $0 { return frame == 1_234 }; return false }
        }
    }

    func testMissingFile() {
        expectDecodeError("/nonexistent/track.wav") { if case .cannotOpen = $0 { return true }; return false }
    }

    /// A directory or a FIFO named like audio: refused before libsndfile (a FIFO would block the open).
    func testDirectoryAndFIFOAreNotDecoded() throws {
        let dir = try makeTemporaryDirectory(self)
        let folder = dir.appendingPathComponent("folder.wav").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        expectDecodeError(folder) { if case let .notARegularFile(_, kind) = $0 { return kind == "directory" }; return false }
        let fifo = dir.appendingPathComponent("pipe.wav").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        expectDecodeError(fifo) { if case let .notARegularFile(_, kind) = $0 { return kind == "FIFO" }; return false }
    }

    /// Unreadable permissions (only meaningful when not running as root, which reads everything).
    func testUnreadableFile() throws {
        guard geteuid() != 0 else { throw XCTSkip("running as root: permissions do not block reads") }
        let path = try makeTemporaryDirectory(self).appendingPathComponent("locked.wav").path
        try AudioFileWriter.write(testSignal(), sampleRate: 22_050, to: path)
        chmod(path, 0)
        expectDecodeError(path) { if case .cannotOpen = $0 { return true }; return false }
    }
}
