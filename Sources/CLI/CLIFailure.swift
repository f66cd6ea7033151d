import Foundation

/// A failure reported as one line (`Error: …`) with a non-zero exit status.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Standard error, for notices that must not mix with data on standard output.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
