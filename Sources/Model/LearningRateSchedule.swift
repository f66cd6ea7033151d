import Foundation

/// Whether a smaller or a larger value of a monitored metric is better.
public enum MetricMode: String, Codable, Sendable {
    case min, max
}

/// The learning rate of each epoch, as torch.optim.lr_scheduler computes it when the scheduler steps once
/// after every epoch (per epoch, never per batch): `learningRate(base:epoch:monitored:)` is the rate the
/// optimiser uses throughout epoch `epoch` (0-based). A function of the epoch and of the monitored metric
/// of the finished epochs only, so a resumed run recomputes it exactly.
public enum LearningRateSchedule: Equatable, Sendable, Codable {
    /// The base rate throughout.
    case constant
    /// `StepLR(step_size: everyEpochs, gamma)`: multiplied by γ every `everyEpochs` epochs.
    case step(everyEpochs: Int, gamma: Double)
    /// `warmupEpochs` epochs of `LinearLR(start_factor: 1/(W+1))` (epoch e < W: base·(e+1)/(W+1)), then
    /// `CosineAnnealingLR(T_max: epochs − W, eta_min: minimum)` (torch's `SequentialLR` of the two):
    /// minimum + (base − minimum)·(1 + cos(π·(e − W)/(epochs − W)))/2.
    case cosine(warmupEpochs: Int, epochs: Int, minimum: Double)
    /// `ReduceLROnPlateau(mode, factor, patience, threshold: 1e-4 relative, cooldown: 0, min_lr: minimum,
    /// eps: 1e-8)` on the monitored metric of each finished epoch.
    case plateau(mode: MetricMode, factor: Double, patience: Int, minimum: Double)
    /// `cosine`'s warm-up and annealing stepped after every optimiser step instead of every epoch (the
    /// scheduler stepped per batch, as timm and Hugging Face do): `warmupSteps` steps of linear warm-up,
    /// then cosine annealing over the rest of the run's `epochs` × steps-per-epoch steps.
    case cosineSteps(warmupSteps: Int, epochs: Int, minimum: Double)

    /// Whether the rate changes within an epoch (`learningRate(base:step:stepsPerEpoch:)`).
    public var perStep: Bool {
        if case .cosineSteps = self { return true }
        return false
    }

    /// The rate of optimiser step `step` (0-based over the run) with `stepsPerEpoch` steps per epoch: the
    /// step's for `cosineSteps`, its epoch's for every other schedule.
    public func learningRate(base: Double, step: Int, stepsPerEpoch: Int, monitored: [Double] = []) -> Double {
        if case let .cosineSteps(warmup, epochs, minimum) = self {
            return LearningRateSchedule.cosine(warmupEpochs: warmup, epochs: epochs * stepsPerEpoch, minimum: minimum)
                .learningRate(base: base, epoch: step)
        }
        return learningRate(base: base, epoch: step / stepsPerEpoch, monitored: monitored)
    }

    /// Why a per-step schedule cannot span a run of `stepsPerEpoch` steps per epoch, or nil.
    public func problem(stepsPerEpoch: Int) -> String? {
        if case let .cosineSteps(warmup, epochs, _) = self, warmup >= epochs * stepsPerEpoch {
            return "--lr-warmup-steps (\(warmup)) must be below the run's \(epochs * stepsPerEpoch) optimiser steps (\(epochs) epochs of \(stepsPerEpoch) batches)"
        }
        return nil
    }

    /// Why the schedule cannot be used (naming the option), or nil.
    public var problem: String? {
        switch self {
        case .constant: return nil
        case let .step(every, gamma):
            if every < 1 { return "--lr-step-epochs must be at least 1" }
            if !(gamma > 0 && gamma.isFinite) { return "--lr-gamma must be positive" }
        case let .cosine(warmup, epochs, minimum):
            if warmup < 0 { return "--lr-warmup-epochs must be at least 0" }
            if warmup >= epochs { return "--lr-warmup-epochs (\(warmup)) must be below --epochs (\(epochs)) for a cosine schedule" }
            if !(minimum >= 0 && minimum.isFinite) { return "--lr-min must be at least 0" }
        case let .cosineSteps(warmup, _, minimum):
            if warmup < 0 { return "--lr-warmup-steps must be at least 0" }
            if !(minimum >= 0 && minimum.isFinite) { return "--lr-min must be at least 0" }
        case let .plateau(_, factor, patience, minimum):
            if !(factor > 0 && factor < 1) { return "--lr-factor must be in (0, 1)" }
            if patience < 0 { return "--lr-patience must be at least 0" }
            if !(minimum >= 0 && minimum.isFinite) { return "--lr-min must be at least 0" }
        }
        return nil
    }

    /// The learning rate of epoch `epoch` (0-based) from the base rate; `monitored` holds the monitored
    /// metric of epochs `0..<epoch` (only `plateau` reads it).
    public func learningRate(base: Double, epoch: Int, monitored: [Double] = []) -> Double {
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            // torch's chainable form: one multiplication at each multiple of step_size.
            var lr = base
            for _ in 0..<(epoch / every) { lr *= gamma }
            return lr
        case let .cosine(warmup, epochs, minimum):
            if epoch < warmup { return base * Double(epoch + 1) / Double(warmup + 1) }
            let t = Double(epoch - warmup), period = Double(epochs - warmup)
            return minimum + (base - minimum) * (1 + cos(Double.pi * t / period)) / 2
        case let .cosineSteps(_, epochs, minimum):
            // Per step (`learningRate(base:step:stepsPerEpoch:)`); per epoch, as if each epoch were one step.
            return LearningRateSchedule.cosine(warmupEpochs: 0, epochs: epochs, minimum: minimum).learningRate(base: base, epoch: epoch)
        case let .plateau(mode, factor, patience, minimum):
            var state = PlateauState(mode: mode, learningRate: base)
            for value in monitored.prefix(epoch) { state.update(value, factor: factor, patience: patience, minimum: minimum) }
            return state.learningRate
        }
    }

    /// `ReduceLROnPlateau`'s state after some epochs.
    struct PlateauState {
        let mode: MetricMode
        var learningRate: Double
        var best: Double
        var badEpochs = 0

        init(mode: MetricMode, learningRate: Double) {
            self.mode = mode; self.learningRate = learningRate
            best = mode == .min ? .infinity : -.infinity
        }

        mutating func update(_ value: Double, factor: Double, patience: Int, minimum: Double) {
            let threshold = 1e-4
            let better = mode == .min ? value < best * (1 - threshold) : value > best * (threshold + 1)
            if better { best = value; badEpochs = 0 } else { badEpochs += 1 }
            if badEpochs > patience {
                let reduced = Swift.max(learningRate * factor, minimum)
                if learningRate - reduced > 1e-8 { learningRate = reduced }
                badEpochs = 0
            }
        }
    }
}
