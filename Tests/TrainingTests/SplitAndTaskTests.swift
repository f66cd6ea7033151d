import Model
import Training
import XCTest

final class SplitAndTaskTests: XCTestCase {
    /// 2 genres × `tracks` tracks × 8 clips, in dataset order.
    private func origins(tracks: Int = 10) -> [ClipOrigin] {
        (0..<2).flatMap { label in
            (0..<tracks).flatMap { t in (0..<8).map { ClipOrigin(label: label, track: "g\(label)/g\(label).000\(t).wav", clip: $0) } }
        }
    }

    func testKerasTailHoldsOnlyTheSecondClassAsTheSeedsSplitDid() throws {
        var rng = RandomGenerator(seed: 0)
        // The seed: 1 600 clips, validation_split 0.3 → 1 120 / 480, validation all of genre B.
        let clips = origins(tracks: 100)
        let split = try DatasetSplit.make(clips, protocol: .kerasTail, valFraction: 0.3, rng: &rng)
        XCTAssertEqual(split.train.count, 1120)
        XCTAssertEqual(split.validation.count, 480)
        XCTAssertEqual(Set(split.validation.map { clips[$0].label }), [1])
        XCTAssertEqual(split.train + split.validation, Array(0..<1600), "no shuffling")
    }

    func testStratifiedSplitSharesNoTrackIsStratifiedAndSeeded() throws {
        let clips = origins(tracks: 10)
        var a = RandomGenerator(seed: 3), b = RandomGenerator(seed: 3), c = RandomGenerator(seed: 4)
        let s1 = try DatasetSplit.make(clips, protocol: .stratified, valFraction: 0.3, rng: &a)
        let s2 = try DatasetSplit.make(clips, protocol: .stratified, valFraction: 0.3, rng: &b)
        let s3 = try DatasetSplit.make(clips, protocol: .stratified, valFraction: 0.3, rng: &c)
        XCTAssertEqual(s1, s2)
        XCTAssertNotEqual(s1, s3)
        XCTAssertTrue(Set(s1.train.map { clips[$0].track }).isDisjoint(with: s1.validation.map { clips[$0].track }))
        for label in 0..<2 {
            XCTAssertEqual(Set(s1.validation.filter { clips[$0].label == label }.map { clips[$0].track }).count, 3)
        }
        XCTAssertEqual(Set(s1.train + s1.validation), Set(clips.indices))
    }

    func testFilteredSplitUsesThePublishedLists() throws {
        let published = GTZANFilteredSplit.published
        XCTAssertEqual(published.parts.values.filter { $0 == .train }.count, 443)
        XCTAssertEqual(published.parts.values.filter { $0 == .valid }.count, 197)
        XCTAssertEqual(published.parts.values.filter { $0 == .test }.count, 290)
        XCTAssertEqual(published.part(of: "/data/blues/blues.00029.au"), .train)
        let clips = [ClipOrigin(label: 0, track: "blues/blues.00029.wav", clip: 0), ClipOrigin(label: 0, track: "x/unlisted.wav", clip: 0)]
            + (0..<100).compactMap { i -> ClipOrigin? in
                let id = String(format: "metal.%05d", i)
                return published.part(of: id + ".au") == .test ? ClipOrigin(label: 1, track: "metal/\(id).au", clip: 0) : nil
            }
        var rng = RandomGenerator(seed: 0)
        let split = try DatasetSplit.make(clips, protocol: .filtered, valFraction: 0.3, rng: &rng)
        XCTAssertEqual(split.train, [0])
        XCTAssertEqual(split.validation.count, clips.count - 2)
    }

    func testTooFewTracksFailsBeforeTraining() {
        var rng = RandomGenerator(seed: 0)
        XCTAssertThrowsError(try DatasetSplit.make(origins(tracks: 1), protocol: .stratified, valFraction: 0.3, rng: &rng)) {
            XCTAssertEqual($0 as? SplitError, .tooFewTracks(label: 0, tracks: 1))
        }
        XCTAssertThrowsError(try DatasetSplit.make(origins(tracks: 5), protocol: .kerasTail, valFraction: 1.5, rng: &rng))
    }

    func testTaskNames() throws {
        XCTAssertEqual(try GenreTask.parse("metal-jazz").genres, ["metal", "jazz"])
        XCTAssertEqual(try GenreTask.parse("hip-hop-classical").genres, ["hiphop", "classical"])
        XCTAssertEqual(try GenreTask.parse("pop-hiphop").genres, ["pop", "hiphop"])
        XCTAssertEqual(try GenreTask.parse("Pop-Hip-Hop").description, "pop-hiphop")
        XCTAssertEqual(try GenreTask.parse("all").genres.count, 10)
        XCTAssertEqual(try GenreTask.parse("all").outputs, 10)
        XCTAssertEqual(try GenreTask.parse("rock-country").outputs, 1)
        XCTAssertThrowsError(try GenreTask.parse("metal-polka")) { XCTAssertTrue("\($0)".contains("hiphop-classical")) }
        XCTAssertThrowsError(try GenreTask.parse("jazz-jazz"))
    }

    func testMetricsOfTheSeedsOneClassValidation() {
        // keras-tail validation: every clip is class 1; a model that says 1 for 27.7 % of them.
        let labels = Array(repeating: 1, count: 480)
        let p: [Float] = (0..<480).map { $0 < 133 ? 0.9 : 0.1 }
        let m = ClassificationMetrics(losses: Array(repeating: 0, count: 480), probabilities: p, labels: labels, classes: 2)
        XCTAssertEqual(m.accuracy, 133.0 / 480, accuracy: 1e-12)
        XCTAssertEqual(m.precision, 1)
        XCTAssertEqual(m.recall, 133.0 / 480, accuracy: 1e-12)
        XCTAssertEqual(m.f1, 2 * (133.0 / 480) / (1 + 133.0 / 480), accuracy: 1e-12)
        XCTAssertEqual(m.confusion.counts, [[0, 0], [347, 133]])
        let multi = ClassificationMetrics(losses: [0, 0, 0], probabilities: [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.8, 0.1, 0.1],
                                          labels: [0, 1, 2], classes: 3)
        XCTAssertEqual(multi.accuracy, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(multi.confusion.counts, [[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    }
}
