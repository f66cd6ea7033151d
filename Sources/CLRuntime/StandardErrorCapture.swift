import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs work with the process's standard error (file descriptor 2) redirected to a temporary file and returns
/// what was written there. OpenCL drivers' compilers write diagnostics straight to descriptor 2 (pocl's clang
/// prints `2 warnings generated.`), which no API returns; this keeps them off the console and in the log.
///
/// Descriptor 2 is process-wide: anything another thread writes while the work runs is captured too. Captures
/// take turns (one lock), and the descriptor is restored before `capture` returns or throws.
enum StandardErrorCapture {
    private static let lock = NSLock()

    static func capture<T>(_ work: () throws -> T) rethrows -> (result: T, output: String) {
        lock.lock(); defer { lock.unlock() }
        fflush(nil)
        guard let file = tmpfile() else { return (try work(), "") }
        defer { fclose(file) }
        let saved = dup(STDERR_FILENO)
        guard saved >= 0 else { return (try work(), "") }
        guard dup2(fileno(file), STDERR_FILENO) >= 0 else { close(saved); return (try work(), "") }
        func restore() {
            fflush(nil)
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
        let result: T
        do { result = try work() } catch { restore(); throw error }
        restore()
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        rewind(file)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return (result, String(decoding: bytes, as: UTF8.self))
    }
}
