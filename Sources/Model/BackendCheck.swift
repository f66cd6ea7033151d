import Dispatch
import Foundation

/// One line of `gcnn check`: an op at one shape on a device backend against the reference.
public struct BackendCheckRow: Sendable {
    public let op: String
    public let shape: String
    /// Largest `|device − reference|` over every output of the op.
    public let maxAbsError: Double
    /// Largest `|device − reference| / max(|reference|, RMS(reference output))` (see `BackendCheck.compare`).
    public let maxRelError: Double
    /// Wall time of the op on the device, waiting for completion (after one warm-up run).
    public let deviceMilliseconds: Double
    public let referenceMilliseconds: Double
    /// The op's bound on `maxRelError`.
    public let tolerance: Double
    /// Whether two device runs on the same data gave bitwise-identical outputs.
    public let deterministic: Bool

    public var passed: Bool { maxRelError <= tolerance && deterministic }

    public init(op: String, shape: String, maxAbsError: Double, maxRelError: Double, deviceMilliseconds: Double,
                referenceMilliseconds: Double, tolerance: Double, deterministic: Bool) {
        self.op = op; self.shape = shape; self.maxAbsError = maxAbsError; self.maxRelError = maxRelError
        self.deviceMilliseconds = deviceMilliseconds; self.referenceMilliseconds = referenceMilliseconds
        self.tolerance = tolerance; self.deterministic = deterministic
    }
}

/// Runs every `Backend` op on a device backend and on `ReferenceBackend` with the same seeded random data,
/// at the paper's shapes and at awkward ones, and compares the outputs: a user's way to trust a device.
///
/// Error criterion (magnitude-aware, for float32 results of long sums): each output element's error is
/// divided by `max(|reference element|, RMS of that reference output)`, so elements that cancel to near
/// zero are judged against the output's typical size rather than against themselves. Tolerances per op
/// family are in `BackendCheckCases`.
public enum BackendCheck {
    /// `(maxAbs, maxRel)` of `device` against `reference` under the criterion above; NaN or a length
    /// mismatch gives `.infinity`.
    public static func compare(_ device: [Float], _ reference: [Float]) -> (abs: Double, rel: Double) {
        guard device.count == reference.count else { return (.infinity, .infinity) }
        if reference.isEmpty { return (0, 0) }
        var squares = 0.0
        for r in reference { squares += Double(r) * Double(r) }
        let rms = (squares / Double(reference.count)).squareRoot()
        var maxAbs = 0.0, maxRel = 0.0
        for (d, r) in zip(device, reference) {
            let error = abs(Double(d) - Double(r))
            if !error.isFinite { return (.infinity, .infinity) }
            let scale = max(abs(Double(r)), rms, Double.leastNormalMagnitude)
            maxAbs = max(maxAbs, error)
            maxRel = max(maxRel, error / scale)
        }
        return (maxAbs, maxRel)
    }

    /// Runs `testCase` on both backends (the device twice: a warm-up whose outputs must equal the timed
    /// run's bit for bit; with `once`, one run, timed cold, and no determinism check) and compares.
    public static func run<D: Backend>(_ testCase: any BackendCheckCase, device: D,
                                       reference: ReferenceBackend, once: Bool = false) throws -> BackendCheckRow {
        let warmUp = try testCase.run(on: device)
        let measured = once ? warmUp : try testCase.run(on: device)
        let expected = try testCase.run(on: reference)
        var maxAbs = 0.0, maxRel = 0.0
        for (d, r) in zip(measured.outputs, expected.outputs) {
            let (a, e) = compare(d, r)
            maxAbs = max(maxAbs, a); maxRel = max(maxRel, e)
        }
        if measured.outputs.count != expected.outputs.count { maxAbs = .infinity; maxRel = .infinity }
        let deterministic = zip(warmUp.outputs, measured.outputs).allSatisfy { a, b in
            a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
        }
        return BackendCheckRow(op: testCase.op, shape: testCase.shape, maxAbsError: maxAbs, maxRelError: maxRel,
                               deviceMilliseconds: measured.milliseconds,
                               referenceMilliseconds: expected.milliseconds,
                               tolerance: testCase.tolerance, deterministic: deterministic)
    }

    /// Every case at awkward shapes and at `architecture`'s shapes (batch `batch`); `onRow` sees each row as
    /// soon as it is measured.
    public static func run<D: Backend>(device: D, reference: ReferenceBackend, architecture: ResolvedArchitecture,
                                       batch: Int = 32,
                                       onRow: (BackendCheckRow) -> Void = { _ in }) throws -> [BackendCheckRow] {
        try run(BackendCheckCases.all(architecture: architecture, batch: batch), device: device, reference: reference,
                onRow: onRow)
    }

    /// Every case of `cases`, in order (`once`: see `run(_:device:reference:once:)`); `onRow` sees each row as
    /// soon as it is measured.
    public static func run<D: Backend>(_ cases: [any BackendCheckCase], device: D, reference: ReferenceBackend,
                                       once: Bool = false,
                                       onRow: (BackendCheckRow) -> Void = { _ in }) throws -> [BackendCheckRow] {
        var rows: [BackendCheckRow] = []
        for testCase in cases {
            let row = try run(testCase, device: device, reference: reference, once: once)
            rows.append(row)
            onRow(row)
        }
        return rows
    }

    /// Wall time of `body` in milliseconds, from an idle backend to the completion of everything it enqueued.
    public static func time<B: Backend>(_ backend: B, _ body: () throws -> Void) throws -> Double {
        try backend.finish()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try backend.finish()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// The column titles of `line(_:)`.
    public static let header = "op".leftAligned(42) + "shape".leftAligned(42) + "max abs err".rightAligned(12)
        + "max rel err".rightAligned(12) + "tolerance".rightAligned(10) + "device ms".rightAligned(11)
        + "ref ms".rightAligned(10) + "  result"

    /// One row as a fixed-width table line.
    public static func line(_ row: BackendCheckRow) -> String {
        let result = row.passed ? "ok" : (row.deterministic ? "FAIL" : "FAIL (not deterministic)")
        return row.op.leftAligned(42) + row.shape.leftAligned(42) + sci(row.maxAbsError).rightAligned(12)
            + sci(row.maxRelError).rightAligned(12) + sci(row.tolerance).rightAligned(10)
            + String(format: "%.2f", row.deviceMilliseconds).rightAligned(11)
            + String(format: "%.2f", row.referenceMilliseconds).rightAligned(10) + "  " + result
    }

    private static func sci(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1e", value) : "inf"
    }
}
