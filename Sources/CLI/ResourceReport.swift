import CLRuntime
import Foundation

/// With `GCNN_DEBUG_RESOURCES=1`, `gcnn train` prints one line per epoch to standard error with the
/// process's resident memory and its live OpenCL objects, for leak hunting (`scripts/soak.sh` reads it):
/// `resources: epoch 3 rss_kib 181234 cl_objects 64 (contexts 1, queues 1, …)`.
enum ResourceReport {
    static let enabled = ProcessInfo.processInfo.environment["GCNN_DEBUG_RESOURCES"] == "1"

    /// `VmRSS` of `/proc/self/status` in KiB, or -1 where there is no procfs.
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    static func line(epoch: Int) -> String {
        "resources: epoch \(epoch) rss_kib \(residentKiB()) cl_objects \(CLObjectCounter.total) (\(CLObjectCounter.summary))"
    }
}
