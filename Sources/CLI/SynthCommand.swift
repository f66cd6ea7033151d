import ArgumentParser

// Placeholder until its issue's work lands: exits with an error, claims nothing.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "(not built yet)")
    func run() throws { throw ValidationError("gcnn synth is not built yet") }
}
