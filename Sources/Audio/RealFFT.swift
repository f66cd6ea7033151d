import CFFTW
import Foundation

/// An FFTW single-precision real-to-complex transform of one size (`fftwf_plan_dft_r2c_1d`).
///
/// FFTW's planner is not thread-safe, so a plan is made once per size under a process-wide lock and
/// shared; executing it on other arrays (`fftwf_execute_dft_r2c`) is thread-safe, so every thread runs
/// the shared plan on its own arrays, allocated with `fftwf_malloc` (alignment must match the planner's).
///
/// Plan choice and reproducibility: a measured plan (`FFTW_MEASURE`) depends on timings, so it can
/// differ between runs, and with it the last bits of every spectrum. gcnn therefore first plans from
/// committed wisdom (`FFTWWisdom`, a plan found with `FFTW_PATIENT`) with `FFTW_WISDOM_ONLY`: the same
/// plan, so bit-identical features, on every run and every machine that accepts it (FFTW 3.3.10 on
/// x86-64 with AVX). Elsewhere it falls back to a measured plan (`isFromWisdom == false`).
public final class RealFFT: @unchecked Sendable {
    /// Points per transform.
    public let size: Int
    /// Complex outputs per transform (`size / 2 + 1`).
    public var bins: Int { size / 2 + 1 }
    /// Whether the plan came from the committed wisdom (deterministic) rather than from measuring.
    public let isFromWisdom: Bool
    private let plan: fftwf_plan

    private static let plannerLock = NSLock()
    nonisolated(unsafe) private static var plans: [Int: RealFFT] = [:]
    nonisolated(unsafe) private static var wisdomImported = false

    /// The shared plan for `size`-point transforms.
    public static func shared(size: Int) -> RealFFT {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        if let plan = plans[size] { return plan }
        if !wisdomImported {
            wisdomImported = true
            _ = FFTWWisdom.text.withCString { fftwf_import_wisdom_from_string($0) }
        }
        let plan = RealFFT(size: size)
        plans[size] = plan
        return plan
    }

    /// Called with `plannerLock` held.
    private init(size: Int) {
        self.size = size
        let input = fftwf_malloc(MemoryLayout<Float>.stride * size)!.bindMemory(to: Float.self, capacity: size)
        let output = fftwf_malloc(MemoryLayout<fftwf_complex>.stride * (size / 2 + 1))!
            .bindMemory(to: fftwf_complex.self, capacity: size / 2 + 1)
        defer { fftwf_free(input); fftwf_free(output) }
        if let wise = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_PATIENT | FFTW_WISDOM_ONLY)) {
            plan = wise
            isFromWisdom = true
        } else if let measured = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_MEASURE)) {
            plan = measured
            isFromWisdom = false
        } else {
            fatalError("FFTW could not plan a \(size)-point real FFT")
        }
    }

    /// Transforms `size` reals at `input` into `bins` complex values at `output` (interleaved re, im).
    /// Both must be aligned like `fftwf_malloc`'s memory (32 bytes suffices). Thread-safe.
    @inline(__always)
    public func execute(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: bins) { fftwf_execute_dft_r2c(plan, input, $0) }
    }

    /// FFTW's description of the plan (`fftwf_sprint_plan`).
    public var planDescription: String {
        guard let s = fftwf_sprint_plan(plan) else { return "" }
        defer { free(s) }
        return String(cString: s)
    }

    /// Plans `size`-point transforms with `FFTW_PATIENT` in a clean planner and returns the wisdom
    /// (how `FFTWWisdom.text` was made). Slow (about a second); not for use while features are computed.
    public static func patientWisdom(size: Int) -> String {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        fftwf_forget_wisdom()
        wisdomImported = false
        let input = fftwf_malloc(MemoryLayout<Float>.stride * size)!.bindMemory(to: Float.self, capacity: size)
        let output = fftwf_malloc(MemoryLayout<fftwf_complex>.stride * (size / 2 + 1))!
            .bindMemory(to: fftwf_complex.self, capacity: size / 2 + 1)
        defer { fftwf_free(input); fftwf_free(output) }
        if let p = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_PATIENT)) { fftwf_destroy_plan(p) }
        guard let s = fftwf_export_wisdom_to_string() else { return "" }
        defer { free(s) }
        return String(cString: s)
    }
}
