import ArgumentParser

// Placeholder until its issue's work lands: exits with an error, claims nothing.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "(not built yet)")
    func run() throws { throw ValidationError("gcnn features is not built yet") }
}
