import ArgumentParser
import Model

/// A `NAME|FILE` command-line value: an architecture preset or a `.json` architecture file, loaded while the
/// arguments are parsed. `--help` lists the presets. A value that does not load is kept as its one-line
/// `ArchitectureError`, thrown by `architecture()`; `ArchitectureOptions.validate()` throws it while parsing,
/// so a bad `--arch` fails before any work, with the message naming the file and the layer.
struct ArchitectureArgument: ExpressibleByArgument, Sendable {
    /// The argument as given.
    let argument: String
    let loaded: Result<Architecture, ArchitectureError>

    init(argument: String) {
        self.argument = argument
        do {
            loaded = .success(try Architecture.load(nameOrPath: argument))
        } catch let error as ArchitectureError {
            loaded = .failure(error)
        } catch {
            loaded = .failure(ArchitectureError(source: argument, message: "\(error)"))
        }
    }

    /// The `paper` preset, the default of every `--arch`.
    static var paper: ArchitectureArgument { ArchitectureArgument(argument: "paper") }

    /// The loaded architecture, or the one-line error of loading it.
    func architecture() throws -> Architecture { try loaded.get() }

    var defaultValueDescription: String { argument }
    static var allValueStrings: [String] { Architecture.presetNames }
    static var defaultCompletionKind: CompletionKind { .file(extensions: ["json"]) }
}

/// `--arch NAME|FILE` for commands that build a network; fails argument parsing when the value does not load.
struct ArchitectureOptions: ParsableArguments {
    @Option(name: .customLong("arch"),
            help: ArgumentHelp("The network: a preset or an architecture file (.json, see docs/architectures.md; `gcnn arch list`).",
                               valueName: "name|file"))
    var arch: ArchitectureArgument = .paper

    func validate() throws { _ = try arch.architecture() }

    /// The architecture (after `validate`, always loaded).
    var architecture: Architecture { get throws { try arch.architecture() } }
}
