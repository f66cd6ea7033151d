import Model

/// One line of `metrics.jsonl` and of `--json`: the metrics of one finished epoch.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var train_loss: Double
    public var train_acc: Double
    public var val_loss: Double
    public var val_acc: Double
    /// Of the positive class (the task's second genre) for binary tasks; macro-averaged for `all`.
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Wall-clock seconds of the epoch (training and validation).
    public var seconds: Double
    /// Training clips per second.
    public var clips_per_second: Double
    public var confusion: [[Int]]
    /// The learning rate the epoch trained with (absent from histories of earlier versions).
    public var lr: Double?

    public init(epoch: Int, train: ClassificationMetrics, validation: ClassificationMetrics, seconds: Double, trainClips: Int) {
        self.epoch = epoch
        train_loss = train.loss; train_acc = train.accuracy
        val_loss = validation.loss; val_acc = validation.accuracy
        precision = validation.precision; recall = validation.recall; f1 = validation.f1
        self.seconds = seconds
        clips_per_second = seconds > 0 ? Double(trainClips) / seconds : 0
        confusion = validation.confusion.counts
    }

    /// The object as one line of JSON, keys in a fixed order (non-finite values as `null`).
    public var jsonLine: String {
        func num(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "null" }
        let cm = "[" + confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        return "{\"epoch\":\(epoch),\"train_loss\":\(num(train_loss)),\"train_acc\":\(num(train_acc)),"
            + "\"val_loss\":\(num(val_loss)),\"val_acc\":\(num(val_acc)),\"precision\":\(num(precision)),"
            + "\"recall\":\(num(recall)),\"f1\":\(num(f1)),\"seconds\":\(num(seconds)),"
            + "\"clips_per_second\":\(num(clips_per_second)),\"confusion\":\(cm)"
            + (lr.map { ",\"lr\":\(String(format: "%.9g", $0))" } ?? "") + "}"
    }
}
