import XCTest
@testable import Audio

/// The pieces of the log-mel pipeline against their references.
final class FeatureComponentTests: XCTestCase {
    /// Slaney mel filterbank equals librosa's float32 weights (to float rounding).
    func testMelFilterbankEqualsLibrosa() throws {
        let expected = try NPY.read(Fixtures.path("mel_basis.npy"))
        let fb = MelFilterbank(.paper)
        XCTAssertEqual([fb.melCount, fb.binCount], expected.shape)
        var worst: Float = 0
        for (a, b) in zip(fb.weights, expected.values) {
            XCTAssertEqual(a == 0, b == 0, "same support")
            worst = max(worst, abs(a - b) / max(abs(b), 1e-12))
        }
        XCTAssertLessThanOrEqual(worst, 1e-6, "max relative difference")
    }

    func testPeriodicHann() {
        let w = HannWindow.periodic(512)
        XCTAssertEqual(w[0], 0)
        XCTAssertEqual(w[256], 1)
        XCTAssertEqual(w[128], 0.5, accuracy: 1e-7)
        XCTAssertEqual(w[1], w[511])  // periodic: symmetric about n/2, w[n-1] ≠ 0
        XCTAssertGreaterThan(w[511], 0)
    }

    func testFastLogMatchesLog10f() {
        var worst: Float = 0
        var x: Float = 1e-10
        while x < 1e10 {
            worst = max(worst, abs(FastLog.decibels(x) - 10 * log10f(x)))
            x *= 1.000_37
        }
        XCTAssertLessThan(worst, 1e-4)
        XCTAssertEqual(FastLog.decibels(1), 0, accuracy: 1e-6)
    }

    func testPowerToDBFloorsAndTopDB() {
        var v: [Float] = [0, 1e-12, 1e-10, 1, 100, 1e-6]
        v.withUnsafeMutableBufferPointer { PowerToDB.apply($0) }
        // max = 20 dB; floor = −60 dB.
        XCTAssertEqual(v[4], 20, accuracy: 1e-5)
        XCTAssertEqual(v[3], 0, accuracy: 1e-5)
        XCTAssertEqual(v[0], -60, accuracy: 1e-5)
        XCTAssertEqual(v[5], -60, accuracy: 1e-5)
        var z = [Float](repeating: 0, count: 37)
        z.withUnsafeMutableBufferPointer { PowerToDB.apply($0) }
        XCTAssertEqual(Set(z), [10 * log10f(1e-10)])
    }

    func testFrameCountsAndClipStarts() throws {
        let p = FeatureParameters.paper
        XCTAssertEqual(p.clipSamples, 44_100)
        XCTAssertEqual(p.clipFrames, 173)
        let slicer = ClipSlicer(p)
        XCTAssertEqual(slicer.clipStarts(samples: 30 * 22_050).count, 8)
        XCTAssertEqual(slicer.clipStarts(samples: 30 * 22_050).last, 7 * 44_100)
        XCTAssertEqual(slicer.clipStarts(samples: 5 * 22_050), [0, 44_100])
        XCTAssertEqual(slicer.clipStarts(samples: 44_099), [])
        var q = p
        q.clipsPerTrack = 3
        q.hopSeconds = 0.5
        XCTAssertEqual(ClipSlicer(q).clipStarts(samples: 30 * 22_050), [0, 11_025, 22_050])
        q.clipSeconds = 1
        XCTAssertEqual(q.clipFrames, 87)
        XCTAssertNotEqual(q.digest, p.digest)
        var bad = p
        bad.nFFT = 511
        XCTAssertThrowsError(try bad.validate())
        bad = p
        bad.clipsPerTrack = 0
        XCTAssertThrowsError(try LogMelExtractor(bad))
    }

    /// Many threads on one extractor give exactly the single-threaded result.
    func testConcurrentExtractionIsDeterministic() throws {
        let e = try LogMelExtractor(.paper)
        let signals = (0..<8).map { k in (0..<44_100).map { sinf(Float($0 * (k + 1)) * 0.01) * 0.3 } }
        let serial = signals.map { e($0).values }
        var parallel = [[Float]](repeating: [], count: signals.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: signals.count) { i in
            let r = e(signals[i]).values
            lock.lock(); parallel[i] = r; lock.unlock()
        }
        XCTAssertEqual(parallel, serial)
    }

    /// The FFT plan comes from the committed wisdom here (x86-64 with AVX), so features are identical run to run.
    func testPlanFromWisdom() throws {
        #if arch(x86_64)
        let fft = RealFFT.shared(size: 512)
        XCTAssertTrue(fft.isFromWisdom, "plan: \(fft.planDescription)")
        #endif
    }

    func testSpectrogramPicture() throws {
        let samples = try AudioDecoder.load(Fixtures.path("chirp.wav"))
        let s = try LogMelExtractor(.paper)(samples)
        let img = SpectrogramImage.render(s, parameters: .paper, title: "chirp")
        XCTAssertGreaterThan(img.width, 4 * 173)
        XCTAssertGreaterThan(img.height, 64 * 5)
        // A real picture: many distinct colours, and both ends of the colormap present.
        let colors = Set(stride(from: 0, to: img.pixels.count, by: 3).map {
            [img.pixels[$0], img.pixels[$0 + 1], img.pixels[$0 + 2]] })
        XCTAssertGreaterThan(colors.count, 100)
        let table = Colormap.magma.table
        XCTAssertTrue(colors.contains(Array(table[0..<3])), "floor colour")
        XCTAssertTrue(colors.contains(Array(table[765..<768])), "peak colour")
        let path = try makeTemporaryDirectory(self).appendingPathComponent("c.png").path
        try PNGWriter.write(img, to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertThrowsError(try PNGWriter.write(img, to: "/nonexistent/dir/c.png"))
    }

    func testGenreNames() {
        for s in ["hiphop", "Hip hop", "hip-hop", "Hip_Hop", "HIPHOP"] { XCTAssertEqual(GenreName.normalize(s), "hiphop") }
        XCTAssertEqual(GenreName.gtzan.count, 10)
        XCTAssertTrue(GenreName.isGTZAN("Classical"))
        XCTAssertFalse(GenreName.isGTZAN("electronic"))
    }
}
