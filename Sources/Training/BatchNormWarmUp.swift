import Foundation

/// How much of BatchNorm's initial running statistics (mean 0, variance 1) is left after some training
/// batches, and the notice a run gives while validation still leans on them.
///
/// Keras updates `running = momentum·running + (1 − momentum)·batch` once per batch, so after `steps`
/// batches a fraction `momentum^steps` of the initial values remains: with the seed's 0.99 and 35 batches
/// an epoch, 70 % after epoch 1. Validation runs on the running statistics, so until they warm up its
/// accuracy can understate what the network has learned (README: "BatchNorm's warm-up").
public enum BatchNormWarmUp {
    /// Below this remaining fraction the running statistics count as warmed up.
    public static let threshold = 0.05

    /// `momentum^steps`: the share of the initial running statistics still in them.
    public static func remaining(momentum: Float, steps: Int) -> Double {
        pow(Double(momentum), Double(max(0, steps)))
    }

    /// The one-line notice after `steps` batches, or nil once the statistics have warmed up.
    public static func notice(momentum: Float, steps: Int) -> String? {
        let left = remaining(momentum: momentum, steps: steps)
        guard left >= threshold else { return nil }
        let batches = steps == 1 ? "1 batch" : "\(steps) batches"
        return String(format: "note: after \(batches) BatchNorm's running statistics (momentum %g) still hold %.0f %% of "
                      + "their initial values, and validation uses them, so validation accuracy may understate what the "
                      + "network learned; the default recipe validates on statistics re-estimated over the training set (--bn-statistics precise), "
                      + "and --bn-momentum 0.9 warms up within 30 batches (README: BatchNorm's warm-up)",
                      Double(momentum), left * 100)
    }
}
