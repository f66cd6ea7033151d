import Foundation

/// Crash-safe file replacement: write a temporary file beside the target, flush it to disk, rename, flush
/// the folder. Readers see the old contents or the new, never a half-written file, whether the process
/// is killed or the machine loses power at any moment. A kill leaves at most a `.<name>.tmp-<pid>-<n>`
/// file beside the target, which `RunFolder` removes when it next opens the folder.
public enum AtomicFile {
    /// Prefix of the temporary files `write` creates for `name`.
    public static func temporaryPrefix(for name: String) -> String { ".\(name).tmp-" }

    /// Writes `data` to `url` atomically; the folder must exist.
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let tmp = folder.appendingPathComponent(temporaryPrefix(for: url.lastPathComponent) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw AtomicFileError.cannotWrite(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = true
        var reason = ""
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n <= 0 { if errno == EINTR { continue }; ok = false; reason = String(cString: strerror(errno)); return }
                done += n
            }
        }
        if ok && fsync(fd) != 0 { ok = false; reason = String(cString: strerror(errno)) }
        close(fd)
        guard ok else { unlink(tmp.path); throw AtomicFileError.cannotWrite(path: url.path, reason: reason) }
        AtomicFileTestPause.beforeRename(of: url.lastPathComponent)
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno)); unlink(tmp.path)
            throw AtomicFileError.cannotWrite(path: url.path, reason: reason)
        }
        // The rename itself is durable only once the folder's entry is on disk.
        let dir = open(folder.path, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}

/// A failed atomic write; names the file and the system's reason.
public enum AtomicFileError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    public var description: String {
        switch self { case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)" }
    }
}
