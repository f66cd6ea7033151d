import ArgumentParser
import Foundation
import Model

/// `gcnn tune`: searches a device's kernel parameters at an architecture's shapes and caches the winners.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search a device's kernel tile and register-block sizes; every later run on it uses the winners.",
        discussion: """
            For each group of conv kernels that share parameters, builds every candidate (the device's defaults \
            first), checks it against the reference path at awkward shapes and at --arch's shapes, then times it at \
            --arch's shapes (batch --batch-size, device time weighted by calls per epoch, median of --repeats). A \
            candidate replaces the defaults only when it is faster by more than 2 %. Winners are stored per device \
            name, platform and driver version under $XDG_CACHE_HOME/gcnn/kernel-tuning (~/.cache/gcnn/kernel-tuning) \
            with a hash of the kernel sources; `gcnn devices` shows them. Run again after a driver update; a cached \
            result for the same architecture and kernels is reused unless --force.
            """)

    @Option(name: .long, help: "gpu | opencl[:N] (see `gcnn devices`).")
    var device: DeviceSelection = .gpu

    @OptionGroup var network: ArchitectureOptions

    @Option(name: .long, help: "Bound on the search's wall-clock time, in seconds (the defaults are always measured).")
    var budget: Double = 300

    @Option(name: .customLong("batch-size"), help: "Batch of the timed shapes.")
    var batchSize: Int = 32

    @Option(help: "Timed runs per candidate (the median counts).")
    var repeats: Int = 3

    @Flag(help: "Search again even if the cache holds a result for this device, architecture and kernels.")
    var force = false

    func validate() throws {
        guard budget >= 0 else { throw ValidationError("--budget must be ≥ 0 seconds") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be ≥ 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1") }
    }

    func run() throws {
        guard let (clDevice, notice) = try device.resolve() else {
            throw CLIFailure("gcnn tune: --device cpu is the reference path, which has nothing to tune; use gpu or opencl[:N]")
        }
        if let notice { print(notice) }
        var tuner = KernelTuner(architecture: try network.architecture.resolved(classes: 1))
        tuner.budgetSeconds = budget
        tuner.batch = batchSize
        tuner.repeats = repeats
        let cache = KernelTuningCache.standard
        print("device: opencl:\(clDevice.index) \(clDevice.name) (\(clDevice.kind), \(clDevice.platformName), driver \(clDevice.driverVersion))")
        print("defaults: \(OpenCLKernelConfig.forDevice(clDevice))")
        let outcome: KernelTuningOutcome
        do {
            outcome = try tuner.run(device: clDevice, cache: cache, force: force) { print($0); fflush(stdout) }
        } catch {
            throw CLIFailure("gcnn tune on \(clDevice.name): \(error)")
        }
        let record = outcome.record
        switch outcome {
        case .reused:
            print("already tuned \(record.tunedAt) for \(record.architecture) at batch \(record.batch) (no search; --force searches again)")
        case .searched:
            print(String(format: "searched %d candidates in %.1f s (budget %.0f s)", record.measurements.count,
                         record.searchSeconds, record.budgetSeconds))
        }
        var groups: [String] = []
        for m in record.measurements where !groups.contains(m.group) { groups.append(m.group) }
        for group in groups {
            let tried = record.measurements.filter { $0.group == group }
            let winner = KernelTuner.label(record.tuning, group: group)
            func median(_ label: String) -> Double? {
                let times = tried.filter { KernelTuner.label($0.candidate, group: group) == label }.compactMap(\.milliseconds).sorted()
                return times.isEmpty ? nil : times[times.count / 2]
            }
            let defaults = tried.first.flatMap { median(KernelTuner.label($0.candidate, group: group)) }
            let best = median(winner)
            var line = "\(group): \(winner)"
            if let d = defaults, let b = best {
                line += String(format: ", %.2f ms against the defaults' %.2f ms (%.3f×)", b, d, b / d)
            }
            let candidates = tried.filter { $0.note != "confirmation" }
            print(line + " (medians); \(candidates.filter(\.passed).count) of \(candidates.count) candidates passed the check")
        }
        print("winners: \(record.tuning)")
        print("saved: \(cache.fileURL(for: clDevice).path)")
    }
}
