import Foundation

/// An exclusive advisory lock (`flock`) on a lock file, held between processes and between threads
/// (each acquisition opens the file anew, and `flock` locks belong to the open file). The kernel
/// releases it when the holder exits or is killed, so a crashed process never leaves a stale lock.
/// On a file system without `flock` (some network mounts) the body runs unlocked: callers must still
/// write atomically (temporary file, then rename).
public enum FileLock {
    /// Runs `body` holding the lock on `path` (created if missing). If another holder has it, calls
    /// `waiting` once, then blocks until it is released.
    public static func withLock<T>(_ path: String, waiting: () -> Void, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileLockError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }  // closing the last descriptor releases the lock
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK {
                waiting()
                while flock(fd, LOCK_EX) != 0 {
                    guard errno == EINTR else { break }
                }
            }
            // Any other failure (ENOLCK, EINVAL: no flock on this file system): proceed unlocked.
        }
        return try body()
    }
}

/// A lock file that cannot be opened; names it and the system's reason.
public enum FileLockError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open the lock file: \(reason)"
        }
    }
}
