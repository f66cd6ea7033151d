/// A confusion matrix: `counts[truth][prediction]`.
public struct ConfusionMatrix: Equatable, Codable, Sendable {
    public var counts: [[Int]]
    public init(classes: Int) { counts = Array(repeating: Array(repeating: 0, count: classes), count: classes) }
    public var classes: Int { counts.count }
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1][$1] } }
    public mutating func add(truth: Int, prediction: Int) { counts[truth][prediction] += 1 }
}

/// Loss, accuracy, precision, recall and F1 of a set of predictions, from per-sample losses and
/// probabilities as the backends write them.
///
/// Binary tasks (one sigmoid output): class 1 (the task's second genre) is the positive class, a sample is
/// predicted 1 when p ≥ 0.5, and precision/recall/F1 are those of class 1 — the "true F1" the seed's
/// table lacked. Multi-class tasks: argmax prediction, macro-averaged precision/recall/F1.
/// A ratio whose denominator is 0 is reported as 0 (scikit-learn's `zero_division=0`). ROC-AUC and PR-AUC
/// are `RankingMetrics.areas` of the same probabilities (one-vs-rest macro for multi-class tasks).
public struct ClassificationMetrics: Equatable, Codable, Sendable {
    public var loss: Double
    public var accuracy: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Area under the ROC curve; nil where it is undefined (one class only among the labels).
    public var rocAUC: Double?
    /// Average precision (PR-AUC); nil where no label is positive.
    public var prAUC: Double?
    public var confusion: ConfusionMatrix

    /// - Parameters:
    ///   - losses: one loss per sample.
    ///   - probabilities: one probability per sample (binary) or `classes` per sample.
    ///   - labels: class index per sample.
    ///   - classes: 2 for a binary (sigmoid) task, else the softmax width.
    public init(losses: [Float], probabilities: [Float], labels: [Int], classes: Int) {
        let n = labels.count
        precondition(losses.count == n, "one loss per sample")
        let binary = classes == 2 && probabilities.count == n
        precondition(binary || probabilities.count == n * classes, "probabilities must be n or n×classes")
        var confusion = ConfusionMatrix(classes: classes)
        var lossSum = 0.0
        for i in 0..<n {
            lossSum += Double(losses[i])
            let prediction: Int
            if binary {
                prediction = probabilities[i] >= 0.5 ? 1 : 0
            } else {
                var best = 0
                for c in 1..<classes where probabilities[i * classes + c] > probabilities[i * classes + best] { best = c }
                prediction = best
            }
            confusion.add(truth: labels[i], prediction: prediction)
        }
        self.confusion = confusion
        loss = n > 0 ? lossSum / Double(n) : .nan
        accuracy = n > 0 ? Double(confusion.correct) / Double(n) : .nan
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        func prf(_ c: Int) -> (Double, Double, Double) {
            let tp = confusion.counts[c][c]
            let predicted = (0..<classes).reduce(0) { $0 + confusion.counts[$1][c] }
            let actual = confusion.counts[c].reduce(0, +)
            let p = ratio(tp, predicted), r = ratio(tp, actual)
            return (p, r, p + r == 0 ? 0 : 2 * p * r / (p + r))
        }
        if binary {
            (precision, recall, f1) = prf(1)
        } else {
            let all = (0..<classes).map(prf)
            precision = all.map(\.0).reduce(0, +) / Double(classes)
            recall = all.map(\.1).reduce(0, +) / Double(classes)
            f1 = all.map(\.2).reduce(0, +) / Double(classes)
        }
        (rocAUC, prAUC) = RankingMetrics.areas(probabilities: probabilities, labels: labels, classes: classes)
    }
}
