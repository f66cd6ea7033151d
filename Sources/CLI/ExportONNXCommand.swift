import ArgumentParser
import Foundation
import ONNXExport

/// `gcnn export onnx`: a checkpoint as an ONNX model (opset 13) that outputs what `gcnn predict` outputs.
struct ExportONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract: "Write a checkpoint as an ONNX model (opset 13): input logmel [N,1,H,W] float32, output class probabilities.",
        discussion: """
        The output is what `gcnn predict` computes: P(label 1) [N, 1] (sigmoid) for a two-genre model, the softmax \
        [N, classes] otherwise. Batch norm uses its running statistics; dropout is the identity.
        """)

    @Option(help: "A model.safetensors written by `gcnn train` (or the run folder holding it).")
    var model: String
    @Option(name: [.short, .customLong("output")], help: "The .onnx file to write (replaced atomically).")
    var output: String

    func run() throws {
        let summary: ONNXExport.Summary
        do { summary = try ONNXExport.export(model: URL(fileURLWithPath: model), to: URL(fileURLWithPath: output)) } catch {
            throw CLIFailure("\(error)")
        }
        let input = ([ONNXExport.batchDimension] + summary.inputShape.map(String.init)).joined(separator: ", ")
        print("\(summary.output): ONNX opset \(ONNXExport.opsetVersion), \(summary.nodes) nodes, \(summary.bytes) bytes; "
              + "input \(ONNXExport.inputName) [\(input)] float32, output \(ONNXExport.outputName) [N, \(summary.classes)] (\(summary.head))")
    }
}
