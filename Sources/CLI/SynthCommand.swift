import ArgumentParser
import Audio
import Foundation

/// `gcnn synth`: writes the deterministic synthetic genre corpus in GTZAN layout.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate the synthetic ten-genre corpus (GTZAN layout, 22 050 Hz mono 16-bit WAV).",
        discussion: """
            Each genre is built from musicological traits (tempo, groove, drums, bass, harmony, timbre) with \
            per-track random key, tempo, mix, effects and noise; see docs/synthetic-corpus.md. The output \
            depends only on --seed, --tracks-per-genre and --seconds: the same seed gives bit-identical \
            files whatever the number of threads.
            """)

    @Option(name: .shortAndLong, help: "Output folder (created); tracks go to <DIR>/<genre>/<genre>.00042.wav.")
    var output: String

    @Option(help: "Tracks per genre.")
    var tracksPerGenre: Int = 100

    @Option(help: "Seed of the corpus.")
    var seed: UInt64 = 0

    @Option(help: "Length of each track in seconds.")
    var seconds: Double = 30

    @Option(help: "Only these genres (comma-separated), e.g. metal,jazz.")
    var genres: String?

    @Option(help: "Tracks rendered at once (default: one per core).")
    var threads: Int?

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        guard tracksPerGenre >= 1 else { throw ValidationError("--tracks-per-genre must be at least 1") }
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try selectedGenres()
    }

    private func selectedGenres() throws -> [SynthGenre] {
        guard let list = genres else { return SynthGenre.allCases }
        return try list.split(separator: ",").map { name in
            let key = name.lowercased().filter { $0.isLetter }
            guard let g = SynthGenre(rawValue: key) else {
                throw ValidationError("unknown genre '\(name)'; choose from \(SynthGenre.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return g
        }
    }

    func run() throws {
        let list = try selectedGenres()
        let dir = URL(fileURLWithPath: output)
        let start = Date()
        let quiet = self.quiet
        try SyntheticCorpus.generate(into: dir, tracksPerGenre: tracksPerGenre, seed: seed, seconds: seconds,
                                     genres: list, threads: threads) { done, total in
            if !quiet && (done % 10 == 0 || done == total) {
                FileHandle.standardError.write("\r\(done)/\(total) tracks".data(using: .utf8)!)
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        if !quiet { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        let total = list.count * tracksPerGenre
        let audio = Double(total) * seconds
        print(String(format: "wrote %d tracks (%d genres × %d, %.0f s each, seed %llu) to %@ in %.1f s (%.0f× real time)",
                     total, list.count, tracksPerGenre, seconds, seed, dir.path, elapsed, audio / max(elapsed, 1e-9)))
    }
}
