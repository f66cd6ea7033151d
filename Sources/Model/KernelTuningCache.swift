import CLRuntime
import Foundation
import Kernels

/// One device's tuning as `gcnn tune` stored it: the winners, what they were measured against, and the key
/// that decides whether they still apply (device name, platform, driver version, hash of the kernel sources).
public struct KernelTuningRecord: Codable, Equatable, Sendable {
    /// The file format this build writes and reads.
    public static let currentFormat = 1

    public var format: Int
    public var deviceName: String
    public var platformName: String
    public var driverVersion: String
    /// `KernelTuningCache.kernelSourceHash` of the kernels that were tuned.
    public var sourceHash: String
    /// When the search finished, ISO 8601 (UTC).
    public var tunedAt: String
    /// The architecture whose shapes were timed (its name and a hash of its canonical JSON), and the batch.
    public var architecture: String
    public var architectureHash: String
    public var batch: Int
    public var budgetSeconds: Double
    /// Wall time of the search.
    public var searchSeconds: Double
    /// The device's built-in parameters for the tuned variant (always among the candidates).
    public var defaults: KernelTuning
    /// The winners.
    public var tuning: KernelTuning
    /// Every candidate tried, per kernel group.
    public var measurements: [KernelTuningMeasurement]

    public init(device: CLDevice, sourceHash: String, tunedAt: Date, architecture: Architecture, batch: Int,
                budgetSeconds: Double, searchSeconds: Double, defaults: KernelTuning, tuning: KernelTuning,
                measurements: [KernelTuningMeasurement]) {
        format = Self.currentFormat
        deviceName = device.name; platformName = device.platformName; driverVersion = device.driverVersion
        self.sourceHash = sourceHash
        self.tunedAt = ISO8601DateFormatter().string(from: tunedAt)
        self.architecture = architecture.name
        architectureHash = KernelTuningCache.hexHash(Array(architecture.jsonText.utf8))
        self.batch = batch
        self.budgetSeconds = budgetSeconds; self.searchSeconds = searchSeconds
        self.defaults = defaults; self.tuning = tuning; self.measurements = measurements
    }
}

/// One candidate of one kernel group, as the tuner measured it.
public struct KernelTuningMeasurement: Codable, Equatable, Sendable {
    /// The kernel group (e.g. `correlation`, `weight gradient`, `conv tiles`).
    public var group: String
    public var candidate: KernelTuning
    /// Device time (CPU devices: processor time) of the group's kernels at the architecture's shapes, weighted by their calls per epoch
    /// (median of the repeats); nil when the candidate failed before timing.
    public var milliseconds: Double?
    /// Whether the candidate matched the reference path (and itself, bit for bit) at every checked shape.
    public var passed: Bool
    /// Why it failed (build error, tolerance, …).
    public var note: String?

    public init(group: String, candidate: KernelTuning, milliseconds: Double?, passed: Bool, note: String? = nil) {
        self.group = group; self.candidate = candidate; self.milliseconds = milliseconds
        self.passed = passed; self.note = note
    }
}

/// Per-device tuning files under the gcnn cache (`$XDG_CACHE_HOME/gcnn/kernel-tuning`, else
/// `~/.cache/gcnn/kernel-tuning`, as the feature cache), one JSON file per device name, platform and driver
/// version. A record applies while the kernel sources hash the same; a damaged, foreign or stale file is
/// reported and ignored (the device keeps its defaults), never trusted.
public struct KernelTuningCache: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The cache every gcnn command uses.
    public static var standard: KernelTuningCache {
        let root: URL
        if let xdg = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            root = URL(fileURLWithPath: xdg).appendingPathComponent("gcnn")
        } else {
            root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/gcnn")
        }
        return KernelTuningCache(directory: root.appendingPathComponent("kernel-tuning"))
    }

    /// 16 hex digits of FNV-1a over every embedded kernel file's name and text, in name order: any edit of a
    /// kernel invalidates every device's tuning.
    public static let kernelSourceHash: String = {
        var bytes: [UInt8] = []
        for name in KernelLibrary.fileNames {
            bytes += Array(name.utf8) + [0] + Array((KernelLibrary.source(named: name) ?? "").utf8) + [0]
        }
        return hexHash(bytes)
    }()

    static func hexHash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The file of `device`: its name, then a hash of name, platform and driver version.
    public func fileURL(for device: CLDevice) -> URL {
        let safe = String(device.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(48))
        let key = Self.hexHash(Array("\(device.name)\n\(device.platformName)\n\(device.driverVersion)".utf8))
        return directory.appendingPathComponent("\(safe)-\(key).json")
    }

    /// What the cache holds for a device.
    public enum Status: Equatable, Sendable {
        /// No file.
        case untuned
        /// A record that applies.
        case tuned(KernelTuningRecord)
        /// A record for other kernel sources or another device or driver (kept until the next `gcnn tune`).
        case stale(KernelTuningRecord, reason: String)
        /// A file that is not a valid record (damaged or foreign); the reason names it.
        case unreadable(String)
    }

    /// The status of `device`'s file against kernel sources hashing to `sourceHash`.
    public func status(for device: CLDevice, sourceHash: String = KernelTuningCache.kernelSourceHash) -> Status {
        let url = fileURL(for: device)
        guard let data = try? Data(contentsOf: url) else { return .untuned }
        let record: KernelTuningRecord
        do {
            record = try JSONDecoder().decode(KernelTuningRecord.self, from: data)
        } catch {
            return .unreadable("\(url.path): not a tuning record (\(Self.reason(error))); run `gcnn tune` to replace it")
        }
        guard record.format == KernelTuningRecord.currentFormat else {
            return .unreadable("\(url.path): tuning format \(record.format), this gcnn reads \(KernelTuningRecord.currentFormat); run `gcnn tune`")
        }
        guard record.tuning.isValid, record.defaults.isValid else {
            return .unreadable("\(url.path): parameters out of range; run `gcnn tune` to replace it")
        }
        if record.deviceName != device.name || record.platformName != device.platformName
            || record.driverVersion != device.driverVersion {
            return .stale(record, reason: "tuned for \(record.deviceName), driver \(record.driverVersion)")
        }
        if record.sourceHash != sourceHash {
            return .stale(record, reason: "the kernel sources changed since \(record.tunedAt)")
        }
        return .tuned(record)
    }

    /// The tuning that applies to `device`, or nil.
    public func tuning(for device: CLDevice, sourceHash: String = KernelTuningCache.kernelSourceHash) -> KernelTuning? {
        if case .tuned(let record) = status(for: device, sourceHash: sourceHash) { return record.tuning }
        return nil
    }

    /// `base` (the device's defaults unless given) with the cached tuning applied where it matches the variant.
    public func config(for device: CLDevice, base: OpenCLKernelConfig? = nil,
                       sourceHash: String = KernelTuningCache.kernelSourceHash) -> OpenCLKernelConfig {
        let config = base ?? OpenCLKernelConfig.forDevice(device)
        return tuning(for: device, sourceHash: sourceHash)?.applied(to: config) ?? config
    }

    /// One line for `gcnn devices` and `gcnn check`: whether `device` is tuned, when, and with what.
    public func summary(for device: CLDevice) -> String {
        switch status(for: device) {
        case .untuned: return "no (built-in defaults; `gcnn tune` searches)"
        case .tuned(let r): return "yes, \(r.tunedAt) at \(r.architecture)'s shapes, batch \(r.batch): \(r.tuning)"
        case .stale(let r, let reason): return "no: the tuning of \(r.tunedAt) is stale (\(reason)); run `gcnn tune`"
        case .unreadable(let why): return "no: \(why)"
        }
    }

    /// Writes `record` as `device`'s file (atomically; the folder is created).
    public func store(_ record: KernelTuningRecord, for device: CLDevice) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(record), to: fileURL(for: device))
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "bad '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: return "\(error)"
        }
    }
}

extension OpenCLBackend {
    /// The backend gcnn's commands build: `device`'s default kernels (or `base`) with the tuning `cache` holds for
    /// it, if any (`gcnn tune`). Tests build `OpenCLBackend(device:)`, which never reads the cache.
    public convenience init(tunedFor device: CLDevice, base: OpenCLKernelConfig? = nil,
                            cache: KernelTuningCache = .standard) throws {
        try self.init(device: device, config: cache.config(for: device, base: base))
    }
}
