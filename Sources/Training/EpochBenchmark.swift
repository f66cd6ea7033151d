import Foundation
import Model

/// What `gcnn bench epoch` times: the seed's epoch (1 120 training clips in batches of 32 with forward,
/// backward and Adam, then inference over 480 validation clips) of an architecture (the paper's by
/// default) on seeded synthetic features of its input size.
public struct EpochBenchmarkSetup: Codable, Equatable, Sendable {
    /// The seed's epoch: the number of clips an extrapolation scales to.
    public static let paperTrainClips = 1120
    public static let paperValidationClips = 480

    public var trainClips: Int
    public var validationClips: Int
    /// The network timed (recorded by name and input size).
    public var architecture: Architecture
    public var architectureName: String { architecture.name }
    public var inputHeight: Int { architecture.inputHeight }
    public var inputWidth: Int { architecture.inputWidth }
    public var batchSize: Int
    /// Untimed epochs first (kernel compilation, first-touch allocation, caches).
    public var warmupEpochs: Int
    public var timedEpochs: Int
    /// Seeds the synthetic features, the labels, the initial weights and every epoch's shuffle.
    public var seed: UInt64

    public init(trainClips: Int = EpochBenchmarkSetup.paperTrainClips,
                validationClips: Int = EpochBenchmarkSetup.paperValidationClips,
                architecture: Architecture = .paper, batchSize: Int = 32,
                warmupEpochs: Int = 1, timedEpochs: Int = 3, seed: UInt64 = 0) {
        self.trainClips = trainClips; self.validationClips = validationClips
        self.architecture = architecture; self.batchSize = batchSize
        self.warmupEpochs = warmupEpochs; self.timedEpochs = timedEpochs; self.seed = seed
    }

    private enum CodingKeys: String, CodingKey {
        case trainClips = "train_clips", validationClips = "validation_clips", architecture, inputHeight = "input_height"
        case inputWidth = "input_width", batchSize = "batch_size", warmupEpochs = "warmup_epochs"
        case timedEpochs = "timed_epochs", seed
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trainClips, forKey: .trainClips); try c.encode(validationClips, forKey: .validationClips)
        try c.encode(architecture.name, forKey: .architecture)
        try c.encode(inputHeight, forKey: .inputHeight); try c.encode(inputWidth, forKey: .inputWidth)
        try c.encode(batchSize, forKey: .batchSize); try c.encode(warmupEpochs, forKey: .warmupEpochs)
        try c.encode(timedEpochs, forKey: .timedEpochs); try c.encode(seed, forKey: .seed)
    }

    /// Reads a recorded setup; the architecture must be a preset (a file's spec is not recorded).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .architecture)
        guard let architecture = Architecture.preset(named: name) else {
            throw DecodingError.dataCorruptedError(forKey: .architecture, in: c, debugDescription: "'\(name)' is not a preset")
        }
        self.init(trainClips: try c.decode(Int.self, forKey: .trainClips),
                  validationClips: try c.decode(Int.self, forKey: .validationClips), architecture: architecture,
                  batchSize: try c.decode(Int.self, forKey: .batchSize), warmupEpochs: try c.decode(Int.self, forKey: .warmupEpochs),
                  timedEpochs: try c.decode(Int.self, forKey: .timedEpochs), seed: try c.decode(UInt64.self, forKey: .seed))
    }

    /// True when the clip counts are the seed's, so the measured epoch needs no extrapolation.
    public var isPaperEpoch: Bool {
        trainClips == Self.paperTrainClips && validationClips == Self.paperValidationClips
    }

    /// The network timed, binary head, at this setup's batch.
    public var network: NetworkConfig {
        NetworkConfig(architecture: architecture, classes: 1, maxBatch: batchSize, seed: seed)
    }

    /// Throws `EpochBenchmarkError.invalid` naming the first option out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ why: String) throws { if !ok { throw EpochBenchmarkError.invalid(why) } }
        try check(trainClips >= 1, "--train-clips must be at least 1")
        try check(validationClips >= 1, "--val-clips must be at least 1")
        try check(batchSize >= 1, "--batch-size must be at least 1")
        try check(warmupEpochs >= 0, "--warmup must be 0 or more")
        try check(timedEpochs >= 1, "--epochs must be at least 1")
        do { _ = try network.resolved() } catch { throw EpochBenchmarkError.invalid("\(error)") }
    }
}

/// A benchmark that cannot run as asked.
public enum EpochBenchmarkError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case nonFiniteLoss(epoch: Int)
    public var description: String {
        switch self {
        case let .invalid(why): return why
        case let .nonFiniteLoss(epoch):
            return "benchmark epoch \(epoch) produced a NaN or infinite loss; the timing would not be of a real training run"
        }
    }
}

/// One epoch's wall-clock seconds, split into its training and validation passes.
public struct EpochTiming: Codable, Equatable, Sendable {
    public var trainSeconds: Double
    public var validationSeconds: Double
    /// Mean training loss of the epoch (a sanity value: finite, and falling on learnable data).
    public var trainLoss: Double
    /// Processor time (user + system, every thread of the process: pocl's workers included) of the whole
    /// epoch: on a busy shared machine it is steadier than wall-clock time.
    public var cpuSeconds: Double
    public var seconds: Double { trainSeconds + validationSeconds }

    public init(trainSeconds: Double, validationSeconds: Double, trainLoss: Double, cpuSeconds: Double) {
        self.trainSeconds = trainSeconds; self.validationSeconds = validationSeconds; self.trainLoss = trainLoss
        self.cpuSeconds = cpuSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case trainSeconds = "train_seconds", validationSeconds = "validation_seconds", trainLoss = "train_loss"
        case cpuSeconds = "cpu_seconds", seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(trainSeconds: try c.decode(Double.self, forKey: .trainSeconds),
                  validationSeconds: try c.decode(Double.self, forKey: .validationSeconds),
                  trainLoss: try c.decode(Double.self, forKey: .trainLoss),
                  cpuSeconds: try c.decode(Double.self, forKey: .cpuSeconds))
    }

    /// Encodes the two passes, their sum (`seconds`, as the peers print it), the loss and the processor time.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trainSeconds, forKey: .trainSeconds); try c.encode(validationSeconds, forKey: .validationSeconds)
        try c.encode(trainLoss, forKey: .trainLoss); try c.encode(cpuSeconds, forKey: .cpuSeconds)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// The timings of one device, with medians, per-clip rates and the seed's epoch they imply.
public struct EpochBenchmarkResult: Codable, Equatable, Sendable {
    /// The `--device` word (`opencl:0`, `cpu`, …).
    public var device: String
    /// The device's own name (`cpu-znver5-...`, `reference (Swift, host)` …).
    public var deviceName: String
    /// The OpenCL kernel configuration, when the backend has one.
    public var kernels: String?
    public var setup: EpochBenchmarkSetup
    /// Seconds to build the network and upload the dataset (once per run, not part of an epoch).
    public var uploadSeconds: Double
    public var warmup: [EpochTiming]
    public var epochs: [EpochTiming]
    /// With `--profile` on an OpenCL device: device time per kernel and launch size, the mean of one timed
    /// epoch (training and validation), the longest first.
    public var kernelProfile: [KernelTime]?

    public var medianTrainSeconds: Double { Self.median(epochs.map(\.trainSeconds)) }
    public var medianValidationSeconds: Double { Self.median(epochs.map(\.validationSeconds)) }
    /// Median of whole epochs (not the sum of the two medians).
    public var medianEpochSeconds: Double { Self.median(epochs.map(\.seconds)) }
    /// Median processor time of whole epochs.
    public var medianEpochCPUSeconds: Double { Self.median(epochs.map(\.cpuSeconds)) }
    /// Training clips per second (forward + backward + Adam), from the median training pass.
    public var trainClipsPerSecond: Double { Double(setup.trainClips) / medianTrainSeconds }
    /// Validation clips per second (inference), from the median validation pass.
    public var validationClipsPerSecond: Double { Double(setup.validationClips) / medianValidationSeconds }
    /// The seed's epoch (1 120 + 480 clips) at the measured per-clip rates; equals the median epoch
    /// when `setup.isPaperEpoch`, otherwise it is an extrapolation and `isExtrapolated` says so.
    public var paperEpochSeconds: Double {
        if setup.isPaperEpoch { return medianEpochSeconds }
        return Double(EpochBenchmarkSetup.paperTrainClips) / trainClipsPerSecond
            + Double(EpochBenchmarkSetup.paperValidationClips) / validationClipsPerSecond
    }
    public var isExtrapolated: Bool { !setup.isPaperEpoch }

    /// The median of `values` (the mean of the middle two for an even count); NaN when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private enum CodingKeys: String, CodingKey {
        case device, deviceName = "device_name", kernels, setup, uploadSeconds = "upload_seconds", warmup, epochs
        case medianTrainSeconds = "median_train_seconds", medianValidationSeconds = "median_validation_seconds"
        case medianEpochSeconds = "median_epoch_seconds", medianEpochCPUSeconds = "median_epoch_cpu_seconds"
        case trainClipsPerSecond = "train_clips_per_second"
        case validationClipsPerSecond = "validation_clips_per_second", paperEpochSeconds = "paper_epoch_seconds"
        case isExtrapolated = "extrapolated", kernelProfile = "kernel_profile_per_epoch"
    }

    public init(device: String, deviceName: String, kernels: String?, setup: EpochBenchmarkSetup,
                uploadSeconds: Double, warmup: [EpochTiming], epochs: [EpochTiming], kernelProfile: [KernelTime]? = nil) {
        self.device = device; self.deviceName = deviceName; self.kernels = kernels; self.setup = setup
        self.uploadSeconds = uploadSeconds; self.warmup = warmup; self.epochs = epochs; self.kernelProfile = kernelProfile
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(device: try c.decode(String.self, forKey: .device), deviceName: try c.decode(String.self, forKey: .deviceName),
                  kernels: try c.decodeIfPresent(String.self, forKey: .kernels),
                  setup: try c.decode(EpochBenchmarkSetup.self, forKey: .setup),
                  uploadSeconds: try c.decode(Double.self, forKey: .uploadSeconds),
                  warmup: try c.decode([EpochTiming].self, forKey: .warmup), epochs: try c.decode([EpochTiming].self, forKey: .epochs),
                  kernelProfile: try c.decodeIfPresent([KernelTime].self, forKey: .kernelProfile))
    }

    /// Encodes the measurements and, for readers of the JSON, the derived medians and rates.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(device, forKey: .device); try c.encode(deviceName, forKey: .deviceName)
        try c.encodeIfPresent(kernels, forKey: .kernels); try c.encode(setup, forKey: .setup)
        try c.encode(uploadSeconds, forKey: .uploadSeconds)
        try c.encode(warmup, forKey: .warmup); try c.encode(epochs, forKey: .epochs)
        try c.encode(medianTrainSeconds, forKey: .medianTrainSeconds)
        try c.encode(medianValidationSeconds, forKey: .medianValidationSeconds)
        try c.encode(medianEpochSeconds, forKey: .medianEpochSeconds)
        try c.encode(medianEpochCPUSeconds, forKey: .medianEpochCPUSeconds)
        try c.encode(trainClipsPerSecond, forKey: .trainClipsPerSecond)
        try c.encode(validationClipsPerSecond, forKey: .validationClipsPerSecond)
        try c.encode(paperEpochSeconds, forKey: .paperEpochSeconds)
        try c.encode(isExtrapolated, forKey: .isExtrapolated)
        try c.encodeIfPresent(kernelProfile, forKey: .kernelProfile)
    }
}

/// Times whole epochs through the real training path: the same `Network` and `Trainer` that `gcnn train`
/// uses (dataset uploaded once, a shuffled index permutation uploaded per epoch, batches gathered on the
/// device, per-clip losses read back once per pass), on seeded synthetic features instead of audio.
public enum EpochBenchmark {
    /// `count` clips of `clipLength` standard-normal values (log-mel features are standardised in spirit;
    /// the values do not change the work) with balanced random 0/1 labels, drawn from `rng`.
    public static func syntheticClips(count: Int, clipLength: Int, rng: inout RandomGenerator) -> LabeledClips {
        var features = [Float](repeating: 0, count: count * clipLength)
        for i in features.indices { features[i] = Float(rng.normal()) }
        var labels = (0..<count).map { $0 % 2 }
        rng.shuffle(&labels)
        return LabeledClips(features: features, labels: labels, clipLength: clipLength)
    }

    /// Runs `setup.warmupEpochs` untimed and `setup.timedEpochs` timed epochs on `backend`.
    /// `device` is the `--device` word recorded in the result; `progress` gets a line per epoch. With
    /// `profile`, an OpenCL backend also records the device time of every kernel of the timed epochs.
    public static func run<B: Backend>(_ setup: EpochBenchmarkSetup, backend: B, device: String, profile: Bool = false,
                                       progress: (String) -> Void = { _ in }) throws -> EpochBenchmarkResult {
        try setup.validate()
        var rng = RandomGenerator(seed: setup.seed)
        let config = setup.network
        let train = syntheticClips(count: setup.trainClips, clipLength: config.inputCount, rng: &rng)
        let validation = syntheticClips(count: setup.validationClips, clipLength: config.inputCount, rng: &rng)

        let uploadStart = now()
        let parameters = try Network<B>.initialParameters(config: config, rng: &rng)
        let network = try Network(backend: backend, config: config, parameters: parameters)
        let trainer = try Trainer(network: network, train: train, validation: validation, batchSize: setup.batchSize)
        try backend.finish()
        let uploadSeconds = now() - uploadStart

        let profiler = profile ? backend as? OpenCLBackend : nil
        var warmup: [EpochTiming] = [], timed: [EpochTiming] = []
        for epoch in 1...(setup.warmupEpochs + setup.timedEpochs) {
            if epoch == setup.warmupEpochs + 1 { profiler?.startProfiling() }
            let cpuStart = processorSeconds()
            let start = now()
            guard case .finished(let trainMetrics) = try trainer.trainEpoch(rng: &rng) else {
                preconditionFailure("an epoch without a stop request always finishes")
            }
            let middle = now()
            _ = try trainer.validate()
            let end = now()
            let cpu = processorSeconds() - cpuStart
            guard trainMetrics.loss.isFinite else { throw EpochBenchmarkError.nonFiniteLoss(epoch: epoch) }
            let timing = EpochTiming(trainSeconds: middle - start, validationSeconds: end - middle, trainLoss: trainMetrics.loss,
                                     cpuSeconds: cpu)
            let isWarmup = epoch <= setup.warmupEpochs
            if isWarmup { warmup.append(timing) } else { timed.append(timing) }
            progress(String(format: "%@ epoch %d%@: train %.3f s, validation %.3f s (processor time %.3f s), loss %.4f",
                            device, epoch, isWarmup ? " (warm-up)" : "", timing.trainSeconds, timing.validationSeconds,
                            timing.cpuSeconds, timing.trainLoss))
        }
        let kernels = (backend as? OpenCLBackend).map { "\($0.config)" }
        let perEpoch = try profiler?.stopProfiling().map {
            KernelTime(kernel: $0.kernel, global: $0.global, calls: $0.calls / setup.timedEpochs,
                       milliseconds: $0.milliseconds / Double(setup.timedEpochs))
        }
        return EpochBenchmarkResult(device: device, deviceName: backend.deviceName, kernels: kernels, setup: setup,
                                    uploadSeconds: uploadSeconds, warmup: warmup, epochs: timed, kernelProfile: perEpoch)
    }

    /// Runs the benchmark on the backend a `--device` word selects (`cpu`: the reference path). The result
    /// names the resolved device (`gpu` on a machine without one becomes `opencl:N`, with a `notice`);
    /// `kernels` picks the kernel family on an OpenCL device; `buildLog`, when given, receives the kernels' build report.
    public static func run(_ setup: EpochBenchmarkSetup, on selection: DeviceSelection, kernels: KernelVariantChoice = .auto,
                           profile: Bool = false,
                           notice: (String) -> Void = { _ in }, progress: (String) -> Void = { _ in },
                           buildLog: ((String) -> Void)? = nil) throws -> EpochBenchmarkResult {
        try setup.validate()
        try kernels.check(with: selection)
        guard let (device, note) = try selection.resolve() else {
            return try run(setup, backend: ReferenceBackend(), device: "cpu", progress: progress)
        }
        if let note { notice(note) }
        let backend = try OpenCLBackend(tunedFor: device, base: kernels.config(for: device))
        buildLog?(backend.buildReport)
        return try run(setup, backend: backend, device: "opencl:\(device.index)", profile: profile, progress: progress)
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// User + system time of every thread of this process so far.
    private static func processorSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
