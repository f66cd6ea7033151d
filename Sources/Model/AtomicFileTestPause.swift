import Foundation

/// A test hook that holds an `AtomicFile.write` in its most delicate window — the temporary file complete
/// and flushed, the rename not yet done — so that a test can kill the process exactly there.
///
/// `GCNN_TEST_PAUSE_BEFORE_RENAME=<file name>[#<n>]` makes the n-th write (default: the first) of that file
/// name in this process sleep for 60 s before its rename; the test waits for `.<file name>.tmp-*` to appear
/// and sends SIGKILL. Never set outside tests; unset, it costs one comparison per write.
enum AtomicFileTestPause {
    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var writes: [String: Int] = [:]
    }
    private static let state = State()

    private static let target: (name: String, occurrence: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["GCNN_TEST_PAUSE_BEFORE_RENAME"], !text.isEmpty else { return nil }
        let parts = text.split(separator: "#", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    static func beforeRename(of name: String) {
        guard let target, target.name == name else { return }
        state.lock.lock()
        state.writes[name, default: 0] += 1
        let count = state.writes[name]!
        state.lock.unlock()
        if count == target.occurrence { sleep(60) }
    }
}
