import ArgumentParser

// Placeholder until its issue's work lands: exits with an error, claims nothing.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "devices", abstract: "(not built yet)")
    func run() throws { throw ValidationError("gcnn devices is not built yet") }
}
