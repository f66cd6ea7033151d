import ArgumentParser

// Placeholder until its issue's work lands: exits with an error, claims nothing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "(not built yet)")
    func run() throws { throw ValidationError("gcnn check is not built yet") }
}
