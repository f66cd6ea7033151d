import CFuzzer
import Foundation

/// Runs libFuzzer on `callback` with this process's arguments (libFuzzer's flags and corpus folders).
public enum FuzzDriver {
    public static func run(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
}

extension FuzzDriver {
    /// The input libFuzzer passed (it may pass a null pointer for the empty input).
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }
}

extension FuzzDriver {
    /// Stops the fuzzer unless `error`'s text is one line naming the input (`fuzz-input…`), as gcnn's
    /// refusals must be.
    public static func requireOneLine(_ error: Error) {
        let text = "\(error)"
        if !text.hasPrefix("fuzz-input") || text.contains("\n") { fatalError("error is not one line naming the input: \(text)") }
    }
}
