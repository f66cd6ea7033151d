import XCTest
@testable import Audio

/// gcnn's log-mel features against librosa 0.11's, from the committed fixtures.
///
/// Tolerance: max |Δ| ≤ 0.05 dB on every bin above the `top_db` floor for files at 22 050 Hz.
///
/// The 44.1 kHz stereo file is resampled by librosa with soxr ("soxr_hq", librosa 0.11's default) and
/// by gcnn with libsamplerate (SRC_SINC_BEST_QUALITY). The two filters agree in the passband and
/// differ in their transition bands just below the new Nyquist frequency (11 025 Hz), so: bands whose
/// upper edge lies at or below 0.9 × 11 025 Hz keep the 0.05 dB tolerance; the bands above (the top
/// two of 64) are held to 3 dB (measured: 2.69 dB; for scale, librosa's own "soxr_vhq" and
/// "polyphase" resamplers differ from "soxr_hq" there by 0.33 dB and 4.2 dB).
final class LogMelFixtureTests: XCTestCase {
    static let tolerance: Float = 0.05

    let extractor = try! LogMelExtractor(.paper)

    struct Comparison { var maxDelta: Float; var compared: Int }

    /// Upper edge of each band, Hz.
    static let upperEdges = Array(MelFilterbank.bandEdges(melCount: 64, fMin: 0, fMax: 11_025).dropFirst(2))
    /// Bands whose upper edge lies in the resamplers' transition band.
    static let transitionBands = Set(upperEdges.indices.filter { upperEdges[$0] > 0.9 * 11_025 })

    /// Max |Δ| over bins where either array lies above the expected floor; `bands` limits the rows.
    func compare(_ ours: [Float], _ expected: [Float], bands: (Int) -> Bool = { _ in true }) -> Comparison {
        let top = expected.max()!
        let floor = top - 80
        let frames = expected.count / 64
        var worst: Float = 0, n = 0
        for i in expected.indices where bands(i / frames) && max(ours[i], expected[i]) > floor {
            worst = max(worst, abs(ours[i] - expected[i]))
            n += 1
        }
        return Comparison(maxDelta: worst, compared: n)
    }

    /// For the resampled file: the passband bands at 0.05 dB, the transition bands at 3 dB.
    func compareResampled(_ ours: [Float], _ expected: [Float], _ what: String) {
        XCTAssertEqual(Self.transitionBands, [62, 63])
        let pass = compare(ours, expected) { !Self.transitionBands.contains($0) }
        let top = compare(ours, expected) { Self.transitionBands.contains($0) }
        XCTAssertLessThanOrEqual(pass.maxDelta, Self.tolerance, "\(what): passband bands")
        XCTAssertLessThanOrEqual(top.maxDelta, 3, "\(what): transition bands")
        print("fixture \(what): max |Δ| = \(pass.maxDelta) dB over \(pass.compared) bins of bands 0–61; "
              + "\(top.maxDelta) dB over \(top.compared) bins of bands 62–63")
    }

    func checkWhole(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Comparison {
        let samples = try AudioDecoder.load(Fixtures.path("\(name).wav"))
        let expected = try NPY.read(Fixtures.path("\(name).whole.npy"))
        let ours = extractor(samples)
        XCTAssertEqual([ours.mels, ours.frames], expected.shape, "\(name): shape", file: file, line: line)
        guard [ours.mels, ours.frames] == expected.shape else { return Comparison(maxDelta: .infinity, compared: 0) }
        let c = compare(ours.values, expected.values)
        XCTAssertLessThanOrEqual(c.maxDelta, Self.tolerance, "\(name): max |Δ| dB", file: file, line: line)
        print("fixture \(name) whole \(expected.shape): max |Δ| = \(c.maxDelta) dB over \(c.compared) bins")
        return c
    }

    func testChirp() throws { _ = try checkWhole("chirp") }
    func testWhiteNoise() throws { _ = try checkWhole("white_noise") }
    func testClippedSquare() throws { _ = try checkWhole("clipped_square") }
    func testMultiToneWithOnset() throws { _ = try checkWhole("multitone_onset") }
    func testStereoIsMeanOfChannels() throws { _ = try checkWhole("stereo_22k") }
    func testShortFileWhole() throws { _ = try checkWhole("short_1500ms") }

    func testStereo44kResampled() throws {
        let samples = try AudioDecoder.load(Fixtures.path("stereo_44k.wav"))
        XCTAssertEqual(samples.count, 46_305)  // ceil(92 610 · 22 050 / 44 100)
        let expected = try NPY.read(Fixtures.path("stereo_44k.whole.npy"))
        let ours = extractor(samples)
        XCTAssertEqual([ours.mels, ours.frames], expected.shape)
        compareResampled(ours.values, expected.values, "stereo_44k whole")
    }

    /// All zeros: librosa gives 10·log10(amin) = −100 dB in every bin, and the top_db clip leaves it.
    func testSilenceIsFloorEverywhere() throws {
        let samples = try AudioDecoder.load(Fixtures.path("silence.wav"))
        let expected = try NPY.read(Fixtures.path("silence.whole.npy"))
        let ours = extractor(samples)
        XCTAssertEqual([ours.mels, ours.frames], [64, 173])
        XCTAssertEqual(Set(expected.values), [-100])
        XCTAssertEqual(ours.values, expected.values)
    }

    /// Each clip's features equal librosa run on that clip alone.
    func testClipsOfLongerSignal() throws {
        for name in ["multitone_onset", "stereo_44k"] {
            let samples = try AudioDecoder.load(Fixtures.path("\(name).wav"))
            let expected = try NPY.read(Fixtures.path("\(name).clips.npy"))
            let slicer = ClipSlicer(.paper)
            let ours = slicer.features(of: samples, extractor: extractor)
            XCTAssertEqual([ours.count / slicer.floatsPerClip, 64, 173], expected.shape, name)
            guard ours.count == expected.values.count else { continue }
            let per = slicer.floatsPerClip
            for k in 0..<expected.shape[0] {
                let a = Array(ours[(k * per)..<((k + 1) * per)]), b = Array(expected.values[(k * per)..<((k + 1) * per)])
                if name == "stereo_44k" {
                    compareResampled(a, b, "\(name) clip \(k)")
                } else {
                    let c = compare(a, b)
                    XCTAssertLessThanOrEqual(c.maxDelta, Self.tolerance, "\(name) clip \(k)")
                    print("fixture \(name) clip \(k): max |Δ| = \(c.maxDelta) dB over \(c.compared) bins")
                }
            }
        }
    }

    /// A 2-s file's single clip is the whole file.
    func testTwoSecondFileHasOneClipEqualToWhole() throws {
        let samples = try AudioDecoder.load(Fixtures.path("chirp.wav"))
        XCTAssertEqual(samples.count, 44_100)
        let clips = ClipSlicer(.paper).features(of: samples, extractor: extractor)
        XCTAssertEqual(clips, extractor(samples).values)
    }

    /// A track shorter than one clip has no clips.
    func testShortFileHasNoClips() throws {
        let samples = try AudioDecoder.load(Fixtures.path("short_1500ms.wav"))
        XCTAssertEqual(ClipSlicer(.paper).clipStarts(samples: samples.count), [])
    }
}
