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
    /// Validation ROC-AUC and PR-AUC (average precision) of the clips, one-vs-rest macro for `all`; nil
    /// where undefined (e.g. `keras-tail`'s one-class validation has no ROC-AUC).
    public var val_roc_auc: Double?
    public var val_pr_auc: Double?
    /// The same at track level (a track's probabilities: the mean of its validation clips'); nil in
    /// records written before gcnn kept them and for runs without track names.
    public var val_track_acc: Double?
    public var val_track_f1: Double?
    public var val_track_roc_auc: Double?
    public var val_track_pr_auc: Double?
    /// Wall-clock seconds of the epoch (training and validation).
    public var seconds: Double
    /// Seconds of the epoch spent re-estimating batch-norm statistics (`--bn-statistics precise`), else nil.
    public var bn_statistics_seconds: Double?
    /// Training clips per second.
    public var clips_per_second: Double
    public var confusion: [[Int]]
    /// The learning rate the epoch trained with (absent from histories of earlier versions).
    public var lr: Double?
    /// Data-parallel runs: the ranks that trained the epoch, and the seconds spent staging and summing
    /// gradients over them (absent from single-process runs).
    public var ranks: Int?
    public var allreduce_seconds: Double?

    public init(epoch: Int, train: ClassificationMetrics, validation: ClassificationMetrics, seconds: Double, trainClips: Int,
                validationTracks: ClassificationMetrics? = nil) {
        self.epoch = epoch
        train_loss = train.loss; train_acc = train.accuracy
        val_loss = validation.loss; val_acc = validation.accuracy
        precision = validation.precision; recall = validation.recall; f1 = validation.f1
        val_roc_auc = validation.rocAUC; val_pr_auc = validation.prAUC
        if let t = validationTracks {
            val_track_acc = t.accuracy; val_track_f1 = t.f1; val_track_roc_auc = t.rocAUC; val_track_pr_auc = t.prAUC
        }
        self.seconds = seconds
        clips_per_second = seconds > 0 ? Double(trainClips) / seconds : 0
        confusion = validation.confusion.counts
    }

    /// The object as one line of JSON, keys in a fixed order (non-finite values as `null`).
    public var jsonLine: String {
        func num(_ x: Double?) -> String { x.map { $0.isFinite ? String(format: "%.6g", $0) : "null" } ?? "null" }
        let cm = "[" + confusion.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        return "{\"epoch\":\(epoch),\"train_loss\":\(num(train_loss)),\"train_acc\":\(num(train_acc)),"
            + "\"val_loss\":\(num(val_loss)),\"val_acc\":\(num(val_acc)),\"precision\":\(num(precision)),"
            + "\"recall\":\(num(recall)),\"f1\":\(num(f1)),\"val_roc_auc\":\(num(val_roc_auc)),\"val_pr_auc\":\(num(val_pr_auc)),"
            + "\"val_track_acc\":\(num(val_track_acc)),\"val_track_f1\":\(num(val_track_f1)),"
            + "\"val_track_roc_auc\":\(num(val_track_roc_auc)),\"val_track_pr_auc\":\(num(val_track_pr_auc)),\"seconds\":\(num(seconds)),"
            + "\"bn_statistics_seconds\":\(num(bn_statistics_seconds)),\"clips_per_second\":\(num(clips_per_second)),\"confusion\":\(cm)"
            + (lr.map { ",\"lr\":\(String(format: "%.9g", $0))" } ?? "")
            + (ranks.map { ",\"ranks\":\($0)" } ?? "") + (allreduce_seconds.map { ",\"allreduce_seconds\":\(num($0))" } ?? "") + "}"
    }
}
