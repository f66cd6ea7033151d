import Foundation
import PackagePlugin

/// Turns every text file of the target's `cl/` or `Data/` folder into a Swift string constant
/// (`embeddedFiles[name]`, internal to the target), so kernels and shipped data travel inside the binary:
/// a moved or statically linked `gcnn` still finds them.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let fm = FileManager.default
        var inputs: [URL] = []
        for folder in ["cl", "Data"] {
            let dir = target.directoryURL.appendingPathComponent(folder)
            guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { continue }
            inputs += names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
        }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedFiles.swift")
        return [.buildCommand(
            displayName: "Embedding \(inputs.count) files into \(target.name)",
            executable: try context.tool(named: "EmbedFilesTool").url,
            arguments: [output.path] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
