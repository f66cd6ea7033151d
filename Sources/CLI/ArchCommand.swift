import ArgumentParser
import Foundation
import Model

/// `gcnn arch`: the architecture presets and the layer table of any architecture.
struct ArchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arch",
        abstract: "List the architecture presets, or show an architecture's layers, shapes, parameters and FLOPs.",
        discussion: "An architecture is a preset name or a .json file in the format of docs/architectures.md.",
        subcommands: [ArchListCommand.self, ArchShowCommand.self])
}

/// `gcnn arch list`: every preset with its cost for a one-output head.
struct ArchListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the architecture presets (parameters and forward FLOPs per clip for a one-output head).")

    func run() throws {
        print("preset".leftAligned(13) + "input".leftAligned(9) + "params".rightAligned(12) + "FLOPs/clip".rightAligned(13)
              + "  description")
        for name in Architecture.presetNames {
            let architecture = try presetArchitecture(name)
            let resolved = try architecture.resolved(classes: 1)
            print(name.leftAligned(13) + "\(architecture.inputHeight)×\(architecture.inputWidth)".leftAligned(9)
                  + resolved.parameterCount.groupedDigits.rightAligned(12)
                  + ResolvedArchitecture.flopsText(resolved.forwardFLOPs).rightAligned(13)
                  + "  " + (Architecture.presetSummary(named: name) ?? ""))
        }
    }

    private func presetArchitecture(_ name: String) throws -> Architecture {
        guard let a = Architecture.preset(named: name) else { throw CLIFailure("preset \(name) is missing") }
        return a
    }
}

/// `gcnn arch show NAME|FILE`: each layer's output shape, parameters and FLOPs, and the totals.
struct ArchShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show each layer of an architecture with its output shape, parameters and forward FLOPs per clip.",
        discussion: """
            FLOPs count a multiply-add as 2, for one clip's forward pass. --classes sets the head's outputs \
            (1: one logit, sigmoid + binary cross-entropy; N > 1: N logits, softmax + cross-entropy).
            """)

    @Argument(help: ArgumentHelp("A preset or an architecture file (.json).", valueName: "name|file"))
    var architecture: ArchitectureArgument

    @Option(help: "Outputs of the head (1 for a two-genre task, 10 for all genres).")
    var classes: Int = 1

    @Flag(help: "List each layer's tensors (PyTorch state_dict names and shapes) under it.")
    var tensors = false

    @Flag(help: "Print the canonical JSON (every default and name filled in) instead of the table.")
    var json = false

    func validate() throws {
        _ = try architecture.architecture()
        guard classes >= 1, classes <= Architecture.maxChannels else {
            throw ValidationError("--classes must be in 1…\(Architecture.maxChannels), not \(classes)")
        }
    }

    func run() throws {
        let spec = try architecture.architecture()
        let resolved = try spec.resolved(classes: classes, source: architecture.argument)
        if json {
            print(spec.jsonText, terminator: "")
            return
        }
        let head = classes == 1 ? "1 output (sigmoid + BCE)" : "\(classes) outputs (softmax + CE)"
        print("\(spec.name): input 1×\(spec.inputHeight)×\(spec.inputWidth), head of \(head)")
        print("")
        for line in resolved.tableLines(tensors: tensors) { print(line) }
        print("")
        print(resolved.costSummary)
    }
}
