import ArgumentParser
import Foundation
import Model
import Training

/// `gcnn bench`: timings of the real training path (kernel microbenchmarks live in the Benchmarks package).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training epochs on one or more devices.",
        subcommands: [EpochBenchCommand.self])
}

/// `gcnn bench epoch`: times whole epochs of the seed's setup through `Trainer` on synthetic features.
struct EpochBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epoch",
        abstract: "Time epochs of the seed's setup (1 120 training + 480 validation clips of 64×173, batch 32, Adam).",
        discussion: """
        Runs the same network and trainer as `gcnn train` (dataset uploaded once, per-epoch shuffle gathered on the \
        device) on seeded standard-normal features: --warmup untimed epochs, then --epochs timed ones; reports \
        per-epoch training and validation seconds and their medians. With fewer clips than the seed's \
        (--train-clips/--val-clips; use them for the slow reference path, --device cpu) the seed's epoch is \
        extrapolated from the measured per-clip rates and labelled as such. Progress goes to standard error.
        """)

    @Option(parsing: .upToNextOption,
            help: "One or more of gpu, opencl[:N] (see `gcnn devices`), cpu (the reference path); each is timed in turn.")
    var device: [DeviceSelection] = [.gpu]
    @Option(help: "Timed epochs (the median is reported).")
    var epochs: Int = 3
    @Option(help: "Untimed warm-up epochs before them.")
    var warmup: Int = 1
    @Option(name: .customLong("train-clips"), help: "Training clips per epoch (the seed's: 1120).")
    var trainClips: Int = EpochBenchmarkSetup.paperTrainClips
    @Option(name: .customLong("val-clips"), help: "Validation clips per epoch (the seed's: 480).")
    var valClips: Int = EpochBenchmarkSetup.paperValidationClips
    @Option(name: .customLong("batch-size"), help: "Clips per batch.")
    var batchSize: Int = 32
    @Option(help: "Seed of the synthetic features, labels, initial weights and shuffles.")
    var seed: UInt64 = 0
    @Flag(help: "Print one JSON object (every device's epochs, medians, rates) instead of text.")
    var json = false
    @OptionGroup var network: ArchitectureOptions
    @OptionGroup var kernelOptions: KernelOptions
    @Flag(help: "Also time every kernel of the timed epochs with the device's event timers (OpenCL devices).")
    var profile = false
    @Flag(help: "Also print what the OpenCL compiler said while building the kernels (standard error).")
    var verbose = false

    func run() throws {
        let setup = EpochBenchmarkSetup(trainClips: trainClips, validationClips: valClips,
                                        architecture: try network.architecture, batchSize: batchSize,
                                        warmupEpochs: warmup, timedEpochs: epochs, seed: seed)
        do {
            try setup.validate()
            for selection in device { try kernelOptions.kernels.check(with: selection) }
        } catch { throw CLIFailure("\(error)") }
        var results: [EpochBenchmarkResult] = []
        for selection in device {
            do {
                results.append(try EpochBenchmark.run(setup, on: selection, kernels: kernelOptions.kernels, profile: profile, notice: printError,
                                                   progress: printError, buildLog: verbose ? printError : nil))
            } catch {
                throw CLIFailure("bench epoch on \(selection): \(error)")
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = EpochBenchmarkReport(results: results)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for r in results { printText(r) }
        }
    }

    private func printText(_ r: EpochBenchmarkResult) {
        let s = r.setup
        print("\(r.device): \(r.deviceName)" + (r.kernels.map { " — kernels: \($0)" } ?? ""))
        print("  \(s.architectureName): \(s.trainClips) training + \(s.validationClips) validation clips of \(s.inputHeight)×\(s.inputWidth), batch \(s.batchSize); "
              + "\(s.warmupEpochs) warm-up + \(s.timedEpochs) timed epoch(s); dataset upload \(f(r.uploadSeconds)) s")
        for (i, e) in r.epochs.enumerated() {
            print("  epoch \(i + 1): train \(f(e.trainSeconds)) s + validation \(f(e.validationSeconds)) s = \(f(e.seconds)) s")
        }
        print("  median: train \(f(r.medianTrainSeconds)) s, validation \(f(r.medianValidationSeconds)) s, epoch \(f(r.medianEpochSeconds)) s")
        print("  rates: \(String(format: "%.1f", r.trainClipsPerSecond)) training clips/s, \(String(format: "%.1f", r.validationClipsPerSecond)) validation clips/s")
        if r.isExtrapolated {
            print("  seed's epoch (1120 + 480 clips), EXTRAPOLATED from these rates: \(f(r.paperEpochSeconds)) s")
        } else {
            print("  seed's epoch (1120 + 480 clips), measured: \(f(r.medianEpochSeconds)) s")
        }
        if let table = r.kernelProfileTable {
            print("  device time per kernel, mean of the timed epochs:")
            print(table.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        }
    }

    private func f(_ x: Double) -> String { String(format: "%.3f", x) }
}
