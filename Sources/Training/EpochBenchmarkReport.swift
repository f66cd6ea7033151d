import Foundation
import Model

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

extension EpochBenchmarkResult {
    /// `--profile`'s table: each kernel and launch size with its calls and device milliseconds per epoch and
    /// its share of the kernels' total, then that total beside the median wall-clock epoch (what is left is
    /// host work and launch gaps). Nil without a profile.
    public var kernelProfileTable: String? {
        guard let profile = kernelProfile else { return nil }
        let total = profile.reduce(0) { $0 + $1.milliseconds }
        var lines = ["kernel".leftAligned(34) + "global size".leftAligned(18) + "calls".rightAligned(7)
                     + "ms/epoch".rightAligned(11) + "share".rightAligned(8)]
        for k in profile {
            lines.append(k.kernel.leftAligned(34) + k.global.map(String.init).joined(separator: "×").leftAligned(18)
                         + "\(k.calls)".rightAligned(7) + String(format: "%.1f", k.milliseconds).rightAligned(11)
                         + String(format: "%.1f %%", total > 0 ? 100 * k.milliseconds / total : 0).rightAligned(8))
        }
        let wall = medianEpochSeconds * 1000
        lines.append(String(format: "kernels %.1f ms of a %.1f ms median epoch (%.1f %%); the rest is host work and gaps between launches",
                            total, wall, wall > 0 ? 100 * total / wall : 0))
        return lines.joined(separator: "\n")
    }
}
