import Foundation
import XCTest

/// A `gcnn` process started in the background, for tests that signal or kill it mid-run. Standard output
/// and error go to files (no pipe can fill up and block it).
final class GCNNProcess {
    let process = Process()
    private let outURL: URL, errURL: URL

    /// Starts `gcnn arguments` with the CLI tests' cache and `environment` added to this process's;
    /// with `launcher` (mpirun), starts the launcher with `arguments` instead.
    init(launcher: URL? = nil, _ arguments: [String], environment extra: [String: String] = [:]) throws {
        let dir = FileManager.default.temporaryDirectory
        outURL = dir.appendingPathComponent("gcnn-out-\(UUID().uuidString)")
        errURL = dir.appendingPathComponent("gcnn-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = launcher ?? GCNNBinary.url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = GCNNBinary.cache.path
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }

    var stdout: String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits for the process to end; returns its termination status.
    @discardableResult
    func signal(_ signal: Int32) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits up to `seconds` for the process to end; true when it did.
    func wait(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { return false }
        process.waitUntilExit()
        return true
    }

    /// Polls (every 2 ms) until `condition` holds or the process ends; true when the condition held first.
    func waitUntil(timeout: Double = 120, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            if !process.isRunning { return condition() }
            usleep(2_000)
        }
        return false
    }
}
