import Foundation
import PackagePlugin

/// Turns every `cl/*.cl` file of the target into a Swift string constant, so the kernels travel
/// inside the binary (a moved or statically linked `gcnn` still finds them).
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let clDir = target.directoryURL.appendingPathComponent("cl")
        let names = try FileManager.default.contentsOfDirectory(atPath: clDir.path)
            .filter { $0.hasSuffix(".cl") || $0.hasSuffix(".h") }
            .sorted()
        let inputs = names.map { clDir.appendingPathComponent($0) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedKernels.swift")
        return [.buildCommand(
            displayName: "Embedding \(names.count) OpenCL kernel files",
            executable: try context.tool(named: "EmbedKernelsTool").url,
            arguments: [output.path] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
