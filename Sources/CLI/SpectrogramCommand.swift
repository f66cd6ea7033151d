import ArgumentParser

// Placeholder until its issue's work lands: exits with an error, claims nothing.
struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spectrogram", abstract: "(not built yet)")
    func run() throws { throw ValidationError("gcnn spectrogram is not built yet") }
}
