import CLRuntime
import Foundation

/// `GCNN_CL_KEEP_BUFFERS=1` (set by `scripts/oclgrind-check.sh`): every device buffer an `OpenCLBackend`
/// allocates stays allocated until the process exits. oclgrind 21.10's uninitialised-value check keeps a
/// released buffer's shadow memory (which bytes were written, over the released buffer's size) and oclgrind
/// gives the released buffer's address to the next allocation, which inherits that shadow: reads past the old
/// size are reported though written, and never-written bytes pass as written
/// (`scripts/oclgrind-repro/shadow-reuse.c`). With nothing released, every buffer starts with its own shadow.
/// Unset, buffers are released as usual.
enum KeptDeviceBuffers {
    private final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var enabled = ProcessInfo.processInfo.environment["GCNN_CL_KEEP_BUFFERS"] == "1"
        var buffers: [AnyObject] = []
    }
    private static let storage = Storage()

    /// Whether new buffers are kept: `GCNN_CL_KEEP_BUFFERS=1` at start; tests switch it.
    static var enabled: Bool {
        get { storage.lock.lock(); defer { storage.lock.unlock() }; return storage.enabled }
        set { storage.lock.lock(); storage.enabled = newValue; storage.lock.unlock() }
    }

    /// `buffer`, kept alive for the rest of the process when `enabled`.
    static func register<T>(_ buffer: DeviceBuffer<T>) -> DeviceBuffer<T> {
        storage.lock.lock(); defer { storage.lock.unlock() }
        if storage.enabled { storage.buffers.append(buffer) }
        return buffer
    }

    /// Drops the kept buffers (each is released once nothing else holds it).
    static func releaseAll() {
        storage.lock.lock(); storage.buffers.removeAll(); storage.lock.unlock()
    }
}
