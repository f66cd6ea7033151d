import ArgumentParser
import Audio
import Foundation
import Model
import Training

/// `gcnn experiment paper|pairs`: the seed's Table 2 and its proposed all-pairs extension.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Run the paper's experiments.",
        subcommands: [Paper.self, Pairs.self])

    struct Common: ParsableArguments {
        @Option(help: "A GTZAN-layout folder; default: the built-in synthetic corpus.")
        var data: String?
        @Option(help: "gpu, opencl[:N] or cpu.")
        var device: String = "gpu"
        @Option(help: "The first seed; --seeds N runs every cell with seeds seed, seed + 1, …, seed + N − 1.")
        var seed: UInt64 = 0
        @Option(help: "Folder of the runs and tables (an interrupted experiment resumes from it).")
        var out: String?
        @Option(name: .customLong("synthetic-tracks"), help: "Tracks per genre of the built-in corpus (when no --data).")
        var syntheticTracks: Int = 100
        @Option(name: .customLong("bn-momentum"), help: "Sets every batch-norm layer's running-statistics momentum, Keras' sense (default: the architecture's; the paper's is the seed's 0.99).")
        var bnMomentum: Float?
        @OptionGroup var network: ArchitectureOptions
        @Option(name: .customLong("mel-recipe"), help: "librosa or seed log-mel features for every cell (default: each cell's recipe's: seed for the keras-tail half of `paper`, librosa otherwise).")
        var melRecipe: MelRecipe?
        @Flag(name: .customLong("tables-only"), help: "Write the tables from the epochs the runs in --out have finished (an interrupted sweep's), without training.")
        var tablesOnly = false

        func request(epochs: Int, seeds: Int, name: String) throws -> ExperimentRequest {
            guard seeds >= 1 else { throw CLIFailure("--seeds must be at least 1") }
            var request = ExperimentRequest(data: data.map { URL(fileURLWithPath: $0) }, device: device, seed: seed, seeds: seeds, epochs: epochs,
                                     out: URL(fileURLWithPath: out ?? "runs/experiment-\(name)"), syntheticTracksPerGenre: syntheticTracks,
                                     batchNormMomentum: bnMomentum, architecture: try network.architecture)
            request.melRecipe = melRecipe
            return request
        }
    }

    /// Progress and per-epoch lines of every run (the reporter lives as long as its closures).
    static func events() -> TrainingEvents { TrainingReporter(json: false).events }

    static func write(_ text: String, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: url)
        printError("wrote \(url.path)")
    }

    struct Paper: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Table 2: the four tasks under keras-tail (with --recipe seed) and stratified (gcnn's defaults), 2 epochs each, every cell with --seeds seeds; ends with the study's question tested.")
        @OptionGroup var common: Common
        @Option(help: "Seeds per cell (tables: mean ± 95 % t-interval; per-seed values in table2.csv).")
        var seeds: Int = 5
        func run() throws {
            let request = try common.request(epochs: 2, seeds: seeds, name: "paper")
            do {
                let runs = try Experiments.paper(request, events: ExperimentCommand.events(), training: !common.tablesOnly)
                let table = Experiments.paperMarkdown(runs)
                print(table)
                try ExperimentCommand.write(table, request.out.appendingPathComponent("table2.md"))
                try ExperimentCommand.write(Experiments.paperCSV(runs), request.out.appendingPathComponent("table2.csv"))
            } catch { throw CLIFailure("\(error)") }
        }
    }

    struct Pairs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "All 45 genre pairs (stratified): accuracy and epochs to 0.9.")
        @OptionGroup var common: Common
        @Option(help: "Epochs per pair.")
        var epochs: Int = 2
        @Option(help: "Seeds per pair (pairs.md: mean ± 95 % t-interval; per-seed values in pairs.csv).")
        var seeds: Int = 1
        func run() throws {
            let request = try common.request(epochs: epochs, seeds: seeds, name: "pairs")
            let genres = GenreName.gtzan
            do {
                let runs = try Experiments.pairs(request, genres: genres, events: ExperimentCommand.events(), training: !common.tablesOnly)
                let table = Experiments.pairsMarkdown(runs, genres: genres)
                print(table)
                try ExperimentCommand.write(table, request.out.appendingPathComponent("pairs.md"))
                try ExperimentCommand.write(Experiments.pairsCSV(runs, genres: genres), request.out.appendingPathComponent("pairs.csv"))
                try ExperimentCommand.write(Experiments.pairsHeatmap(runs, genres: genres, epochs: epochs),
                                            request.out.appendingPathComponent("pairs-heatmap.svg"))
            } catch { throw CLIFailure("\(error)") }
        }
    }
}
