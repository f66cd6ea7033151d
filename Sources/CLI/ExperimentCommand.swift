import ArgumentParser
import Audio
import Foundation
import Model
import Training

/// `gcnn experiment paper|pairs`: the seed's Table 2 and its proposed all-pairs extension.
struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Run the paper's experiments.",
        discussion: """
        Under mpirun (`mpirun -np N gcnn experiment …`) the runs are dealt out over the ranks, longest first, each \
        run on one rank's device, and rank 0 writes the tables. Without MPI, --shard I/N runs part I of N (a Slurm \
        array task picks its part from SLURM_ARRAY_TASK_ID/COUNT), and `gcnn experiment merge` writes the tables of \
        the parts' folders.
        """,
        subcommands: [Paper.self, Pairs.self, Merge.self])

    struct Common: ParsableArguments {
        @Option(help: "A GTZAN-layout folder; default: the built-in synthetic corpus.")
        var data: String?
        @Option(help: "gpu, opencl[:N] or cpu.")
        var device: DeviceSelection = .gpu
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
        @Option(help: "Run only part I of N disjoint parts of the sweep (I/N, 1 ≤ I ≤ N; default: the whole sweep, or a Slurm array task's part); `gcnn experiment merge` writes the tables of the parts.")
        var shard: String?

        func request(epochs: Int, seeds: Int, name: String) throws -> ExperimentRequest {
            guard seeds >= 1 else { throw CLIFailure("--seeds must be at least 1") }
            var request = ExperimentRequest(data: data.map { URL(fileURLWithPath: $0) }, device: device, seed: seed, seeds: seeds, epochs: epochs,
                                     out: URL(fileURLWithPath: out ?? "runs/experiment-\(name)"), syntheticTracksPerGenre: syntheticTracks,
                                     batchNormMomentum: bnMomentum, architecture: try network.architecture)
            request.melRecipe = melRecipe
            return request
        }
    }

    /// Progress and per-epoch lines of every run (the reporter lives as long as its closures); ranks
    /// other than 0 print one line per notice and per epoch, prefixed with their rank.
    static func events(rank: Int = 0) -> TrainingEvents {
        guard rank != 0 else { return TrainingReporter(json: false).events }
        var events = TrainingEvents()
        events.notice = { printError("rank \(rank): \($0)") }
        events.epoch = { printError(String(format: "rank %d: epoch %d  val acc %.4f", rank, $0.epoch, $0.val_acc)) }
        return events
    }

    /// A sweep as `paper` and `pairs` run it: the process's part (an MPI rank's, `--shard`'s or a Slurm array
    /// task's), its runs trained, and — where this process holds the whole sweep — the tables written by `tables`.
    static func sweep(_ common: Common, request: ExperimentRequest, manifest: SweepManifest, runs: [SweepRun],
                      tables: ([ExperimentRun]) throws -> Void) throws {
        let mpi = MPIRun.start()
        try mpi.run {
            var part: SweepPart? = nil
            if mpi.size > 1 {
                guard common.shard == nil else { throw CLIFailure("--shard splits a sweep without MPI; under mpirun the ranks share it out") }
                part = try SweepPart(index: mpi.rank + 1, count: mpi.size)
            } else if let shard = common.shard {
                part = try SweepPart(parsing: shard)
            } else if let slurm = try SweepPart.slurm() {
                printError("note: Slurm array task: running part \(slurm) of the sweep (--shard 1/1 runs all of it)")
                part = slurm
            }
            if part?.count == 1 { part = nil }
            var recorded = manifest
            recorded.part = mpi.size > 1 ? nil : part?.description
            if mpi.rank == 0 { try recorded.write(request.out) }
            if mpi.size > 1 { try mpi.world?.barrier() }
            let events = ExperimentCommand.events(rank: mpi.rank)
            if let part, !common.tablesOnly {
                let mine = part.runs(of: runs, epochs: request.epochs)
                if mpi.size > 1 { events.notice("\(mine.count) of the sweep's \(runs.count) runs on rank \(mpi.rank)") }
                else { printError("part \(part): \(mine.count) of the sweep's \(runs.count) runs") }
            }
            if !common.tablesOnly {
                try Experiments.train(runs, request, events: events, part: part, gpuOrdinal: mpi.world?.localRank ?? 0)
            }
            if mpi.size > 1 {
                try mpi.world?.barrier()
                guard mpi.rank == 0 else { return }
                return try tables(Experiments.finished(runs, request))
            }
            let finished = Experiments.finished(runs, request)
            if let part {
                printError("part \(part) done (\(finished.count) of \(runs.count) runs finished in \(request.out.path)); "
                           + "write the tables with: gcnn experiment merge <the parts' folders> --out DIR")
            } else {
                try tables(finished)
            }
        }
    }

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
            let manifest = SweepManifest(experiment: "paper", seeds: request.seedList, epochs: request.epochs, genres: nil,
                                         architecture: request.architecture.name, part: nil)
            do {
                try ExperimentCommand.sweep(common, request: request, manifest: manifest, runs: Experiments.paperRuns(request)) { runs in
                    try Paper.writeTables(runs, to: request.out)
                }
            } catch let error as CLIFailure { throw error } catch { throw CLIFailure("\(error)") }
        }

        static func writeTables(_ runs: [ExperimentRun], to out: URL) throws {
            let table = Experiments.paperMarkdown(runs)
            print(table)
            try ExperimentCommand.write(table, out.appendingPathComponent("table2.md"))
            try ExperimentCommand.write(Experiments.paperCSV(runs), out.appendingPathComponent("table2.csv"))
        }
    }

    struct Pairs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "All 45 genre pairs (stratified): accuracy and epochs to 0.9.")
        @OptionGroup var common: Common
        @Option(help: "Epochs per pair.")
        var epochs: Int = 2
        @Option(help: "Seeds per pair (pairs.md: mean ± 95 % t-interval; per-seed values in pairs.csv).")
        var seeds: Int = 1
        @Option(help: "The genres whose pairs to train, comma-separated (default: GTZAN's ten, 45 pairs).")
        var genres: String?
        func run() throws {
            let request = try common.request(epochs: epochs, seeds: seeds, name: "pairs")
            let genres = try Pairs.genreList(self.genres)
            let manifest = SweepManifest(experiment: "pairs", seeds: request.seedList, epochs: request.epochs, genres: genres,
                                         architecture: request.architecture.name, part: nil)
            do {
                try ExperimentCommand.sweep(common, request: request, manifest: manifest,
                                            runs: Experiments.pairRuns(request, genres: genres)) { runs in
                    try Pairs.writeTables(runs, genres: genres, epochs: request.epochs, to: request.out)
                }
            } catch let error as CLIFailure { throw error } catch { throw CLIFailure("\(error)") }
        }

        static func genreList(_ text: String?) throws -> [String] {
            guard let text else { return GenreName.gtzan }
            var genres: [String] = []
            for word in text.split(separator: ",") {
                let genre = GenreName.normalize(String(word))
                guard GenreName.gtzan.contains(genre) else {
                    throw CLIFailure("--genres: '\(word)' is not one of GTZAN's genres (\(GenreName.gtzan.joined(separator: ", ")))")
                }
                if !genres.contains(genre) { genres.append(genre) }
            }
            guard genres.count >= 2 else { throw CLIFailure("--genres needs at least two genres, comma-separated") }
            return GenreName.gtzan.filter(genres.contains)
        }

        static func writeTables(_ runs: [ExperimentRun], genres: [String], epochs: Int, to out: URL) throws {
            let table = Experiments.pairsMarkdown(runs, genres: genres)
            print(table)
            try ExperimentCommand.write(table, out.appendingPathComponent("pairs.md"))
            try ExperimentCommand.write(Experiments.pairsCSV(runs, genres: genres), out.appendingPathComponent("pairs.csv"))
            try ExperimentCommand.write(Experiments.pairsHeatmap(runs, genres: genres, epochs: epochs),
                                        out.appendingPathComponent("pairs-heatmap.svg"))
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the tables of a sweep run in parts (--shard I/N, Slurm array tasks) from the parts' folders.")
        @Argument(help: "The parts' --out folders (each holds sweep.json and its runs).")
        var folders: [String]
        @Option(help: "Where to write the tables (default: the first folder).")
        var out: String?
        func run() throws {
            do {
                let urls = folders.map { URL(fileURLWithPath: $0) }
                let manifests = try urls.map(SweepManifest.read)
                for (url, manifest) in zip(urls, manifests).dropFirst() where !manifest.sameSweep(as: manifests[0]) {
                    throw SweepError.mismatchedParts(urls[0].path, url.path)
                }
                let manifest = manifests[0]
                let first = manifest.seeds.first ?? 0
                func request(_ url: URL) -> ExperimentRequest {
                    ExperimentRequest(seed: first, seeds: manifest.seeds.count, epochs: manifest.epochs, out: url)
                }
                let runs: [SweepRun]
                switch manifest.experiment {
                case "paper": runs = Experiments.paperRuns(request(urls[0]))
                case "pairs": runs = Experiments.pairRuns(request(urls[0]), genres: manifest.genres ?? GenreName.gtzan)
                default: throw CLIFailure("\(urls[0].path)/\(SweepManifest.fileName): unknown experiment '\(manifest.experiment)'")
                }
                // Each run from the first folder that holds it finished (most epochs where several hold it).
                var merged: [ExperimentRun] = []
                for run in runs {
                    let found = urls.compactMap {
                        Experiments.finished(task: run.task, split: run.split, seed: run.seed, recipe: run.recipe, request($0))
                    }
                    if let best = found.max(by: { $0.history.count < $1.history.count }) { merged.append(best) }
                }
                let parts = Set(manifests.compactMap(\.part))
                printError("merged \(merged.count) of the sweep's \(runs.count) runs from \(urls.count) folder(s)"
                           + (parts.isEmpty ? "" : " (parts \(parts.sorted().joined(separator: ", ")))"))
                let target = out.map { URL(fileURLWithPath: $0) } ?? urls[0]
                if manifest.experiment == "paper" {
                    try Paper.writeTables(merged, to: target)
                } else {
                    try Pairs.writeTables(merged, genres: manifest.genres ?? GenreName.gtzan, epochs: manifest.epochs, to: target)
                }
            } catch let error as CLIFailure { throw error } catch { throw CLIFailure("\(error)") }
        }
    }
}
