import ArgumentParser
import Audio
import Foundation

/// `gcnn features`: log-mel features of a file or a GTZAN-layout folder, as a NumPy `.npy` array.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Write log-mel features (float32 [N, 64, 173]) of a file or folder as .npy.",
        discussion: """
        A folder is read as <root>/<genre>/<file> (also Kaggle's genres_original/ nesting) when it has genre \
        folders, else as a plain folder of audio files (every audio file directly in it, by name). Each track \
        gives up to --clips-per-track clips of --clip-seconds, every --hop-seconds from its start. Files that fail \
        to decode, or are shorter than one clip, are skipped with a line naming them. Beside out.npy, out.json \
        says which file and clip each row is. numpy.load reads the array.
        """)

    @Argument(help: "An audio file, a dataset folder (<genre>/<file>), or a folder of audio files.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .npy path (a .json sidecar is written beside it).")
    var output: String

    @Flag(help: "One spectrogram of the whole file, [1, 64, frames] (a single file only).")
    var whole = false

    @Option(help: "Clip length, seconds.")
    var clipSeconds: Double = 2

    @Option(help: "Most clips per track.")
    var clipsPerTrack: Int = 8

    @Option(help: "Seconds between clip starts (default: the clip length, non-overlapping).")
    var hopSeconds: Double?

    @Option(help: "Feature cache folder for a folder (reuses features of unchanged files).")
    var cache: String?

    @Option(name: .customLong("mel-recipe"), help: ArgumentHelp(MelRecipe.optionHelp))
    var melRecipe: MelRecipe = .librosa

    func run() throws {
        var p = FeatureParameters.paper
        p.clipSeconds = clipSeconds
        p.clipsPerTrack = clipsPerTrack
        p.hopSeconds = hopSeconds
        p.melRecipe = melRecipe
        try p.validate()
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: input, isDirectory: &isDir)
        let export: FeatureExport
        if exists && isDir.boolValue {
            guard !whole else { throw ValidationError("--whole takes one audio file, not a folder") }
            let dataset = try GenreDataset.scanAnyLayout(input)
            let log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            let (e, summary) = try FeatureExport.clips(dataset: dataset, parameters: p,
                                                       cacheDir: cache.map { URL(fileURLWithPath: $0) }, log: log)
            export = e
            if dataset.isPlainFolder {
                print("\(dataset.root): \(dataset.tracks.count) audio files (no genre folders); \(summary.line)")
            } else {
                print("\(dataset.root): \(dataset.genres.count) genres (\(dataset.genres.joined(separator: ", "))); \(summary.line)")
            }
        } else {
            export = whole ? try FeatureExport.whole(file: input, parameters: p)
                           : try FeatureExport.clips(file: input, parameters: p)
        }
        try export.write(to: output)
        print("wrote \(output) float32 \(export.sidecar.shape) and \(FeatureExport.sidecarPath(for: output))")
    }
}
