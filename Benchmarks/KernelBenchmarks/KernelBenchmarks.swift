import Benchmark
import Foundation
import Model

// Per-kernel microbenchmarks of one architecture's training step (ordo-one/benchmark):
//   swift package --package-path Benchmarks benchmark --target KernelBenchmarks --grouping metric
// The architecture is GCNN_BENCH_ARCH (a preset name or a JSON path, as `gcnn train --arch`; default `paper`);
// its ops are the ones `gcnn check` runs for it (`BackendCheckCases.cases(for:batch:)`), named by op and shape.
// Each runs on an OpenCL device (GCNN_BENCH_DEVICE, default `gpu`: the first GPU, else the first OpenCL device)
// at batch 32, and on the reference path at GCNN_BENCH_REFERENCE_BATCH (default 8; its conv ops take seconds at
// 32; `0` skips it), and so does the whole `Network.trainStep`. Each iteration enqueues the op once and waits
// for it; besides wall-clock time, every iteration records its rate as two custom metrics: MFLOP/s (nominal
// useful FLOPs, a multiply-add = 2) and MB/s (the least traffic the op must do).

/// A custom metric recorded per iteration (Int-valued, hence mega-units).
let mflops = BenchmarkMetric.custom("MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
let mbps = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)

/// The benchmarked architecture (GCNN_BENCH_ARCH) with a one-logit head; a bad name or file ends the process.
let benchArchitecture: ResolvedArchitecture = {
    let argument = ProcessInfo.processInfo.environment["GCNN_BENCH_ARCH"] ?? "paper"
    do {
        return try Architecture.load(nameOrPath: argument).resolved(classes: 1)
    } catch {
        FileHandle.standardError.write(Data("GCNN_BENCH_ARCH=\(argument): \(error)\n".utf8))
        exit(2)
    }
}()

/// Workloads are built on first use inside the process that runs the benchmark, not at registration
/// (the harness registers every benchmark in every process it starts).
final class Workloads: @unchecked Sendable {
    static let shared = Workloads()
    private var opencl: KernelWorkload<OpenCLBackend>?
    private var reference: KernelWorkload<ReferenceBackend>?
    private var networks: [String: (step: () throws -> Void, finish: () throws -> Void)] = [:]

    func openCL() throws -> KernelWorkload<OpenCLBackend> {
        if let opencl { return opencl }
        let word = ProcessInfo.processInfo.environment["GCNN_BENCH_DEVICE"] ?? "gpu"
        guard let (device, _) = try DeviceSelection(parsing: word).resolve() else {
            throw BenchmarkSetupError.notOpenCL(word)
        }
        let made = KernelWorkload(backend: try OpenCLBackend(device: device), architecture: benchArchitecture, batch: 32)
        opencl = made
        return made
    }

    func referenceWorkload() throws -> KernelWorkload<ReferenceBackend> {
        if let reference { return reference }
        let made = KernelWorkload(backend: ReferenceBackend(), architecture: benchArchitecture, batch: referenceBatch)
        reference = made
        return made
    }

    /// `Network.trainStep` of the workload's architecture (the whole step, as the trainer enqueues it) at its batch.
    func trainStep<B: Backend>(_ key: String, workload: KernelWorkload<B>) throws -> (step: () throws -> Void, finish: () throws -> Void) {
        if let made = networks[key] { return made }
        let (backend, n) = (workload.backend, workload.batch)
        var rng = RandomGenerator(seed: 3)
        let config = NetworkConfig(architecture: workload.architecture.architecture, classes: 1, maxBatch: n)
        let network = try Network(backend: backend, config: config,
                                  parameters: try Network<B>.initialParameters(config: config, rng: &rng))
        let x = try backend.makeBuffer((0..<(n * config.inputCount)).map { _ in Float(rng.normal()) }, label: "batch")
        let y = try backend.makeBuffer((0..<n).map { Float($0 % 2) }, label: "labels")
        let losses = try backend.makeBuffer(count: n, label: "losses"), probs = try backend.makeBuffer(count: n, label: "probabilities")
        let made = (step: { try network.trainStep(input: x, labels: y, batch: n, losses: losses, probabilities: probs, resultOffset: 0) },
                    finish: { try backend.finish() })
        networks[key] = made
        return made
    }
}

/// The benchmarks cannot be set up as asked.
enum BenchmarkSetupError: Error, CustomStringConvertible {
    case notOpenCL(String)
    var description: String {
        switch self {
        case let .notOpenCL(word): return "GCNN_BENCH_DEVICE=\(word) names no OpenCL device; use gpu or opencl:N"
        }
    }
}

let referenceBatch = Int(ProcessInfo.processInfo.environment["GCNN_BENCH_REFERENCE_BATCH"] ?? "") ?? 8

/// Times one run of `enqueue` + `finish` itself and records its rates (the harness times the same span).
func measure(_ benchmark: Benchmark, flop: Double, bytes: Double, enqueue: () throws -> Void, finish: () throws -> Void) throws {
    let start = DispatchTime.now().uptimeNanoseconds
    try enqueue()
    try finish()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    if flop > 0 { benchmark.measurement(mflops, Int((flop / seconds / 1e6).rounded())) }
    if bytes > 0 { benchmark.measurement(mbps, Int((bytes / seconds / 1e6).rounded())) }
}

/// Registers every op of the architecture at `batch` (its workload built lazily by `make`) and the whole training step.
func register<B: Backend>(prefix: String, batch: Int, maxDuration: Duration, make: @escaping () throws -> KernelWorkload<B>) {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, mflops, mbps], timeUnits: .microseconds,
                                                warmupIterations: 1, maxDuration: maxDuration, maxIterations: 200)
    for (name, _) in KernelWorkload<B>.namedCases(architecture: benchArchitecture, batch: batch) {
        Benchmark("\(prefix) \(name) [b\(batch)]", configuration: configuration) { benchmark in
            let workload = try make()
            guard let op = try workload.kernelCase(named: name) else { return }
            for _ in benchmark.scaledIterations {
                try measure(benchmark, flop: op.flop, bytes: op.bytes, enqueue: op.enqueue, finish: { try workload.backend.finish() })
            }
        } setup: {
            _ = try make().kernelCase(named: name)
        }
    }
    Benchmark("\(prefix) whole train step \(benchArchitecture.architecture.name) [b\(batch)]",
              configuration: configuration) { benchmark in
        let workload = try make()
        let step = try Workloads.shared.trainStep(prefix, workload: workload)
        for _ in benchmark.scaledIterations {
            try measure(benchmark, flop: workload.trainStepFlop, bytes: 0, enqueue: step.step, finish: step.finish)
        }
    } setup: {
        _ = try Workloads.shared.trainStep(prefix, workload: try make())
    }
}

let benchmarks: @Sendable () -> Void = {
    let word = ProcessInfo.processInfo.environment["GCNN_BENCH_DEVICE"] ?? "gpu"
    if let selection = try? DeviceSelection(parsing: word), selection != .cpu, (try? selection.resolve()) != nil {
        register(prefix: "opencl", batch: 32, maxDuration: .seconds(2)) { try Workloads.shared.openCL() }
    } else {
        FileHandle.standardError.write(Data("note: no OpenCL device for GCNN_BENCH_DEVICE=\(word); only the reference path is measured\n".utf8))
    }
    if referenceBatch > 0 {
        register(prefix: "reference", batch: referenceBatch, maxDuration: .seconds(3)) { try Workloads.shared.referenceWorkload() }
    }
}
