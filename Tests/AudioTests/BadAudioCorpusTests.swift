import XCTest
@testable import Audio

/// A corpus of odd and broken audio files, assembled byte by byte at test time (`HandBuiltAudio`): every
/// file either decodes to exactly the samples stored in it (after the documented mono downmix), or is
/// refused with a typed, one-line error naming it. Never a crash, a hang or a silently different signal.
/// (The libsndfile-written round trips, lossy codecs and directory/FIFO cases are in `DecoderTests`.)
final class BadAudioCorpusTests: XCTestCase {
    /// What decoding a corpus file must give.
    enum Expectation {
        /// Exactly these interleaved samples (compared after the mono downmix), at this rate.
        case samples(rate: Int, channels: Int, interleaved: [Float])
        /// The header claims more data than the file holds: exactly the whole frames present are decoded
        /// (`interleaved` is every whole frame stored), as librosa/soundfile read them.
        case presentFrames(rate: Int, channels: Int, interleaved: [Float])
        /// A typed error (any reason) naming the file.
        case refused
        /// Refused as non-finite at this frame and channel.
        case nonFinite(frame: Int, channel: Int)
    }

    struct Case {
        var name: String
        var bytes: [UInt8]
        var expect: Expectation
    }

    typealias H = HandBuiltAudio

    static func ramp(_ count: Int, bits: Int) -> [Int32] { H.integerRamp(count: count, bits: bits) }

    /// Every corpus file. Short (≤ 0.5 s) so the whole corpus decodes in well under a second.
    static func corpus() -> [Case] {
        var cases = [Case]()
        let rate = 22_050
        // Integer PCM in WAVE: libsndfile scales n / 2^(bits−1) (8-bit WAVE is unsigned, stored n + 128).
        for bits in [8, 16, 24, 32] {
            let n = ramp(3_000, bits: bits)
            let x = n.map { Float($0) / Float(Int64(1) << (bits - 1)) }
            cases.append(Case(name: "pcm\(bits).wav", bytes: H.wav(.pcm(bits: bits), channels: 1, sampleRate: rate,
                                                                  data: H.pcmLE(n, bits: bits)),
                              expect: .samples(rate: rate, channels: 1, interleaved: x)))
        }
        let wave: [Float] = (0..<3_000).map { 0.9 * sinf(Float($0) * 0.05) + (Float($0 % 7) - 3) * 1e-3 }
        cases.append(Case(name: "float32.wav", bytes: H.wav(.float32, channels: 1, sampleRate: rate, data: H.float32LE(wave)),
                          expect: .samples(rate: rate, channels: 1, interleaved: wave)))
        let doubles = wave.map { Double($0) + 1e-12 }
        cases.append(Case(name: "float64.wav", bytes: H.wav(.float64, channels: 1, sampleRate: rate, data: H.float64LE(doubles)),
                          expect: .samples(rate: rate, channels: 1, interleaved: doubles.map { Float($0) })))
        // Companded: every one of the 256 codes, decoded by the G.711 tables, / 32 768.
        let codes = (0..<1_024).map { UInt8($0 % 256) }
        cases.append(Case(name: "mulaw.wav", bytes: H.wav(.muLaw, channels: 1, sampleRate: 8_000, data: codes),
                          expect: .samples(rate: 8_000, channels: 1, interleaved: codes.map { Float(H.muLawToLinear($0)) / 32_768 })))
        cases.append(Case(name: "alaw.wav", bytes: H.wav(.aLaw, channels: 1, sampleRate: 8_000, data: codes),
                          expect: .samples(rate: 8_000, channels: 1, interleaved: codes.map { Float(H.aLawToLinear($0)) / 32_768 })))

        // Sun .au (GTZAN's container), big-endian, every encoding.
        for (enc, bits) in [(H.AUEncoding.pcm8, 8), (.pcm16, 16), (.pcm24, 24), (.pcm32, 32)] {
            let n = ramp(2_000, bits: bits)
            let be = n.flatMap { v in (0..<(bits / 8)).reversed().map { UInt8((UInt32(bitPattern: v) >> (8 * $0)) & 0xFF) } }
            cases.append(Case(name: "pcm\(bits).au", bytes: H.au(enc, channels: 1, sampleRate: rate, data: be),
                              expect: .samples(rate: rate, channels: 1,
                                               interleaved: n.map { Float($0) / Float(Int64(1) << (bits - 1)) })))
        }
        cases.append(Case(name: "float32.au", bytes: H.au(.float32, channels: 1, sampleRate: rate,
                                                          data: wave.flatMap { H.be32($0.bitPattern) }),
                          expect: .samples(rate: rate, channels: 1, interleaved: wave)))
        cases.append(Case(name: "float64.au",
                          bytes: H.au(.float64, channels: 1, sampleRate: rate,
                                      data: doubles.flatMap { v in (0..<8).reversed().map { UInt8((v.bitPattern >> (8 * $0)) & 0xFF) } }),
                          expect: .samples(rate: rate, channels: 1, interleaved: doubles.map { Float($0) })))
        cases.append(Case(name: "mulaw.au", bytes: H.au(.muLaw, channels: 1, sampleRate: 8_000, data: codes),
                          expect: .samples(rate: 8_000, channels: 1, interleaved: codes.map { Float(H.muLawToLinear($0)) / 32_768 })))
        cases.append(Case(name: "alaw.au", bytes: H.au(.aLaw, channels: 1, sampleRate: 8_000, data: codes),
                          expect: .samples(rate: 8_000, channels: 1, interleaved: codes.map { Float(H.aLawToLinear($0)) / 32_768 })))

        // 1 to 6 channels (float and 16-bit), each channel its own signal.
        for channels in 1...6 {
            let frames = 1_500
            let x: [Float] = (0..<(frames * channels)).map { i in
                let (f, c) = (i / channels, i % channels)
                return 0.5 * sinf(Float(f) * 0.01 * Float(c + 1)) - 0.1 * Float(c)
            }
            cases.append(Case(name: "ch\(channels)-float.wav", bytes: H.wav(.float32, channels: channels, sampleRate: rate, data: H.float32LE(x)),
                              expect: .samples(rate: rate, channels: channels, interleaved: x)))
            let n = ramp(frames * channels, bits: 16)
            cases.append(Case(name: "ch\(channels)-pcm16.wav", bytes: H.wav(.pcm(bits: 16), channels: channels, sampleRate: rate, data: H.pcmLE(n, bits: 16)),
                              expect: .samples(rate: rate, channels: channels, interleaved: n.map { Float($0) / 32_768 })))
        }
        // 8 kHz to 96 kHz (decoded at their own rate; resampling is `testEveryRateLoadsAtTheFeatureRate`).
        for r in [8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000] {
            let n = ramp(r / 10, bits: 16)
            cases.append(Case(name: "rate\(r).wav", bytes: H.wav(.pcm(bits: 16), channels: 1, sampleRate: r, data: H.pcmLE(n, bits: 16)),
                              expect: .samples(rate: r, channels: 1, interleaved: n.map { Float($0) / 32_768 })))
        }
        // Half a second (decodes; too short for a clip: see the dataset test).
        let half = ramp(rate / 2, bits: 16)
        cases.append(Case(name: "half-second.wav", bytes: H.wav(.pcm(bits: 16), channels: 1, sampleRate: rate, data: H.pcmLE(half, bits: 16)),
                          expect: .samples(rate: rate, channels: 1, interleaved: half.map { Float($0) / 32_768 })))

        // Non-finite samples: refused (librosa refuses them too; zeroing would hide a broken export).
        for (label, bad) in [("nan", Float.nan), ("inf", Float.infinity), ("minus-inf", -Float.infinity)] {
            var x = (0..<2_000).map { Float($0) / 4_000 }
            x[2 * 611 + 1] = bad  // frame 611, channel 1 of a stereo file
            cases.append(Case(name: "\(label)-float32.wav", bytes: H.wav(.float32, channels: 2, sampleRate: rate, data: H.float32LE(x)),
                              expect: .nonFinite(frame: 611, channel: 1)))
            var d = (0..<1_000).map { Double($0) / 4_000 }
            d[997] = Double(bad)
            cases.append(Case(name: "\(label)-float64.wav", bytes: H.wav(.float64, channels: 1, sampleRate: rate, data: H.float64LE(d)),
                              expect: .nonFinite(frame: 997, channel: 0)))
            cases.append(Case(name: "\(label)-float32.au", bytes: H.au(.float32, channels: 1, sampleRate: rate, data: x.flatMap { H.be32($0.bitPattern) }),
                              expect: .nonFinite(frame: 2 * 611 + 1, channel: 0)))
        }

        // Lying and truncated headers.
        let stereo = ramp(2_000 * 2, bits: 16)
        let stereoX = stereo.map { Float($0) / 32_768 }
        let stereoBytes = H.pcmLE(stereo, bits: 16)
        let full = H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes)
        cases.append(Case(name: "truncated-data.wav", bytes: Array(full.prefix(44 + 3_001)),  // mid-frame
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: Array(stereoX.prefix(750 * 2)))))
        cases.append(Case(name: "data-size-huge.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, dataSize: 0x7FFF_FFF0),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: stereoX)))
        cases.append(Case(name: "data-size-ffffffff.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, dataSize: 0xFFFF_FFFF),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: stereoX)))
        cases.append(Case(name: "riff-size-huge.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, riffSize: 0xFFFF_FFF0),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: stereoX)))
        cases.append(Case(name: "riff-size-tiny.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, riffSize: 4),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: stereoX)))
        cases.append(Case(name: "data-size-zero.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, dataSize: 0),
                          expect: .refused))  // the data chunk says it is empty: "holds no samples"
        // A chunk before `data` claiming more bytes than the file holds: the data is never reached.
        let lyingList = Array("LIST".utf8) + H.le32(0x7FFF_0000) + Array("INFO".utf8)
        cases.append(Case(name: "list-chunk-huge.wav",
                          bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: stereoBytes, extraChunks: lyingList),
                          expect: .refused))
        // A `fmt ` chunk claiming 2 GB.
        var hugeFmt = full
        hugeFmt.replaceSubrange(16..<20, with: H.le32(0x7FFF_FFF0))
        cases.append(Case(name: "fmt-size-huge.wav", bytes: hugeFmt, expect: .refused))
        var zeroChannels = full
        zeroChannels.replaceSubrange(22..<24, with: H.le16(0))
        cases.append(Case(name: "zero-channels.wav", bytes: zeroChannels, expect: .refused))
        var zeroRate = full
        zeroRate.replaceSubrange(24..<28, with: H.le32(0))
        cases.append(Case(name: "zero-rate.wav", bytes: zeroRate, expect: .refused))
        cases.append(Case(name: "header-only.wav", bytes: H.wav(.pcm(bits: 16), channels: 2, sampleRate: rate, data: []), expect: .refused))
        cases.append(Case(name: "header-claims-data.wav", bytes: Array(full.prefix(44)), expect: .refused))
        cases.append(Case(name: "riff-only.wav", bytes: Array(full.prefix(12)), expect: .refused))
        let au16 = H.au(.pcm16, channels: 2, sampleRate: rate, data: stereo.flatMap { H.be32(UInt32(bitPattern: $0)).suffix(2) })
        cases.append(Case(name: "truncated-data.au", bytes: Array(au16.prefix(24 + 2_001)),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: Array(stereoX.prefix(500 * 2)))))
        cases.append(Case(name: "data-size-unknown.au",
                          bytes: H.au(.pcm16, channels: 2, sampleRate: rate, data: Array(au16[24...]), dataSize: 0xFFFF_FFFF),
                          expect: .samples(rate: rate, channels: 2, interleaved: stereoX)))
        cases.append(Case(name: "data-size-huge.au",
                          bytes: H.au(.pcm16, channels: 2, sampleRate: rate, data: Array(au16[24...]), dataSize: 0x7FFF_0000),
                          expect: .presentFrames(rate: rate, channels: 2, interleaved: stereoX)))
        var offsetPastEnd = au16
        offsetPastEnd.replaceSubrange(4..<8, with: H.be32(0x4000_0000))
        cases.append(Case(name: "data-offset-past-end.au", bytes: offsetPastEnd, expect: .refused))
        var auZeroChannels = au16
        auZeroChannels.replaceSubrange(20..<24, with: H.be32(0))
        cases.append(Case(name: "zero-channels.au", bytes: auZeroChannels, expect: .refused))
        cases.append(Case(name: "header-only.au", bytes: Array(au16.prefix(24)), expect: .refused))

        // Not audio at all.
        var g = SplitMix(seed: 6)
        let noise = (0..<8_192).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        cases.append(Case(name: "random.wav", bytes: noise, expect: .refused))
        cases.append(Case(name: "random.au", bytes: Array(noise.reversed()), expect: .refused))
        cases.append(Case(name: "riff-then-random.wav", bytes: Array("RIFF".utf8) + H.le32(8_000) + Array("WAVE".utf8) + noise,
                          expect: .refused))
        cases.append(Case(name: "text.flac", bytes: Array("These are my song notes, not a FLAC file.\n".utf8), expect: .refused))
        for ext in ["wav", "au", "flac"] { cases.append(Case(name: "zero-length.\(ext)", bytes: [], expect: .refused)) }
        return cases
    }

    /// Decodes one corpus file and checks it against its expectation; returns the error if refused.
    @discardableResult
    func check(_ c: Case, in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> AudioDecodeError? {
        let url = dir.appendingPathComponent(c.name)
        try H.write(c.bytes, to: url)
        do {
            let d = try AudioDecoder.decode(url.path)
            switch c.expect {
            case let .samples(rate, channels, x):
                XCTAssertEqual(d.sampleRate, rate, c.name, file: file, line: line)
                XCTAssertEqual(d.channels, channels, c.name, file: file, line: line)
                XCTAssertTrue(d.samples == AudioDecoder.mixToMono(x, channels: channels),
                              "\(c.name): decoded samples differ from those stored", file: file, line: line)
            case let .presentFrames(rate, channels, x):
                XCTAssertEqual(d.sampleRate, rate, c.name, file: file, line: line)
                XCTAssertEqual(d.channels, channels, c.name, file: file, line: line)
                XCTAssertEqual(d.samples.count, x.count / channels, "\(c.name): every whole frame present is read", file: file, line: line)
                XCTAssertTrue(d.samples == AudioDecoder.mixToMono(Array(x.prefix(d.samples.count * channels)), channels: channels),
                              "\(c.name): decoded samples differ from those stored", file: file, line: line)
            case .refused, .nonFinite:
                XCTFail("\(c.name): decoded \(d.samples.count) samples at \(d.sampleRate) Hz, expected a refusal", file: file, line: line)
            }
            return nil
        } catch let e as AudioDecodeError {
            XCTAssertTrue(e.description.hasPrefix(url.path + ":"), "\(c.name): message must start with the file: \(e)", file: file, line: line)
            XCTAssertFalse(e.description.contains("\n"), "\(c.name): message must be one line: \(e)", file: file, line: line)
            switch c.expect {
            case .samples: XCTFail("\(c.name): refused: \(e)", file: file, line: line)
            case let .nonFinite(frame, channel):
                if case let .nonFinite(_, f, ch, _) = e {
                    XCTAssertEqual([f, ch], [frame, channel], c.name, file: file, line: line)
                } else {
                    XCTFail("\(c.name): expected a non-finite refusal, got \(e)", file: file, line: line)
                }
            case .presentFrames: XCTFail("\(c.name): refused, but its whole frames are readable: \(e)", file: file, line: line)
            case .refused: break
            }
            return e
        }
    }

    func testEveryCorpusFileDecodesExactlyOrIsRefusedNamingIt() throws {
        let dir = try makeTemporaryDirectory(self)
        var refused = 0, decoded = 0
        let corpus = Self.corpus()
        for c in corpus {
            if try check(c, in: dir) == nil { decoded += 1 } else { refused += 1 }
        }
        XCTAssertEqual(corpus.count, 73)
        XCTAssertEqual([decoded, refused], [46, 27])
    }

    /// Every rate from 8 to 96 kHz loads at 22 050 Hz: `ceil(n · 22 050 / rate)` samples, and a 440 Hz
    /// tone stays that tone (same bound as `DecoderTests.testResampleKeepsTone`); 22 050 Hz is untouched.
    func testEveryRateLoadsAtTheFeatureRate() throws {
        let dir = try makeTemporaryDirectory(self)
        for r in [8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000] {
            let n = r / 2
            let x = (0..<n).map { 0.5 * sinf(2 * .pi * 440 * Float($0) / Float(r)) }
            let url = dir.appendingPathComponent("tone\(r).wav")
            try H.write(H.wav(.float32, channels: 1, sampleRate: r, data: H.float32LE(x)), to: url)
            let y = try AudioDecoder.load(url.path)
            XCTAssertEqual(y.count, Int((Double(n) * 22_050 / Double(r)).rounded(.up)), "\(r) Hz")
            if r == 22_050 { XCTAssertEqual(y, x); continue }
            for i in stride(from: 600, to: y.count - 600, by: 53) {
                XCTAssertEqual(y[i], 0.5 * sinf(2 * .pi * 440 * Float(i) / 22_050), accuracy: 2e-3, "\(r) Hz, sample \(i)")
            }
        }
    }

    /// Ten minutes of mono 22 050 Hz 16-bit audio (13 230 000 samples) decode exactly.
    func testTenMinuteFileDecodesExactly() throws {
        let dir = try makeTemporaryDirectory(self)
        let count = 600 * 22_050
        let n = H.integerRamp(count: count, bits: 16)
        let url = dir.appendingPathComponent("ten-minutes.wav")
        try H.write(H.wav(.pcm(bits: 16), channels: 1, sampleRate: 22_050, data: H.pcmLE(n, bits: 16)), to: url)
        let d = try AudioDecoder.decode(url.path)
        XCTAssertEqual(d.samples.count, count)
        XCTAssertEqual(d.duration, 600)
        var mismatches = 0
        for i in 0..<count where d.samples[i] != Float(n[i]) / 32_768 { mismatches += 1 }
        XCTAssertEqual(mismatches, 0)
    }

    /// The corpus inside a GTZAN-layout folder: feature extraction does not stop; each file without a clip
    /// (refused, or decoded but shorter than a clip) is skipped with exactly one line naming it, and the
    /// two good tracks give their clips.
    func testCorpusInAGenreFolderIsSkippedOneLineEachAndTheRestExtracted() throws {
        let root = try makeTemporaryDirectory(self)
        let fm = FileManager.default
        for g in ["blues", "metal"] { try fm.createDirectory(at: root.appendingPathComponent(g), withIntermediateDirectories: false) }
        let corpus = Self.corpus()
        for (i, c) in corpus.enumerated() {
            try H.write(c.bytes, to: root.appendingPathComponent(i % 2 == 0 ? "blues" : "metal").appendingPathComponent(c.name))
        }
        let good = (0..<Int(2.5 * 22_050)).map { 0.3 * sinf(Float($0) * 0.07) }
        for g in ["blues", "metal"] {
            try H.write(H.wav(.float32, channels: 1, sampleRate: 22_050, data: H.float32LE(good)),
                        to: root.appendingPathComponent(g).appendingPathComponent("good.wav"))
        }
        let dataset = try GenreDataset.scan(root.path)
        XCTAssertEqual(dataset.tracks.count, corpus.count + 2)
        var lines = [String]()
        let lock = NSLock()
        let features = try FeatureExport.collect(dataset: dataset, parameters: .paper, log: { l in lock.lock(); lines.append(l); lock.unlock() })
        XCTAssertEqual(features.trackIDs, ["blues/good.wav", "metal/good.wav"])
        XCTAssertEqual(features.labels, [0, 1])
        XCTAssertEqual(lines.count, corpus.count, "one line per skipped file")
        for c in corpus {
            let named = lines.filter { $0.contains("/" + c.name + ":") }
            XCTAssertEqual(named.count, 1, "\(c.name): \(named)")
            XCTAssertFalse(named.first?.contains("\n") ?? true, c.name)
        }
        XCTAssertTrue(lines.contains { $0.contains("half-second.wav: 0.50 s is shorter than one 2.00-s clip") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.contains("nan-float32.wav: sample 611 (channel 1) is nan") }, "\(lines)")
    }
}

/// A tiny deterministic generator for test bytes.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB2_6111_49EB
        return z ^ (z >> 31)
    }
}
