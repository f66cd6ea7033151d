import Foundation
import Model

/// Track-level results: a track's class probabilities are the mean of its clips' (`TrackVerdict`), and
/// its label is its clips' label.
public enum TrackMetrics {
    /// Metrics of the tracks named by `tracks` (one name per clip, clips of a track anywhere in the list),
    /// from per-clip probabilities as the backends write them (1 or `classes` per clip). The loss is the
    /// cross-entropy of the true class under the mean probabilities.
    public static func metrics(probabilities: [Float], labels: [Int], tracks: [String], classes: Int) -> ClassificationMetrics {
        precondition(tracks.count == labels.count, "one track per clip")
        let rows = TrackVerdict.rows(probabilities, count: labels.count)
        var order: [String] = [], clipsOf: [String: [Int]] = [:]
        for (i, track) in tracks.enumerated() {
            if clipsOf[track] == nil { order.append(track) }
            clipsOf[track, default: []].append(i)
        }
        let means = order.map { TrackVerdict.track(clipsOf[$0]!.map { rows[$0] }).mean }
        return metrics(rows: means, labels: order.map { labels[clipsOf[$0]![0]] }, classes: classes)
    }

    /// Metrics of probability rows (`classes` per sample; cross-entropy of the true class as the loss).
    static func metrics(rows: [[Double]], labels: [Int], classes: Int) -> ClassificationMetrics {
        let losses = rows.indices.map { Float(-log(max(rows[$0][labels[$0]], 1e-12))) }
        let probabilities = classes == 2 ? rows.map { Float($0[1]) } : rows.flatMap { $0.map(Float.init) }
        return ClassificationMetrics(losses: losses, probabilities: probabilities, labels: labels, classes: classes)
    }
}
