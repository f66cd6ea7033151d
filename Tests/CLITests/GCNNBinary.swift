import Foundation
import XCTest

/// Runs the built `gcnn` executable, as a user would.
struct GCNNBinary {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// The products folder holding `gcnn` (beside the test bundle).
    static var url: URL { Bundle.main.bundleURL.appendingPathComponent("gcnn") }

    /// A cache shared by every CLI test of this process, so the tiny corpus is generated once; removed when
    /// the test bundle finishes.
    static let cache: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-cli-cache-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        XCTestObservationCenter.shared.addTestObserver(RemoveAtEnd(url))
        return url
    }()

    private final class RemoveAtEnd: NSObject, XCTestObservation {
        let url: URL
        init(_ url: URL) { self.url = url }
        func testBundleDidFinish(_ testBundle: Bundle) { try? FileManager.default.removeItem(at: url) }
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = cache.path
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
