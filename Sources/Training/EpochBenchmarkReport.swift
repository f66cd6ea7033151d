import Foundation

/// What `gcnn bench epoch --json` prints: the machine and every device's `EpochBenchmarkResult`.
public struct EpochBenchmarkReport: Codable, Equatable, Sendable {
    /// The host CPU's model name (`/proc/cpuinfo`), or "unknown".
    public var machine: String
    /// Processors this process may use.
    public var cores: Int
    public var results: [EpochBenchmarkResult]

    public init(results: [EpochBenchmarkResult], machine: String = EpochBenchmarkReport.cpuModel(),
                cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.machine = machine; self.cores = cores; self.results = results
    }

    /// The first `model name` line of `/proc/cpuinfo`, or "unknown" where there is none.
    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
