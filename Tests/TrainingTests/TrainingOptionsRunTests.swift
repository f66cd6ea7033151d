import Foundation
import Model
@testable import Training
import XCTest

/// Optimisers, schedules, early stopping, the best checkpoint and class weights in the training loop on the
/// reference backend: every option survives a stop and a resume bitwise, and is recorded and enforced.
final class TrainingOptionsRunTests: XCTestCase {
    private func tempDir() throws -> URL { try temporaryFolder("options") }

    /// 16×21 toy clips; class 1 has a bright upper half. `positiveEvery`: one clip in so many is class 1.
    private func clips(count: Int, seed: UInt64, positiveEvery: Int = 2) -> LabeledClips {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = [], y: [Int] = []
        for i in 0..<count {
            let label = i % positiveEvery == 1 ? 1 : 0
            for r in 0..<16 { for _ in 0..<21 { x.append(rng.uniform(-1, 1) + (label == 1 && r < 8 ? 1.5 : 0)) } }
            y.append(label)
        }
        return LabeledClips(features: x, labels: y, clipLength: 16 * 21)
    }

    private func job(out: URL, epochs: Int, resume: Bool = false, options: TrainingOptions, lr: Float = 1e-3,
                     placement: AdamEpsilonPlacement = .keras) -> TrainingJob {
        let train = clips(count: 21, seed: 1, positiveEvery: 3)
        var network = NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 4, maxBatch: 4)
        network.adam = AdamConfig(learningRate: lr, placement: placement)
        network.optimizer = options.optimizer
        network.classWeights = options.classWeighting.weights(labels: train.labels, classes: 1)
        var job = TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: train,
                              validation: clips(count: 10, seed: 2), split: .stratified, valFraction: 0.3, seed: 7, epochs: epochs,
                              network: network, features: [:], out: out, resume: resume)
        job.options = options
        return job
    }

    private func strip(_ r: EpochRecord) -> EpochRecord { var r = r; r.seconds = 0; r.clips_per_second = 0; return r }

    private func options(_ configure: (inout TrainingOptions) -> Void) -> TrainingOptions {
        var o = TrainingOptions()
        configure(&o)
        XCTAssertNil(o.problem)
        return o
    }

    /// Each option set: 4 epochs straight, against 1 epoch, then stopped inside epoch 3 after batch 2, then
    /// resumed to 4: the same parameters, optimiser state, metrics (learning rates included) and best checkpoint.
    func testEveryOptionResumesBitwise() throws {
        let sets: [(String, TrainingOptions, Float, AdamEpsilonPlacement)] = [
            ("sgd-nesterov-step", options {
                $0.optimizer = OptimizerSettings(kind: .sgd, weightDecay: 1e-3, momentum: 0.9, nesterov: true)
                $0.schedule = .step(everyEpochs: 2, gamma: 0.5)
            }, 0.02, .keras),
            ("adamw-cosine-balanced", options {
                $0.optimizer = OptimizerSettings(kind: .adamw, weightDecay: 0.05)
                $0.schedule = .cosine(warmupEpochs: 1, epochs: 4, minimum: 1e-5)
                $0.classWeighting = .balanced
            }, 2e-3, .pytorch),
            ("adam-cosine-per-step", options {
                $0.schedule = .cosineSteps(warmupSteps: 3, epochs: 4, minimum: 1e-5)
            }, 3e-3, .keras),
            ("adam-plateau-f1", options {
                $0.monitor = .f1
                $0.schedule = .plateau(mode: .max, factor: 0.5, patience: 0, minimum: 1e-5)
                $0.earlyStopPatience = 3
            }, 3e-3, .keras),
        ]
        for (name, options, lr, placement) in sets {
            let dir = try tempDir()
            let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
            let straight = try TrainingRun.run(job(out: a, epochs: 4, options: options, lr: lr, placement: placement),
                                               backend: ReferenceBackend(), device: "cpu")
            _ = try TrainingRun.run(job(out: b, epochs: 1, options: options, lr: lr, placement: placement), backend: ReferenceBackend(), device: "cpu")
            var batches = 0
            var events = TrainingEvents()
            events.batch = { epoch, _, _, _ in if epoch == 3 { batches += 1 } }
            events.shouldStop = { batches >= 2 }
            let stopped = try TrainingRun.run(job(out: b, epochs: 4, resume: true, options: options, lr: lr, placement: placement),
                                              backend: ReferenceBackend(), device: "cpu", events: events)
            XCTAssertEqual(stopped.interruption?.epoch, 3, name)
            let resumed = try TrainingRun.run(job(out: b, epochs: 4, resume: true, options: options, lr: lr, placement: placement),
                                              backend: ReferenceBackend(), device: "cpu")
            XCTAssertEqual(resumed.parameters, straight.parameters, name)
            XCTAssertEqual(resumed.history.map(strip), straight.history.map(strip), name)
            XCTAssertEqual(try TrainingState.read(b.appendingPathComponent(TrainingState.fileName)).adam,
                           try TrainingState.read(a.appendingPathComponent(TrainingState.fileName)).adam, name)
            XCTAssertEqual(try Data(contentsOf: b.appendingPathComponent("best.json")), try Data(contentsOf: a.appendingPathComponent("best.json")), name)
            XCTAssertEqual(try ModelCheckpoint.read(b.appendingPathComponent("best.safetensors")).parameters,
                           try ModelCheckpoint.read(a.appendingPathComponent("best.safetensors")).parameters, name)
            // metrics.jsonl records each epoch's rate, the schedule's.
            let lrs = straight.history.compactMap(\.lr)
            XCTAssertEqual(lrs.count, straight.history.count, name)
            if options.schedule.perStep {
                // The rate of each epoch's last step.
                let steps = try TrainingState.read(a.appendingPathComponent(TrainingState.fileName)).adam.step / 4
                XCTAssertEqual(lrs.first, Double(Float(options.schedule.learningRate(base: Double(lr), step: steps - 1, stepsPerEpoch: steps))), name)
            } else {
                XCTAssertEqual(lrs.first, Double(Float(options.schedule.learningRate(base: Double(lr), epoch: 0))), name)
            }
            if case .plateau = options.schedule {} else { XCTAssertGreaterThan(Set(lrs).count, 1, name) }
        }
    }

    /// SGD, AdamW and class weights each change the trained network (the options reach the network).
    func testOptionsChangeTheTrainedNetwork() throws {
        let dir = try tempDir()
        func trained(_ name: String, _ o: TrainingOptions) throws -> ParameterSet {
            try TrainingRun.run(job(out: dir.appendingPathComponent(name), epochs: 1, options: o), backend: ReferenceBackend(), device: "cpu").parameters
        }
        let adam = try trained("adam", TrainingOptions())
        let sgd = try trained("sgd", options { $0.optimizer = OptimizerSettings(kind: .sgd, momentum: 0.9) })
        let adamw = try trained("adamw", options { $0.optimizer = OptimizerSettings(kind: .adamw, weightDecay: 0.5) })
        let weighted = try trained("weighted", options { $0.classWeighting = .balanced })
        let adamw0 = try trained("adamw0", options { $0.optimizer = OptimizerSettings(kind: .adamw, weightDecay: 0) })
        XCTAssertNotEqual(sgd, adam)
        XCTAssertNotEqual(adamw, adam)
        XCTAssertNotEqual(weighted, adam)
        XCTAssertEqual(adamw0, adam, "AdamW without weight decay is Adam, bit for bit")
    }

    /// Early stopping on val_acc (patience 1) ends the run after the first epoch that fails to beat the best,
    /// keeps the best epoch's network in best.safetensors, says which in best.json, and a resumed folder
    /// trains no further.
    func testEarlyStoppingStopsAndKeepsTheBestEpoch() throws {
        let dir = try tempDir()
        let o = options { $0.monitor = .valLoss; $0.earlyStopPatience = 1 }
        var notices: [String] = []
        var events = TrainingEvents()
        events.notice = { notices.append($0) }
        let out = dir.appendingPathComponent("run")
        // A learning rate large enough to overshoot: validation loss rises within a few epochs.
        let outcome = try TrainingRun.run(job(out: out, epochs: 30, options: o, lr: 0.05), backend: ReferenceBackend(), device: "cpu", events: events)
        let history = outcome.history
        XCTAssertLessThan(history.count, 30, "the run stopped early")
        let losses = history.map(\.val_loss)
        let bestEpoch = (losses.indices.min { losses[$0] < losses[$1] } ?? 0) + 1
        XCTAssertEqual(bestEpoch, history.count - 1, "stops one epoch after the best with patience 1")
        XCTAssertGreaterThanOrEqual(losses.last!, losses[bestEpoch - 1])
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("best.json"))) as? [String: Any])
        XCTAssertEqual(info["best_epoch"] as? Int, bestEpoch)
        XCTAssertEqual(info["metric"] as? String, "val_loss")
        XCTAssertEqual(info["mode"] as? String, "min")
        XCTAssertEqual(info["stopped_early_after_epoch"] as? Int, history.count)
        XCTAssertEqual(try XCTUnwrap(info["best_value"] as? Double), losses[bestEpoch - 1], accuracy: 1e-12)
        XCTAssertTrue(notices.contains { $0.hasPrefix("early stop after epoch \(history.count)") }, "\(notices)")
        // best.safetensors is the network after the best epoch: a run of that many epochs ends there.
        let short = try TrainingRun.run(job(out: dir.appendingPathComponent("short"), epochs: bestEpoch, options: o, lr: 0.05),
                                        backend: ReferenceBackend(), device: "cpu")
        let best = try ModelCheckpoint.read(out.appendingPathComponent("best.safetensors"))
        XCTAssertEqual(best.parameters, short.parameters)
        XCTAssertNotEqual(best.parameters, outcome.parameters)
        let resumed = try TrainingRun.run(job(out: out, epochs: 30, resume: true, options: o, lr: 0.05), backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(resumed.history.count, history.count)
        XCTAssertEqual(resumed.parameters, outcome.parameters)
    }

    /// Keras' EarlyStopping (min_delta 0): strictly better resets the wait, a tie does not; stop when
    /// the wait reaches the patience.
    func testMonitorProgressFollowsKerasEarlyStopping() {
        func records(_ values: [Double]) -> [EpochRecord] {
            values.enumerated().map { i, v in
                var r = EpochRecord(epoch: i + 1, train: ClassificationMetrics(losses: [1], probabilities: [0.5], labels: [0], classes: 2),
                                    validation: ClassificationMetrics(losses: [1], probabilities: [0.5], labels: [0], classes: 2),
                                    seconds: 1, trainClips: 1)
                r.val_loss = v
                return r
            }
        }
        let p = MonitorProgress(metric: .valLoss, patience: 2, history: records([1, 0.9, 0.95, 0.9, 0.8]))
        XCTAssertEqual(p.bestEpoch, 2)
        XCTAssertEqual(p.stoppedAfterEpoch, 4)
        let q = MonitorProgress(metric: .valLoss, patience: 2, history: records([1, 0.9, 0.95, 0.85, 0.86]))
        XCTAssertEqual(q.bestEpoch, 4)
        XCTAssertNil(q.stoppedAfterEpoch)
        XCTAssertEqual(q.epochsWithoutImprovement, 1)
        XCTAssertNil(MonitorProgress(metric: .valLoss, patience: nil, history: records([1, 2, 3, 4])).stoppedAfterEpoch)
    }

    func testAUCMonitorsMaximiseAndSkipUndefinedEpochs() {
        let m = ClassificationMetrics(losses: [1], probabilities: [0.5], labels: [0], classes: 2)
        var records = (1...4).map { EpochRecord(epoch: $0, train: m, validation: m, seconds: 1, trainClips: 1) }
        records[0].val_roc_auc = 0.7; records[1].val_roc_auc = nil; records[2].val_roc_auc = 0.9; records[3].val_roc_auc = 0.8
        XCTAssertEqual(MonitoredMetric.valROCAUC.mode, .max)
        XCTAssertTrue(MonitoredMetric.valROCAUC.value(in: records[1]).isNaN)
        let p = MonitorProgress(metric: .valROCAUC, patience: 5, history: records)
        XCTAssertEqual(p.bestEpoch, 3)
        XCTAssertEqual(MonitoredMetric(rawValue: "val_pr_auc"), .valPRAUC)
    }

    /// config.json records every option; --resume refuses a different one, naming it; a folder from before
    /// the options existed resumes with their defaults.
    func testOptionsAreRecordedAndEnforcedOnResume() throws {
        let out = try tempDir().appendingPathComponent("run")
        let sgd = options { $0.optimizer = OptimizerSettings(kind: .sgd, weightDecay: 1e-4, momentum: 0.9) }
        _ = try TrainingRun.run(job(out: out, epochs: 1, options: sgd, lr: 0.01), backend: ReferenceBackend(), device: "cpu")
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["optimizer"] as? String, "sgd")
        XCTAssertEqual(config["momentum"] as? Double ?? 0, 0.9, accuracy: 1e-6)
        XCTAssertEqual(config["monitor"] as? String, "val_loss")
        XCTAssertEqual(config["classWeight"] as? String, "none")
        XCTAssertNotNil(config["lrSchedule"])
        XCTAssertEqual(config["earlyStopPatience"] as? Int, 0)
        func refused(_ o: TrainingOptions, _ settings: [String]) {
            XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, resume: true, options: o, lr: 0.01),
                                                     backend: ReferenceBackend(), device: "cpu")) {
                XCTAssertEqual($0 as? RunFolderError, .configMismatch(path: out.path, settings: settings))
            }
        }
        var other = sgd
        other.optimizer.kind = .adamw; other.optimizer.momentum = 0
        refused(other, ["momentum", "optimizer"])
        other = sgd; other.optimizer.nesterov = true
        refused(other, ["nesterov"])
        other = sgd; other.schedule = .step(everyEpochs: 1, gamma: 0.5)
        refused(other, ["lrSchedule"])
        other = sgd; other.earlyStopPatience = 2
        refused(other, ["earlyStopPatience"])
        other = sgd; other.classWeighting = .balanced
        refused(other, ["classWeight", "classWeights"])
        other = sgd; other.monitor = .valAcc
        refused(other, ["monitor"])
        _ = try TrainingRun.run(job(out: out, epochs: 2, resume: true, options: sgd, lr: 0.01), backend: ReferenceBackend(), device: "cpu")

        // A folder of an earlier gcnn: config.json without the option keys resumes under the defaults.
        let old = try tempDir().appendingPathComponent("old")
        _ = try TrainingRun.run(job(out: old, epochs: 1, options: TrainingOptions()), backend: ReferenceBackend(), device: "cpu")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: old.appendingPathComponent("config.json"))) as? [String: Any])
        for key in ["optimizer", "weightDecay", "momentum", "nesterov", "lrSchedule", "monitor", "earlyStopPatience", "classWeight", "classWeights"] {
            XCTAssertNotNil(object.removeValue(forKey: key), key)
        }
        try JSONSerialization.data(withJSONObject: object).write(to: old.appendingPathComponent("config.json"))
        let continued = try TrainingRun.run(job(out: old, epochs: 2, resume: true, options: TrainingOptions()), backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(continued.history.count, 2)
    }

    func testInconsistentOptionsAreRefusedNamingTheOption() {
        XCTAssertEqual(OptimizerSettings(kind: .adam, weightDecay: 0.1).problem,
                       "--weight-decay applies to --optimizer adamw (decoupled) or sgd, not adam")
        XCTAssertEqual(OptimizerSettings(kind: .sgd, nesterov: true).problem, "--nesterov needs --momentum above 0 (as torch.optim.SGD)")
        XCTAssertEqual(OptimizerSettings(kind: .adamw, momentum: 0.9).problem, "--momentum and --nesterov apply to --optimizer sgd")
        XCTAssertEqual(LearningRateSchedule.cosine(warmupEpochs: 2, epochs: 2, minimum: 0).problem,
                       "--lr-warmup-epochs (2) must be below --epochs (2) for a cosine schedule")
        XCTAssertEqual(LearningRateSchedule.step(everyEpochs: 0, gamma: 0.1).problem, "--lr-step-epochs must be at least 1")
        XCTAssertEqual(LearningRateSchedule.cosineSteps(warmupSteps: 70, epochs: 2, minimum: 0).problem(stepsPerEpoch: 35),
                       "--lr-warmup-steps (70) must be below the run's 70 optimiser steps (2 epochs of 35 batches)")
        XCTAssertNil(LearningRateSchedule.cosineSteps(warmupSteps: 69, epochs: 2, minimum: 0).problem(stepsPerEpoch: 35))
        XCTAssertEqual(LearningRateSchedule.plateau(mode: .min, factor: 1, patience: 1, minimum: 0).problem, "--lr-factor must be in (0, 1)")
        var o = TrainingOptions()
        o.earlyStopPatience = 0
        XCTAssertEqual(o.problem, "--patience must be at least 1")
        XCTAssertEqual(ClassWeighting.balanced.weights(labels: [0, 0, 0, 1], classes: 1), [Float(4.0 / 6), 2])
        XCTAssertNil(ClassWeighting.none.weights(labels: [0, 1], classes: 1))
    }
}
