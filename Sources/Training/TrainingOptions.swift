import Foundation
import Model

/// A metric of `metrics.jsonl` that a run can monitor (best checkpoint, early stopping, reduce-on-plateau),
/// each with the direction that is better.
public enum MonitoredMetric: String, CaseIterable, Codable, Sendable {
    case valLoss = "val_loss", valAcc = "val_acc", precision, recall, f1, trainLoss = "train_loss", trainAcc = "train_acc"
    case valROCAUC = "val_roc_auc", valPRAUC = "val_pr_auc", valTrackAcc = "val_track_acc"

    /// Losses: smaller is better; accuracies, precision, recall, F1, AUCs: larger.
    public var mode: MetricMode {
        switch self {
        case .valLoss, .trainLoss: .min
        default: .max
        }
    }

    /// The metric's value in `record`.
    public func value(in record: EpochRecord) -> Double {
        switch self {
        case .valLoss: record.val_loss
        case .valAcc: record.val_acc
        case .precision: record.precision
        case .recall: record.recall
        case .f1: record.f1
        case .trainLoss: record.train_loss
        case .trainAcc: record.train_acc
        // Undefined (e.g. ROC-AUC on a one-class validation set) is NaN, which never counts as an improvement.
        case .valROCAUC: record.val_roc_auc ?? .nan
        case .valPRAUC: record.val_pr_auc ?? .nan
        case .valTrackAcc: record.val_track_acc ?? .nan
        }
    }

    /// Whether `value` is strictly better than `best` (Keras' EarlyStopping with min_delta 0; NaN never is).
    public func isImprovement(_ value: Double, over best: Double?) -> Bool {
        guard let best else { return !value.isNaN }
        return mode == .min ? value < best : value > best
    }
}

/// Loss weights per class for unbalanced tasks.
public enum ClassWeighting: String, CaseIterable, Codable, Sendable {
    /// Every example weighs 1 (the seed's).
    case none
    /// scikit-learn's `compute_class_weight("balanced")`: n_samples / (n_classes · count of the class) over
    /// the training labels (a class without training examples gets 0).
    case balanced

    /// The weights for `classes` classes (at least 2) from the training `labels`, or nil for `none`.
    public func weights(labels: [Int], classes: Int) -> [Float]? {
        self == .balanced ? ClassWeights.balanced(labels: labels, classes: classes) : nil
    }
}

/// The training options beyond the seed's setup: optimiser, learning-rate schedule, monitored metric with
/// optional early stopping, class weights. The defaults are the seed's (Adam, constant rate, no early
/// stopping, unweighted loss); `best.safetensors` is kept by `monitor` (val_loss by default) either way.
public struct TrainingOptions: Equatable, Sendable {
    public var optimizer = OptimizerSettings()
    public var schedule: LearningRateSchedule = .constant
    /// Chooses `best.safetensors`, drives reduce-on-plateau and early stopping.
    public var monitor: MonitoredMetric = .valLoss
    /// Stop after this many epochs in a row without an improvement of `monitor`; nil: never stop early.
    public var earlyStopPatience: Int?
    public var classWeighting: ClassWeighting = .none

    public init() {}

    /// Why these options cannot be used (naming the option), or nil.
    public var problem: String? {
        if let problem = optimizer.problem ?? schedule.problem { return problem }
        if case let .plateau(mode, _, _, _) = schedule, mode != monitor.mode {
            return "the plateau schedule's mode (\(mode.rawValue)) is not \(monitor.rawValue)'s (\(monitor.mode.rawValue))"
        }
        if let patience = earlyStopPatience, patience < 1 { return "--patience must be at least 1" }
        return nil
    }
}

/// What the monitored metric did over the finished epochs: the best epoch so far and whether early stopping
/// has fired. Rebuilt from a run's metrics history, so a resumed run continues exactly.
public struct MonitorProgress: Equatable, Sendable {
    public let metric: MonitoredMetric
    public let patience: Int?
    /// The epoch (1-based) with the best value so far, and that value.
    public private(set) var bestEpoch: Int?
    public private(set) var bestValue: Double?
    /// Epochs since the last improvement.
    public private(set) var epochsWithoutImprovement = 0
    /// The epoch after which early stopping ended the run.
    public private(set) var stoppedAfterEpoch: Int?

    public init(metric: MonitoredMetric, patience: Int?, history: [EpochRecord] = []) {
        self.metric = metric; self.patience = patience
        for record in history { _ = update(record) }
    }

    /// Takes a finished epoch into account; returns whether it is the new best. Once stopped, nothing changes.
    public mutating func update(_ record: EpochRecord) -> Bool {
        guard stoppedAfterEpoch == nil else { return false }
        let value = metric.value(in: record)
        let improved = metric.isImprovement(value, over: bestValue)
        if improved {
            bestEpoch = record.epoch; bestValue = value; epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
            if let patience, epochsWithoutImprovement >= patience { stoppedAfterEpoch = record.epoch }
        }
        return improved
    }

    /// `best.json` of the run folder.
    public var json: Data {
        var object: [String: Any] = ["metric": metric.rawValue, "mode": metric.mode.rawValue,
                                     "epochs_without_improvement": epochsWithoutImprovement]
        object["best_epoch"] = bestEpoch ?? NSNull()
        object["best_value"] = bestValue.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull()
        object["early_stop_patience"] = patience ?? NSNull()
        object["stopped_early_after_epoch"] = stoppedAfterEpoch ?? NSNull()
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return data + Data("\n".utf8)
    }
}

extension RunConfig {
    /// Records `options` and the network's optimiser and class weights.
    mutating func record(_ options: TrainingOptions, network: NetworkConfig) {
        optimizer = network.optimizer.kind.rawValue
        weightDecay = network.optimizer.weightDecay
        momentum = network.optimizer.momentum
        nesterov = network.optimizer.nesterov
        lrSchedule = options.schedule
        monitor = options.monitor.rawValue
        earlyStopPatience = options.earlyStopPatience ?? 0
        classWeight = options.classWeighting.rawValue
        classWeights = network.classWeights ?? []
    }

    /// A config.json written before these options existed ran with their defaults.
    func fillingOptionDefaults() -> RunConfig {
        var c = self
        if c.optimizer == nil {
            c.optimizer = OptimizerKind.adam.rawValue; c.weightDecay = 0; c.momentum = 0; c.nesterov = false
        }
        if c.lrSchedule == nil { c.lrSchedule = .constant }
        if c.monitor == nil { c.monitor = MonitoredMetric.valLoss.rawValue }
        if c.earlyStopPatience == nil { c.earlyStopPatience = 0 }
        if c.classWeight == nil { c.classWeight = ClassWeighting.none.rawValue; c.classWeights = [] }
        return c
    }
}
