/// Threshold-free ranking metrics of scores against binary labels: ROC-AUC and PR-AUC (average
/// precision), as scikit-learn's `roc_auc_score` and `average_precision_score` define them, tied scores
/// included.
public enum RankingMetrics {
    /// The area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting one half (the trapezoidal area of scikit-learn's curve, through every tie
    /// group). Nil when the labels hold only one class (scikit-learn raises there).
    public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "one label per score")
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0 else { return nil }
        // Sum of the positives' mid-ranks (1-based, ascending), then Mann–Whitney's U.
        var rankSum = 0.0
        for group in tieGroups(scores, descending: false) {
            let midRank = Double(group.start + group.end + 2) / 2
            rankSum += midRank * Double(group.indices.filter { positives[$0] }.count)
        }
        return (rankSum - Double(p) * Double(p + 1) / 2) / (Double(p) * Double(n))
    }

    /// Average precision, `Σₖ (Rₖ − Rₖ₋₁)·Pₖ` over the distinct score thresholds from the highest down (a
    /// tie group enters at once): scikit-learn's `average_precision_score`, which does not interpolate.
    /// Nil when no label is positive (scikit-learn warns and returns 0 there).
    public static func averagePrecision(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "one label per score")
        let total = positives.filter { $0 }.count
        guard total > 0 else { return nil }
        var tp = 0, seen = 0, ap = 0.0, lastRecall = 0.0
        for group in tieGroups(scores, descending: true) {
            tp += group.indices.filter { positives[$0] }.count
            seen += group.indices.count
            let recall = Double(tp) / Double(total)
            ap += (recall - lastRecall) * Double(tp) / Double(seen)
            lastRecall = recall
        }
        return ap
    }

    /// ROC-AUC and PR-AUC of per-sample probabilities as the backends write them (see
    /// `ClassificationMetrics`): binary tasks score P(class 1) against label 1; multi-class tasks are
    /// one-vs-rest, macro-averaged (scikit-learn's `multi_class="ovr", average="macro"`; nil unless every
    /// class is present among the labels and absent from some).
    public static func areas(probabilities: [Float], labels: [Int], classes: Int) -> (roc: Double?, pr: Double?) {
        let n = labels.count
        if classes == 2 && probabilities.count == n {
            let scores = probabilities.map(Double.init), positives = labels.map { $0 == 1 }
            return (rocAUC(scores: scores, positives: positives), averagePrecision(scores: scores, positives: positives))
        }
        precondition(probabilities.count == n * classes, "probabilities must be n or n×classes")
        var rocs: [Double] = [], prs: [Double] = []
        for c in 0..<classes {
            let scores = (0..<n).map { Double(probabilities[$0 * classes + c]) }, positives = labels.map { $0 == c }
            guard let roc = rocAUC(scores: scores, positives: positives),
                  let pr = averagePrecision(scores: scores, positives: positives) else { return (nil, nil) }
            rocs.append(roc); prs.append(pr)
        }
        return (rocs.reduce(0, +) / Double(classes), prs.reduce(0, +) / Double(classes))
    }

    /// Runs of equal scores in sorted order: sorted positions `start...end` and the samples there.
    private static func tieGroups(_ scores: [Double], descending: Bool) -> [(start: Int, end: Int, indices: [Int])] {
        let order = scores.indices.sorted { descending ? scores[$0] > scores[$1] : scores[$0] < scores[$1] }
        var groups: [(start: Int, end: Int, indices: [Int])] = []
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            groups.append((start, end, Array(order[start...end])))
            start = end + 1
        }
        return groups
    }
}
