import ArgumentParser

/// `gcnn export`: a checkpoint in another framework's format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a gcnn checkpoint in another framework's format.",
        subcommands: [ExportONNXCommand.self])
}
