import Foundation
import Model
import XCTest

/// `RankingMetrics` against scikit-learn and `SampleStatistics` against SciPy, on the committed fixture
/// `Fixtures/ranking.json` (written by `Fixtures/make_ranking_fixture.py`): scores with ties, saturated
/// and constant scores, one-class labels, 10-class one-vs-rest.
final class RankingMetricsFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Binary: Decodable { let name: String; let labels: [Int]; let scores: [Double]; let roc_auc: Double?; let average_precision: Double? }
        struct Multi: Decodable { let name: String; let classes: Int; let labels: [Int]; let probabilities: [Double]; let roc_auc: Double; let average_precision: Double }
        struct Quantile: Decodable { let df: Double; let p: Double; let quantile: Double }
        struct CDF: Decodable { let df: Double; let t: Double; let cdf: Double }
        struct Interval: Decodable { let values: [Double]; let mean: Double; let half_width: Double }
        struct SignFlip: Decodable { let differences: [Double]; let p: Double }
        let binary: [Binary]; let multiclass: [Multi]; let t_quantiles: [Quantile]; let t_cdf: [CDF]
        let intervals: [Interval]; let sign_flip: [SignFlip]
    }

    static func fixture() throws -> Fixture {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("ranking.json") else {
            throw FixtureError("the ModelTests bundle has no Fixtures/ranking.json")
        }
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func testBinaryAreasMatchScikitLearnTiesIncluded() throws {
        var worst = 0.0
        for c in try Self.fixture().binary {
            let positives = c.labels.map { $0 == 1 }
            let roc = RankingMetrics.rocAUC(scores: c.scores, positives: positives)
            let ap = RankingMetrics.averagePrecision(scores: c.scores, positives: positives)
            XCTAssertEqual(roc == nil, c.roc_auc == nil, "\(c.name): ROC-AUC defined where scikit-learn's is not, or the reverse")
            XCTAssertEqual(ap == nil, c.average_precision == nil, "\(c.name): average precision defined where scikit-learn's is not")
            if let roc, let want = c.roc_auc { XCTAssertEqual(roc, want, accuracy: 1e-12, c.name); worst = max(worst, abs(roc - want)) }
            if let ap, let want = c.average_precision { XCTAssertEqual(ap, want, accuracy: 1e-12, c.name); worst = max(worst, abs(ap - want)) }
            // The same through the metrics every epoch reports (float32 probabilities, as the backends write them).
            let m = ClassificationMetrics(losses: Array(repeating: 0, count: c.labels.count), probabilities: c.scores.map(Float.init),
                                          labels: c.labels, classes: 2)
            XCTAssertEqual(m.rocAUC, roc, c.name)
            XCTAssertEqual(m.prAUC, ap, c.name)
        }
        print("ranking fixture: binary max |Δ| \(worst)")
    }

    func testOneVsRestMacroMatchesScikitLearn() throws {
        var worst = 0.0
        for c in try Self.fixture().multiclass {
            let m = ClassificationMetrics(losses: Array(repeating: 0, count: c.labels.count), probabilities: c.probabilities.map(Float.init),
                                          labels: c.labels, classes: c.classes)
            let roc = try XCTUnwrap(m.rocAUC, c.name), ap = try XCTUnwrap(m.prAUC, c.name)
            XCTAssertEqual(roc, c.roc_auc, accuracy: 1e-12, c.name)
            XCTAssertEqual(ap, c.average_precision, accuracy: 1e-12, c.name)
            worst = max(worst, abs(roc - c.roc_auc), abs(ap - c.average_precision))
        }
        print("ranking fixture: 10-class max |Δ| \(worst)")
    }

    func testAMissingClassLeavesMacroAreasUndefined() {
        // Class 2 never occurs: scikit-learn's one-vs-rest ROC-AUC refuses such labels.
        let p: [Float] = [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.6, 0.3, 0.1]
        let m = ClassificationMetrics(losses: [0, 0, 0], probabilities: p, labels: [0, 1, 0], classes: 3)
        XCTAssertNil(m.rocAUC)
        XCTAssertNil(m.prAUC)
    }

    func testStudentTAndIntervalsMatchSciPy() throws {
        let f = try Self.fixture()
        for q in f.t_quantiles {
            XCTAssertEqual(SampleStatistics.studentTQuantile(q.p, degreesOfFreedom: q.df), q.quantile, accuracy: 1e-9 * q.quantile, "df \(q.df)")
        }
        for c in f.t_cdf {
            XCTAssertEqual(SampleStatistics.studentTCDF(c.t, degreesOfFreedom: c.df), c.cdf, accuracy: 1e-12, "df \(c.df) t \(c.t)")
        }
        for i in f.intervals {
            let m = SampleStatistics.meanInterval(i.values)
            XCTAssertEqual(m.mean, i.mean, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(m.halfWidth), i.half_width, accuracy: 1e-9)
        }
        XCTAssertNil(SampleStatistics.meanInterval([0.5]).halfWidth, "one value has no interval")
        XCTAssertEqual(SampleStatistics.meanInterval([0.5]).formatted(), "0.500")
        XCTAssertEqual(SampleStatistics.meanInterval([0.9, 0.95, 0.87, 1.0, 0.92]).formatted(), "0.928 ± 0.062")
    }

    func testSignFlipTestMatchesSciPysExactPermutationTest() throws {
        for c in try Self.fixture().sign_flip {
            XCTAssertEqual(try XCTUnwrap(SampleStatistics.signFlipPValue(c.differences)), c.p, accuracy: 1e-12, "\(c.differences)")
        }
        XCTAssertNil(SampleStatistics.signFlipPValue([]))
    }
}
