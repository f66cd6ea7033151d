import CLRuntime
import Dispatch
import Foundation

/// `gcnn tune`: searches the tuning parameters of a device's kernel variant (`KernelTuning`), CLBlast-style.
///
/// The conv kernels fall into groups that share `-D` parameters (CPU variant: the correlation kernel of forward
/// and backward data, and the weight-gradient kernel; tiled variant: one tile shape for all three). For each
/// group in turn, every candidate (the device's defaults first) is built, checked against the reference path at
/// the awkward conv shapes and at the architecture's conv shapes (small batch; each output within the op's
/// tolerance, two runs bitwise equal), and only then timed on the device at the architecture's shapes and batch:
/// the group's kernels' device time (event timers; on a CPU device the processor time they take, which other
/// processes' load does not inflate), each op weighted by its calls per epoch, median of `repeats`. A candidate must beat the defaults by `margin` to replace them, so measurement noise keeps them.
/// The budget bounds the search: each group gets its share, and the defaults are always measured.
public struct KernelTuner {
    /// The network whose conv shapes are timed.
    public var architecture: ResolvedArchitecture
    /// Batch of the timed shapes.
    public var batch: Int = 32
    /// Batch of the reference check of each candidate at the architecture's shapes.
    public var checkBatch: Int = 2
    /// Wall-clock bound of the search, seconds.
    public var budgetSeconds: Double = 300
    /// Timed repeats per candidate (after one warm-up run).
    public var repeats: Int = 3
    /// Relative improvement a candidate needs over the defaults.
    public var margin: Double = 0.02
    /// Training and validation clips per epoch: forward passes run for both, backward passes for training only.
    public var trainClips = 1120, validationClips = 480
    /// Extra interleaved timings of a group's winner and its defaults before the winner replaces them.
    public var confirmations = 2
    /// Candidates per group at most (nil: all), for quick searches.
    public var candidateLimit: Int?

    public init(architecture: ResolvedArchitecture) { self.architecture = architecture }

    /// A group of kernels sharing parameters.
    struct Group {
        var name: String
        /// Candidates, each applied on top of the winners so far; the first is the defaults.
        var candidates: [KernelTuning]
        /// Timed at `batch`: case and weight (calls per epoch relative to a training batch).
        var timed: [(any BackendCheckCase, Double)]
        /// Checked against the reference.
        var checked: [any BackendCheckCase]
    }

    /// Searches `device` with `base` (its defaults unless given: the variant is the one `base` names) and
    /// returns the record to store. `progress` sees one line per candidate.
    public func tune(device: CLDevice, base: OpenCLKernelConfig? = nil,
                     sourceHash: String = KernelTuningCache.kernelSourceHash,
                     progress: (String) -> Void = { _ in }) throws -> KernelTuningRecord {
        let start = Self.now()
        let defaults = base ?? OpenCLKernelConfig.forDevice(device)
        let reference = ReferenceBackend()
        var best = KernelTuning(of: defaults)
        var measurements: [KernelTuningMeasurement] = []
        let groups = self.groups(for: defaults)
        for (index, group) in groups.enumerated() {
            let deadline = start + budgetSeconds * Double(index + 1) / Double(groups.count)
            progress("\(group.name): \(group.candidates.count) candidates, \(group.checked.count) shapes checked, \(group.timed.count) timed at batch \(batch)")
            let expected = try group.checked.map { try $0.run(on: reference).outputs }
            var defaultMilliseconds: Double?
            var winner: (tuning: KernelTuning, ms: Double)?
            for (c, candidate) in group.candidates.enumerated() {
                if c > 0 && Self.now() > deadline {
                    progress("  budget spent: \(group.candidates.count - c) candidates not tried")
                    break
                }
                let combined = merge(best, candidate, group: group.name)
                let m = measure(combined, group: group, device: device, base: defaults, expected: expected)
                measurements.append(m)
                let label = Self.label(combined, group: group.name)
                if let ms = m.milliseconds {
                    progress("  \(label): \(String(format: "%.2f", ms)) ms" + (c == 0 ? " (defaults)" : ""))
                    if c == 0 { defaultMilliseconds = ms; winner = (combined, ms) }
                    else if let w = winner, let d = defaultMilliseconds, ms < w.ms, ms < d * (1 - margin) { winner = (combined, ms) }
                } else {
                    progress("  \(label): rejected: \(m.note ?? "failed")")
                    if c == 0 { throw KernelTunerError.defaultsFailed(group: group.name, reason: m.note ?? "failed") }
                }
            }
            // Confirm a new winner against the defaults, interleaved, so one noisy timing cannot pick it.
            let groupDefaults = merge(best, group.candidates[0], group: group.name)
            if let w = winner, w.tuning != groupDefaults, let d = defaultMilliseconds {
                var times = [groupDefaults: [d], w.tuning: [w.ms]]
                for _ in 0..<confirmations {
                    for tuning in [groupDefaults, w.tuning] {
                        var m = measure(tuning, group: group, device: device, base: defaults, expected: nil)
                        m.note = "confirmation"
                        measurements.append(m)
                        if let ms = m.milliseconds { times[tuning, default: []].append(ms) }
                    }
                }
                let dm = Self.median(times[groupDefaults]!), wm = Self.median(times[w.tuning]!)
                progress(String(format: "  confirmation: %@ %.2f ms against the defaults' %.2f ms (medians of %d)",
                                Self.label(w.tuning, group: group.name), wm, dm, confirmations + 1))
                if !(wm < dm * (1 - margin)) { winner = nil }
            }
            if let winner { best = winner.tuning }
            progress("  winner: \(Self.label(best, group: group.name))")
        }
        return KernelTuningRecord(device: device, sourceHash: sourceHash, tunedAt: Date(),
                                  architecture: architecture.architecture, batch: batch,
                                  budgetSeconds: budgetSeconds, searchSeconds: Self.now() - start,
                                  defaults: KernelTuning(of: defaults), tuning: best, measurements: measurements)
    }

    /// The part of `tuning` a group owns, as a short label.
    public static func label(_ tuning: KernelTuning, group: String) -> String {
        if let b = tuning.cpu {
            switch group {
            case Self.weightGroup: return "\(b.weightChannels) channels × \(b.weightTaps) taps"
            case Self.splitGroup: return b.weightImages == 0 ? "automatic splits" : "≤ \(b.weightImages) images per split"
            default: return "\(b.channels) channels × \(b.vectors) float8"
            }
        }
        if let t = tuning.tiles { return "\(t.tileM)×\(t.tileN)×\(t.tileK), \(t.regM)×\(t.regN) per item" }
        return "\(tuning)"
    }

    static let correlationGroup = "correlation (conv forward, backward data)"
    static let weightGroup = "weight gradient"
    static let splitGroup = "weight gradient, images per partial sum"
    static let tilesGroup = "conv tiles (forward, backward data, weight gradient)"

    /// `candidate`'s fields that `group` owns over `best` (the groups own disjoint fields).
    private func merge(_ best: KernelTuning, _ candidate: KernelTuning, group: String) -> KernelTuning {
        guard var b = best.cpu, let c = candidate.cpu else { return candidate }
        if group == Self.weightGroup {
            b.weightChannels = c.weightChannels; b.weightTaps = c.weightTaps
        } else if group == Self.splitGroup {
            b.weightImages = c.weightImages
        } else {
            b.channels = c.channels; b.vectors = c.vectors
        }
        return KernelTuning(cpu: b)
    }

    func groups(for defaults: OpenCLKernelConfig) -> [Group] {
        let arch = BackendCheckCases.cases(for: architecture, batch: batch)
        let small = BackendCheckCases.cases(for: architecture, batch: checkBatch)
        let awkward = BackendCheckCases.awkward()
        let forwardWeight = Double(trainClips + validationClips) / Double(max(trainClips, 1))
        let forward = arch.filter { $0 is Conv2DForwardCase }.map { ($0, forwardWeight) }
        let data = arch.filter { $0 is Conv2DBackwardDataCase }.map { ($0, 1.0) }
        let weights = arch.filter { $0 is Conv2DBackwardWeightsCase }.map { ($0, 1.0) }
        func checks(_ keep: (any BackendCheckCase) -> Bool) -> [any BackendCheckCase] {
            awkward.filter(keep) + small.filter(keep)
        }
        let d = KernelTuning(of: defaults)
        func limited(_ list: [KernelTuning]) -> [KernelTuning] {
            var seen: [KernelTuning] = []
            for t in [d] + list where t.isValid && !seen.contains(t) { seen.append(t) }
            return candidateLimit.map { Array(seen.prefix(max($0, 1))) } ?? seen
        }
        switch defaults.variant {
        case .cpu:
            let b = d.cpu!
            // Register blocks of float8 accumulators: AVX2 has 16 registers, so blocks past ≈ 14 spill.
            let blocks = [(6, 2), (5, 2), (4, 2), (7, 2), (6, 1), (8, 1), (3, 3), (4, 3), (2, 4), (3, 4), (5, 3), (8, 2)]
            let correlation = blocks.map { KernelTuning(cpu: .init(channels: $0.0, vectors: $0.1, weightChannels: b.weightChannels, weightTaps: b.weightTaps)) }
            let weightBlocks = [(2, 5), (3, 5), (1, 5), (4, 5), (3, 4), (4, 3), (2, 3), (3, 3), (2, 7)]
            let weight = weightBlocks.map { KernelTuning(cpu: .init(channels: b.channels, vectors: b.vectors, weightChannels: $0.0, weightTaps: $0.1)) }
            let split = [0, 4, 2, 8, 1, 16].filter { $0 <= batch }.map {
                KernelTuning(cpu: .init(channels: b.channels, vectors: b.vectors, weightChannels: b.weightChannels,
                                        weightTaps: b.weightTaps, weightImages: $0))
            }
            var groups: [Group] = []
            if !(forward + data).isEmpty {
                groups.append(Group(name: Self.correlationGroup, candidates: limited(correlation), timed: forward + data,
                                    checked: checks { $0 is Conv2DForwardCase || $0 is Conv2DBackwardDataCase }))
            }
            if !weights.isEmpty {
                groups.append(Group(name: Self.weightGroup, candidates: limited(weight), timed: weights,
                                    checked: checks { $0 is Conv2DBackwardWeightsCase }))
                groups.append(Group(name: Self.splitGroup, candidates: limited(split), timed: weights,
                                    checked: checks { $0 is Conv2DBackwardWeightsCase }))
            }
            return groups
        case .tiled:
            var tiles: [KernelTuning.Tiles] = []
            for (m, n) in [(64, 64), (32, 32), (64, 32), (32, 64), (128, 64), (64, 128), (128, 128)] {
                for (rm, rn) in [(4, 4), (8, 4), (4, 8), (8, 8), (2, 2)] {
                    for k in [16, 8, 32] { tiles.append(.init(tileM: m, tileN: n, tileK: k, regM: rm, regN: rn)) }
                }
            }
            let fits = tiles.filter { $0.isValid && $0.threads <= maxThreads(defaults) }.map { KernelTuning(tiles: $0) }
            let all = forward + data + weights
            if all.isEmpty { return [] }
            return [Group(name: Self.tilesGroup, candidates: limited(fits), timed: all,
                          checked: checks { $0 is Conv2DForwardCase || $0 is Conv2DBackwardDataCase || $0 is Conv2DBackwardWeightsCase })]
        }
    }

    /// Work-group items the tiled candidates may use: the defaults' reduction work-group bounds what the device
    /// was found to allow.
    private func maxThreads(_ defaults: OpenCLKernelConfig) -> Int { max(defaults.reduceWorkGroup, defaults.convThreads) }

    /// Builds, checks (unless `expected` is nil: a candidate that passed already) and times one candidate.
    func measure(_ tuning: KernelTuning, group: Group, device: CLDevice, base: OpenCLKernelConfig,
                 expected: [[[Float]]]?) -> KernelTuningMeasurement {
        func failed(_ why: String) -> KernelTuningMeasurement {
            KernelTuningMeasurement(group: group.name, candidate: tuning, milliseconds: nil, passed: false, note: why)
        }
        let backend: OpenCLBackend
        do { backend = try OpenCLBackend(device: device, config: tuning.applied(to: base)) } catch {
            return failed(Self.firstLine(error))
        }
        do {
            for (testCase, reference) in zip(group.checked, expected ?? []) {
                let first = try testCase.run(on: backend).outputs
                let second = try testCase.run(on: backend).outputs
                let same = first.count == second.count && zip(first, second).allSatisfy { a, b in
                    a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
                }
                if !same { return failed("\(testCase.op) [\(testCase.shape)]: two runs differ") }
                var worst = first.count == reference.count ? 0.0 : Double.infinity
                for (d, r) in zip(first, reference) { worst = max(worst, BackendCheck.compare(d, r).rel) }
                if !(worst <= testCase.tolerance) {
                    return failed("\(testCase.op) [\(testCase.shape)]: relative error \(worst) > \(testCase.tolerance)")
                }
            }
            let prepared = try group.timed.map { (try $0.0.prepare(on: backend), $0.1) }
            for (p, _) in prepared { try p.enqueue() }
            try backend.finish()
            // A CPU device's kernels run on this process's threads: their processor time is what the work costs,
            // and unlike wall or event time it does not grow with other processes' load. GPUs: event timers.
            let processorTime = device.kind == .cpu
            var totals: [Double] = []
            for _ in 0..<max(repeats, 1) {
                var total = 0.0
                for (p, weight) in prepared {
                    if processorTime {
                        try backend.finish()
                        let before = Self.processorSeconds()
                        try p.enqueue()
                        try backend.finish()
                        total += weight * (Self.processorSeconds() - before) * 1000
                    } else {
                        backend.startProfiling()
                        try p.enqueue()
                        total += weight * (try backend.stopProfiling().reduce(0) { $0 + $1.milliseconds })
                    }
                }
                totals.append(total)
            }
            totals.sort()
            return KernelTuningMeasurement(group: group.name, candidate: tuning, milliseconds: totals[totals.count / 2], passed: true)
        } catch {
            return failed(Self.firstLine(error))
        }
    }

    private static func firstLine(_ error: Error) -> String {
        let text = "\(error)"
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// User + system time of every thread of this process so far.
    private static func processorSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// Why `gcnn tune` stopped.
public enum KernelTunerError: Error, CustomStringConvertible {
    /// The device's own defaults did not build or did not match the reference: nothing can be tuned; run
    /// `gcnn check` on the device.
    case defaultsFailed(group: String, reason: String)

    public var description: String {
        switch self {
        case .defaultsFailed(let group, let reason):
            return "the device's default kernels fail (\(group)): \(reason); run `gcnn check` on this device"
        }
    }
}

/// What `KernelTuner.run` did.
public enum KernelTuningOutcome: Sendable {
    /// The cache already held a record for this device, kernel sources, architecture and batch: no search.
    case reused(KernelTuningRecord)
    /// A search ran; its record was stored.
    case searched(KernelTuningRecord)

    public var record: KernelTuningRecord {
        switch self { case .reused(let r), .searched(let r): r }
    }
}

extension KernelTuner {
    /// Reuses `cache`'s record for `device` when it applies to these kernel sources and was tuned for this
    /// architecture, batch and variant (unless `force`); otherwise searches and stores the winners.
    public func run(device: CLDevice, base: OpenCLKernelConfig? = nil, cache: KernelTuningCache, force: Bool = false,
                    sourceHash: String = KernelTuningCache.kernelSourceHash,
                    progress: (String) -> Void = { _ in }) throws -> KernelTuningOutcome {
        let variant = (base ?? OpenCLKernelConfig.forDevice(device)).variant
        if !force, case .tuned(let record) = cache.status(for: device, sourceHash: sourceHash),
           record.architectureHash == KernelTuningCache.hexHash(Array(architecture.architecture.jsonText.utf8)),
           record.batch == batch, record.tuning.variant == variant {
            return .reused(record)
        }
        let record = try tune(device: device, base: base, sourceHash: sourceHash, progress: progress)
        try cache.store(record, for: device)
        return .searched(record)
    }
}
