import Foundation

/// How many OpenCL objects this process holds through CLRuntime's wrappers, by kind: a wrapper counts its
/// object when it creates it and uncounts it when it releases it. A count that keeps growing across
/// epochs is a leak (`gcnn train` prints the counts per epoch with `GCNN_DEBUG_RESOURCES=1`;
/// `scripts/soak.sh` checks them). Counting takes a lock; objects are created at set-up, not per batch.
public enum CLObjectCounter {
    public enum Kind: Int, CaseIterable, Sendable, CustomStringConvertible {
        case context, queue, program, kernel, buffer, event
        public var description: String {
            switch self {
            case .context: return "contexts"
            case .queue: return "queues"
            case .program: return "programs"
            case .kernel: return "kernels"
            case .buffer: return "buffers"
            case .event: return "events"
            }
        }
    }

    private final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var counts = [Int](repeating: 0, count: Kind.allCases.count)
    }
    private static let storage = Storage()

    static func created(_ kind: Kind) {
        storage.lock.lock(); storage.counts[kind.rawValue] += 1; storage.lock.unlock()
    }

    static func released(_ kind: Kind) {
        storage.lock.lock(); storage.counts[kind.rawValue] -= 1; storage.lock.unlock()
    }

    /// Live objects of each kind, right now.
    public static var live: [Kind: Int] {
        storage.lock.lock(); defer { storage.lock.unlock() }
        return Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, storage.counts[$0.rawValue]) })
    }

    /// Live objects of every kind together.
    public static var total: Int { live.values.reduce(0, +) }

    /// `buffers 31, kernels 21, …` (kinds in a fixed order).
    public static var summary: String {
        let counts = live
        return Kind.allCases.map { "\($0) \(counts[$0] ?? 0)" }.joined(separator: ", ")
    }
}
