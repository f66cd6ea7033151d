import ArgumentParser
import Foundation
import Model

/// `gcnn check`: every op on a device against the reference path; non-zero exit if any is out of tolerance.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every op on a device and on the reference path; compare and time them.",
        discussion: """
            Uses seeded random data at the shapes of every layer of --arch (the paper's network by default; batch 32, \
            or 4 with --quick) and at awkward shapes \
            (batch 5, 3 channels, odd sizes); --tiny runs only small shapes that still reach every kernel's edge cases. \
            --kernels forces the tiled or the CPU kernel family on any OpenCL device. Errors are relative to max(|reference|, RMS of the output); \
            each op must also give bit-identical results on two runs (--tiny: one run). Exits with status 1 if any op fails.
            """)

    @Option(name: .long, help: "gpu | opencl[:N] | cpu (cpu compares the reference with itself).")
    var device: DeviceSelection = .gpu

    @Flag(name: .long, help: "The architecture's shapes at batch 4 instead of 32 (faster).")
    var quick = false

    @Flag(name: .long, help: "Only small shapes that reach every kernel's edge cases, no architecture shapes (for device simulators such as oclgrind: every op in minutes).")
    var tiny = false

    @OptionGroup var network: ArchitectureOptions
    @OptionGroup var kernelOptions: KernelOptions

    func validate() throws {
        if tiny && quick { throw ValidationError("--tiny and --quick are exclusive: --tiny uses its own small shapes, --quick the architecture's at batch 4") }
    }

    @Flag(help: "Also print what the OpenCL compiler said while building the kernels.")
    var verbose = false

    func run() throws {
        do { try kernelOptions.kernels.check(with: device) } catch { throw CLIFailure("\(error)") }
        let batch = quick ? 4 : 32
        let reference = ReferenceBackend()
        let resolved = try network.architecture.resolved(classes: 1)
        let cases = tiny ? BackendCheckCases.tiny() : BackendCheckCases.all(architecture: resolved, batch: batch)
        let title = tiny ? "tiny shapes (\(cases.count) cases), each op once: no repeat-run determinism check (under oclgrind, its race detector's job)"
            : "\(resolved.architecture.name) shapes at batch \(batch)"
        var rows: [BackendCheckRow] = []
        let printRow: (BackendCheckRow) -> Void = { row in print(BackendCheck.line(row)); fflush(stdout) }
        if let (clDevice, notice) = try device.resolve() {
            if let notice { print(notice) }
            let backend = try OpenCLBackend(tunedFor: clDevice, base: kernelOptions.kernels.config(for: clDevice))
            print("device: opencl:\(clDevice.index) \(clDevice.name) (\(clDevice.kind), \(clDevice.platformName)); kernels: \(backend.config)")
            print("tuned: \(KernelTuningCache.standard.summary(for: clDevice))")
            if verbose { print(backend.buildReport) }
            print("\(title)\n")
            print(BackendCheck.header)
            fflush(stdout)
            rows = try BackendCheck.run(cases, device: backend, reference: reference, once: tiny, onRow: printRow)
        } else {
            print("note: --device cpu is the reference path itself; this compares two reference runs (determinism and timings only).")
            print("\(title)\n")
            print(BackendCheck.header)
            fflush(stdout)
            rows = try BackendCheck.run(cases, device: ReferenceBackend(), reference: reference, once: tiny, onRow: printRow)
        }
        let failed = rows.filter { !$0.passed }
        print("\n\(rows.count - failed.count) of \(rows.count) checks passed" + (failed.isEmpty ? "." : "; failed: " + failed.map { "\($0.op) [\($0.shape)]" }.joined(separator: ", ")))
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
