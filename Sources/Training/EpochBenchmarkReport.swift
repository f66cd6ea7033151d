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

extension EpochBenchmarkResult {
    /// `--profile`'s table: each kernel and launch size with its calls and device milliseconds per epoch and
    /// its share of the kernels' total, then that total beside the median wall-clock epoch (what is left is
    /// host work and launch gaps). Nil without a profile.
    public var kernelProfileTable: String? {
        guard let profile = kernelProfile else { return nil }
        let total = profile.reduce(0) { $0 + $1.milliseconds }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
        var lines = [pad("kernel", 34) + pad("global size", 18) + lpad("calls", 7) + lpad("ms/epoch", 11) + lpad("share", 8)]
        for k in profile {
            lines.append(pad(k.kernel, 34) + pad(k.global.map(String.init).joined(separator: "×"), 18) + lpad("\(k.calls)", 7)
                         + lpad(String(format: "%.1f", k.milliseconds), 11)
                         + lpad(String(format: "%.1f %%", total > 0 ? 100 * k.milliseconds / total : 0), 8))
        }
        let wall = medianEpochSeconds * 1000
        lines.append(String(format: "kernels %.1f ms of a %.1f ms median epoch (%.1f %%); the rest is host work and gaps between launches",
                            total, wall, wall > 0 ? 100 * total / wall : 0))
        return lines.joined(separator: "\n")
    }
}
