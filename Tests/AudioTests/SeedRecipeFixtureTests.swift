import XCTest
@testable import Audio

/// The `seed` mel recipe against librosa 0.11 with `pad_mode="reflect"` and the squared mel power
/// (`make_fixtures.py`'s `<name>.seed.*.npy`), on the same signals as `LogMelFixtureTests`.
///
/// Tolerance on the seed's doubled dB scale: max |Δ| ≤ 0.1 dB (the librosa recipe's 0.05 dB, doubled with the
/// values) on every bin above the fixture's own `top_db` floor (its maximum − 80 on the doubled scale). For the
/// resampled 44.1 kHz file the two transition bands are held to 6 dB (the librosa recipe's 3 dB, doubled).
final class SeedRecipeFixtureTests: XCTestCase {
    static let tolerance: Float = 0.1

    static let seedParameters: FeatureParameters = {
        var p = FeatureParameters.paper
        p.melRecipe = .seed
        return p
    }()
    let seed = try! LogMelExtractor(SeedRecipeFixtureTests.seedParameters)
    let librosa = try! LogMelExtractor(.paper)

    /// Max |Δ| over bins where either array lies above the expected array's floor; `bands` limits the rows.
    func maxDelta(_ ours: [Float], _ expected: [Float], bands: (Int) -> Bool = { _ in true }) -> (delta: Float, bins: Int) {
        let floor = expected.max()! - 80
        let frames = expected.count / 64
        var worst: Float = 0, n = 0
        for i in expected.indices where bands(i / frames) && max(ours[i], expected[i]) > floor {
            worst = max(worst, abs(ours[i] - expected[i]))
            n += 1
        }
        return (worst, n)
    }

    func checkWhole(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let samples = try AudioDecoder.load(Fixtures.path("\(name).wav"))
        let expected = try NPY.read(Fixtures.path("\(name).seed.whole.npy"))
        let ours = seed(samples)
        XCTAssertEqual([ours.mels, ours.frames], expected.shape, "\(name): shape", file: file, line: line)
        guard [ours.mels, ours.frames] == expected.shape else { return }
        let c = maxDelta(ours.values, expected.values)
        XCTAssertLessThanOrEqual(c.delta, Self.tolerance, "\(name): max |Δ| dB (seed recipe)", file: file, line: line)
        XCTAssertGreaterThan(c.bins, 0)
        print("seed fixture \(name) whole \(expected.shape): max |Δ| = \(c.delta) dB over \(c.bins) bins")
    }

    func testChirp() throws { try checkWhole("chirp") }
    func testWhiteNoise() throws { try checkWhole("white_noise") }
    func testClippedSquare() throws { try checkWhole("clipped_square") }
    func testMultiToneWithOnset() throws { try checkWhole("multitone_onset") }
    func testStereo22k() throws { try checkWhole("stereo_22k") }
    func testShortFileWhole() throws { try checkWhole("short_1500ms") }

    func testStereo44kResampled() throws {
        let samples = try AudioDecoder.load(Fixtures.path("stereo_44k.wav"))
        let expected = try NPY.read(Fixtures.path("stereo_44k.seed.whole.npy"))
        let ours = seed(samples)
        XCTAssertEqual([ours.mels, ours.frames], expected.shape)
        let top = LogMelFixtureTests.transitionBands
        let pass = maxDelta(ours.values, expected.values) { !top.contains($0) }
        let edge = maxDelta(ours.values, expected.values) { top.contains($0) }
        XCTAssertLessThanOrEqual(pass.delta, Self.tolerance)
        XCTAssertLessThanOrEqual(edge.delta, 6)
        print("seed fixture stereo_44k whole: max |Δ| = \(pass.delta) dB over bands 0–61, \(edge.delta) dB over bands 62–63")
    }

    /// Silence: the square of zero is zero, floored at amin: −100 dB everywhere, as librosa.
    func testSilenceIsFloorEverywhere() throws {
        let samples = try AudioDecoder.load(Fixtures.path("silence.wav"))
        let expected = try NPY.read(Fixtures.path("silence.seed.whole.npy"))
        XCTAssertEqual(Set(expected.values), [-100])
        XCTAssertEqual(seed(samples).values, expected.values)
    }

    /// Each clip's seed features equal librosa's on that clip alone (its own reflect padding, its own maximum).
    func testClipsOfLongerSignal() throws {
        for name in ["multitone_onset", "stereo_44k"] {
            let samples = try AudioDecoder.load(Fixtures.path("\(name).wav"))
            let expected = try NPY.read(Fixtures.path("\(name).seed.clips.npy"))
            let slicer = ClipSlicer(Self.seedParameters)
            let ours = slicer.features(of: samples, extractor: seed)
            XCTAssertEqual([ours.count / slicer.floatsPerClip, 64, 173], expected.shape, name)
            guard ours.count == expected.values.count else { continue }
            let per = slicer.floatsPerClip
            for k in 0..<expected.shape[0] {
                let a = Array(ours[(k * per)..<((k + 1) * per)]), b = Array(expected.values[(k * per)..<((k + 1) * per)])
                let bands: (Int) -> Bool = name == "stereo_44k" ? { !LogMelFixtureTests.transitionBands.contains($0) } : { _ in true }
                let c = maxDelta(a, b, bands: bands)
                XCTAssertLessThanOrEqual(c.delta, Self.tolerance, "\(name) clip \(k)")
                print("seed fixture \(name) clip \(k): max |Δ| = \(c.delta) dB over \(c.bins) bins")
            }
        }
    }

    /// Away from the padded edges the seed's values are librosa's doubled, floored at the doubled maximum − 80:
    /// 40 dB of the mel power's range below its peak.
    func testInteriorFramesAreLibrosasDoubledWithFortyDecibelsKept() throws {
        var floored = 0
        for name in ["chirp", "white_noise", "multitone_onset", "clipped_square"] {
            let samples = try AudioDecoder.load(Fixtures.path("\(name).wav"))
            let s = seed(samples), l = librosa(samples)
            let seedPeak = s.values.max()!, libPeak = l.values.max()!
            XCTAssertEqual(seedPeak, 2 * libPeak, accuracy: 1e-3, name)
            var compared = 0
            for m in 0..<64 {
                for t in 1..<((samples.count - 256) / 256) {  // frames whose window lies inside the signal
                    let expected = max(2 * l[m, t], seedPeak - 80)
                    XCTAssertEqual(s[m, t], expected, accuracy: 2e-3, "\(name) band \(m) frame \(t)")
                    compared += 1
                    if 2 * l[m, t] < seedPeak - 80 { floored += 1 }
                }
            }
            XCTAssertGreaterThan(compared, 64 * 100)
            XCTAssertGreaterThanOrEqual(s.values.min()!, seedPeak - 80 - 1e-3, name)
        }
        XCTAssertGreaterThan(floored, 0, "the 40-dB floor must bite somewhere")
    }

    /// The two recipes differ in the frames that reach into the padding: reflection, not zeros.
    func testEdgeFramesUseReflectPadding() throws {
        let samples = try AudioDecoder.load(Fixtures.path("multitone_onset.wav"))
        let zeros = PowerSTFT(nFFT: 512, hop: 256), reflect = PowerSTFT(nFFT: 512, hop: 256, padding: .reflect)
        XCTAssertEqual(reflect.padding, .reflect)
        func firstFrame(_ stft: PowerSTFT) -> [Float] {
            let scratch = stft.makeScratch()
            samples.withUnsafeBufferPointer { stft.power(of: $0, first: 0, count: 1, scratch: scratch) }
            return (0..<stft.bins).map { scratch.power[$0 * PowerSTFT.block] }
        }
        XCTAssertNotEqual(firstFrame(zeros), firstFrame(reflect))
    }

    /// numpy's `np.pad(..., mode='reflect')` index map, including signals shorter than the padding.
    func testReflectedIndicesMatchNumpy() {
        // np.pad(np.arange(5), 6, mode='reflect')
        XCTAssertEqual((-6..<11).map { PowerSTFT.reflected($0, count: 5) }, [2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2])
        // np.pad(np.arange(2), 3, mode='reflect'), np.pad(np.arange(1), 3, mode='reflect')
        XCTAssertEqual((-3..<5).map { PowerSTFT.reflected($0, count: 2) }, [1, 0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual((-3..<4).map { PowerSTFT.reflected($0, count: 1) }, [0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual((-256..<0).map { PowerSTFT.reflected($0, count: 44_100) }, (1...256).reversed().map { $0 })
        XCTAssertEqual((44_100..<44_356).map { PowerSTFT.reflected($0, count: 44_100) }, (0..<256).map { 44_098 - $0 })
    }

    /// The librosa recipe is what it was: `.paper` still uses zero padding and no square.
    func testLibrosaRecipeIsUnchanged() throws {
        XCTAssertEqual(FeatureParameters.paper.melRecipe, .librosa)
        XCTAssertEqual(librosa.stft.padding, .zeros)
        XCTAssertFalse(MelRecipe.librosa.squaresMelPower)
        XCTAssertEqual(seed.stft.padding, .reflect)
        XCTAssertTrue(MelRecipe.seed.squaresMelPower)
    }
}
