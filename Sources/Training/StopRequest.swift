import Foundation

/// A request to stop training at the next batch boundary, set from another thread (the CLI's Ctrl-C
/// handler) and read by the training loop between batches (`TrainingEvents.shouldStop`).
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    /// Asks the run to stop; returns whether it had already been asked.
    @discardableResult
    public func request() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let before = requested
        requested = true
        return before
    }

    public var isRequested: Bool {
        lock.lock(); defer { lock.unlock() }
        return requested
    }
}
