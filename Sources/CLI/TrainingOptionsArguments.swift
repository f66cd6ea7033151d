import ArgumentParser
import Model
import Training

extension OptimizerKind: ExpressibleByArgument {}
extension AdamEpsilonPlacement: ExpressibleByArgument, CaseIterable {
    public static var allCases: [AdamEpsilonPlacement] { [.keras, .pytorch] }
}
extension MonitoredMetric: ExpressibleByArgument {}
extension ClassWeighting: ExpressibleByArgument {}

/// The kinds of `--lr-schedule`.
enum ScheduleKind: String, CaseIterable, ExpressibleByArgument {
    case constant, step, cosine, plateau
}

/// `gcnn train`'s optimiser, schedule, early-stopping and class-weight options, turned into `TrainingOptions`.
/// An option that does not apply to the chosen optimiser or schedule is refused, naming it.
struct TrainingOptionsArguments: ParsableArguments {
    @Option(help: "adam (the seed's), adamw (decoupled weight decay) or sgd (torch.optim.SGD).")
    var optimizer: OptimizerKind = .adam
    @Option(name: .customLong("epsilon-placement"),
            help: "Adam/AdamW ε: keras (w −= lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v+ε), the seed's) or pytorch (ε outside √v̂).")
    var epsilonPlacement: AdamEpsilonPlacement = .keras
    @Option(name: .customLong("weight-decay"), help: "λ: decoupled for adamw, L2 added to the gradient for sgd (default 0).")
    var weightDecay: Float?
    @Option(help: "SGD momentum μ (default 0).")
    var momentum: Float?
    @Flag(help: "SGD with Nesterov momentum (needs --momentum above 0).")
    var nesterov = false

    @Option(name: .customLong("lr-schedule"), help: "Learning rate per epoch: constant, step, cosine (with --lr-warmup-epochs) or plateau (reduce on plateau of --monitor).")
    var lrSchedule: ScheduleKind = .constant
    @Option(name: .customLong("lr-step-epochs"), help: "step: multiply the rate by --lr-gamma every K epochs (default 1).")
    var lrStepEpochs: Int?
    @Option(name: .customLong("lr-gamma"), help: "step: the factor γ (default 0.1, torch's).")
    var lrGamma: Double?
    @Option(name: .customLong("lr-warmup-epochs"), help: "cosine: epochs of linear warm-up from lr/(W+1) to lr (default 0).")
    var lrWarmupEpochs: Int?
    @Option(name: .customLong("lr-warmup-steps"), help: "cosine, stepped after every batch instead of every epoch: optimiser steps of linear warm-up from lr/(W+1) to lr, then cosine annealing over the run's remaining steps.")
    var lrWarmupSteps: Int?
    @Option(name: .customLong("lr-min"), help: "cosine: the final rate η_min; plateau: the lowest rate (default 0).")
    var lrMin: Double?
    @Option(name: .customLong("lr-factor"), help: "plateau: the factor applied on a plateau (default 0.1, torch's).")
    var lrFactor: Double?
    @Option(name: .customLong("lr-patience"), help: "plateau: epochs without improvement before the rate drops (default 10, torch's).")
    var lrPatience: Int?

    @Option(help: "The metric that picks best.safetensors and drives plateau and early stopping (default val_loss).")
    var monitor: MonitoredMetric?
    @Option(name: .customLong("early-stop"), help: "Stop when this metric has not improved for --patience epochs (it becomes the --monitor).")
    var earlyStop: MonitoredMetric?
    @Option(help: "Early stopping's patience in epochs (default 5).")
    var patience: Int?
    @Option(name: .customLong("class-weight"), help: "none, or balanced: weights n/(classes·count) per class from the training labels (scikit-learn's), in BCE and CE.")
    var classWeight: ClassWeighting = .none

    /// Refuses inconsistent options while the arguments are parsed (the epoch count is checked in `options`).
    func validate() throws { _ = try options(epochs: .max) }

    /// `options(epochs:)`, failing as one line.
    func resolved(epochs: Int) throws -> TrainingOptions {
        do { return try options(epochs: epochs) } catch let error as ValidationError { throw CLIFailure(error.message) }
    }

    /// The options, for a run of `epochs` epochs (a cosine schedule spans them).
    func options(epochs: Int) throws -> TrainingOptions {
        var o = TrainingOptions()
        o.optimizer = OptimizerSettings(kind: optimizer, weightDecay: weightDecay ?? 0, momentum: momentum ?? 0, nesterov: nesterov)
        if let problem = o.optimizer.problem { throw ValidationError(problem) }
        if let earlyStop, let monitor, earlyStop != monitor {
            throw ValidationError("--early-stop \(earlyStop.rawValue) and --monitor \(monitor.rawValue) differ; early stopping watches the monitored metric")
        }
        if patience != nil && earlyStop == nil { throw ValidationError("--patience applies to --early-stop METRIC") }
        o.monitor = earlyStop ?? monitor ?? .valLoss
        o.earlyStopPatience = earlyStop.map { _ in patience ?? 5 }
        o.classWeighting = classWeight
        func refuse(_ name: String, _ value: Any?, unless kinds: [ScheduleKind]) throws {
            if value != nil && !kinds.contains(lrSchedule) {
                throw ValidationError("--\(name) applies to --lr-schedule \(kinds.map(\.rawValue).joined(separator: " or ")), not \(lrSchedule.rawValue)")
            }
        }
        try refuse("lr-step-epochs", lrStepEpochs, unless: [.step]); try refuse("lr-gamma", lrGamma, unless: [.step])
        try refuse("lr-warmup-epochs", lrWarmupEpochs, unless: [.cosine]); try refuse("lr-min", lrMin, unless: [.cosine, .plateau])
        try refuse("lr-warmup-steps", lrWarmupSteps, unless: [.cosine])
        if lrWarmupSteps != nil && lrWarmupEpochs != nil {
            throw ValidationError("--lr-warmup-steps and --lr-warmup-epochs both set the warm-up; give one (steps: the rate changes every batch)")
        }
        try refuse("lr-factor", lrFactor, unless: [.plateau]); try refuse("lr-patience", lrPatience, unless: [.plateau])
        switch lrSchedule {
        case .constant: o.schedule = .constant
        case .step: o.schedule = .step(everyEpochs: lrStepEpochs ?? 1, gamma: lrGamma ?? 0.1)
        case .cosine:
            o.schedule = lrWarmupSteps.map { .cosineSteps(warmupSteps: $0, epochs: epochs, minimum: lrMin ?? 0) }
                ?? .cosine(warmupEpochs: lrWarmupEpochs ?? 0, epochs: epochs, minimum: lrMin ?? 0)
        case .plateau: o.schedule = .plateau(mode: o.monitor.mode, factor: lrFactor ?? 0.1, patience: lrPatience ?? 10, minimum: lrMin ?? 0)
        }
        if let problem = o.problem { throw ValidationError(problem) }
        return o
    }
}
