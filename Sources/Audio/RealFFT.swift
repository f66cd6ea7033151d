import CFFTW
import Foundation

/// A batch of FFTW single-precision real-to-complex transforms of one size (`fftwf_plan_many_dft_r2c`).
///
/// FFTW's planner is not thread-safe, so plans are made once per (size, batch) under a process-wide
/// lock and shared. Executing a plan on other arrays (`fftwf_execute_dft_r2c`) is thread-safe, so every
/// thread runs the shared plan on its own `FFTBuffers`. Plans use `FFTW_ESTIMATE`: a measured plan
/// depends on timings, which would make features differ in the last bits from run to run.
public final class RealFFT: @unchecked Sendable {
    /// Points per transform.
    public let size: Int
    /// Transforms per execution.
    public let batch: Int
    /// Complex outputs per transform (`size / 2 + 1`).
    public var bins: Int { size / 2 + 1 }
    private let plan: fftwf_plan

    private static let plannerLock = NSLock()
    nonisolated(unsafe) private static var plans: [[Int]: RealFFT] = [:]

    /// The shared plan for `batch` transforms of `size` points.
    public static func shared(size: Int, batch: Int) -> RealFFT {
        plannerLock.lock()
        defer { plannerLock.unlock() }
        if let plan = plans[[size, batch]] { return plan }
        let plan = RealFFT(size: size, batch: batch)
        plans[[size, batch]] = plan
        return plan
    }

    /// Called with `plannerLock` held.
    private init(size: Int, batch: Int) {
        self.size = size
        self.batch = batch
        let scratch = FFTBuffers(size: size, batch: batch)
        var n = Int32(size)
        let made = fftwf_plan_many_dft_r2c(1, &n, Int32(batch),
                                           scratch.input, nil, 1, Int32(size),
                                           scratch.output, nil, 1, Int32(size / 2 + 1),
                                           UInt32(FFTW_ESTIMATE))
        guard let made else { fatalError("FFTW could not plan a \(size)-point real FFT (batch \(batch))") }
        plan = made
    }

    /// Transforms `buffers.input` (`batch` × `size` floats) into `buffers.output` (`batch` × `bins`
    /// complex values). Thread-safe as long as each thread has its own buffers.
    @inline(__always)
    public func execute(_ buffers: FFTBuffers) {
        precondition(buffers.size == size && buffers.batch == batch, "FFT buffers do not fit this plan")
        fftwf_execute_dft_r2c(plan, buffers.input, buffers.output)
    }
}

/// One thread's FFTW arrays for a `RealFFT`, allocated with `fftwf_malloc` so their alignment
/// matches the planner's (a requirement of FFTW's new-array execute functions).
public final class FFTBuffers {
    public let size: Int
    public let batch: Int
    /// `batch` × `size` real inputs.
    public let input: UnsafeMutablePointer<Float>
    /// `batch` × (`size / 2 + 1`) complex outputs, interleaved re, im.
    public let output: UnsafeMutablePointer<fftwf_complex>

    public init(size: Int, batch: Int) {
        self.size = size
        self.batch = batch
        let bins = size / 2 + 1
        input = fftwf_malloc(MemoryLayout<Float>.stride * size * batch)!.bindMemory(to: Float.self, capacity: size * batch)
        output = fftwf_malloc(MemoryLayout<fftwf_complex>.stride * bins * batch)!
            .bindMemory(to: fftwf_complex.self, capacity: bins * batch)
        input.initialize(repeating: 0, count: size * batch)
    }

    deinit {
        fftwf_free(input)
        fftwf_free(output)
    }

    /// The outputs as interleaved floats (re, im, re, im, …).
    public var outputFloats: UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(output).assumingMemoryBound(to: Float.self)
    }
}
