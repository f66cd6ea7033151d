import Foundation

/// The command line that continues a stopped run: this process's own command line (as typed), with `--out` set to the
/// run folder and `--resume` added, quoted for a POSIX shell.
enum ResumeCommand {
    static func line(arguments: [String] = CommandLine.arguments, folder: String) -> String {
        var args = Array(arguments.dropFirst())
        if let i = args.firstIndex(of: "--out"), i + 1 < args.count {
            args[i + 1] = folder
        } else if let i = args.firstIndex(where: { $0.hasPrefix("--out=") }) {
            args[i] = "--out=\(folder)"
        } else {
            args += ["--out", folder]
        }
        if !args.contains("--resume") { args.append("--resume") }
        return ([arguments.first ?? "gcnn"] + args).map(quoted).joined(separator: " ")
    }

    static func quoted(_ word: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@%")
        if !word.isEmpty && word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
