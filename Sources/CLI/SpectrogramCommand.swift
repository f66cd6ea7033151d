import ArgumentParser
import Audio
import Foundation

/// `gcnn spectrogram`: a PNG picture of a file's log-mel spectrogram.
struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrogram",
        abstract: "Draw the log-mel spectrogram of an audio file (the features gcnn trains on) as a PNG.")

    @Argument(help: "An audio file.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .png path.")
    var output: String

    @Option(help: "Draw only this many seconds from --start (default: the whole file).")
    var seconds: Double?

    @Option(help: "First second drawn.")
    var start: Double = 0

    @Option(name: .customLong("mel-recipe"), help: ArgumentHelp(MelRecipe.optionHelp))
    var melRecipe: MelRecipe = .librosa

    func run() throws {
        var p = FeatureParameters.paper
        p.melRecipe = melRecipe
        var samples = try AudioDecoder.load(input, sampleRate: p.sampleRate)
        let first = min(samples.count, max(0, Int(start * Double(p.sampleRate))))
        let last = seconds.map { min(samples.count, first + Int($0 * Double(p.sampleRate))) } ?? samples.count
        guard last > first else { throw ValidationError("nothing to draw: --start \(start) is past the end of \(input)") }
        samples = Array(samples[first..<last])
        let spectrogram = try LogMelExtractor(p)(samples)
        let name = (input as NSString).lastPathComponent
        let image = SpectrogramImage.render(spectrogram, parameters: p, title: "\(name)  LOG-MEL, 64 BANDS" + (melRecipe == .seed ? ", SEED RECIPE" : ""))
        try PNGWriter.write(image, to: output)
        print("wrote \(output) (\(image.width)×\(image.height), \(spectrogram.mels) bands × \(spectrogram.frames) frames)")
    }
}
