import Audio
import Foundation
import Model

/// Options shared by `gcnn experiment paper` and `gcnn experiment pairs`.
public struct ExperimentRequest {
    public var data: URL?
    public var device: DeviceSelection
    /// The first seed; a sweep of `seeds` seeds uses `seed, seed + 1, …`.
    public var seed: UInt64
    /// Seeds per cell (every task × split is trained once per seed).
    public var seeds: Int
    public var epochs: Int
    public var out: URL
    public var syntheticTracksPerGenre: Int
    public var cacheDir: URL
    /// Overrides every batch-norm layer's running-statistics momentum (Keras' sense); nil keeps the spec's.
    public var batchNormMomentum: Float?
    /// Overrides the log-mel recipe of every cell; nil: each cell's training recipe's.
    public var melRecipe: MelRecipe?
    /// The network every run trains.
    public var architecture: Architecture
    public init(data: URL? = nil, device: DeviceSelection = .gpu, seed: UInt64 = 0, seeds: Int = 1, epochs: Int = 2, out: URL,
                syntheticTracksPerGenre: Int = 100, cacheDir: URL = GCNNPaths.cacheDirectory, batchNormMomentum: Float? = nil,
                architecture: Architecture = .paper) {
        self.data = data; self.device = device; self.seed = seed; self.seeds = seeds; self.epochs = epochs; self.out = out
        self.syntheticTracksPerGenre = syntheticTracksPerGenre; self.cacheDir = cacheDir
        self.batchNormMomentum = batchNormMomentum; self.architecture = architecture
    }

    /// The seeds of the sweep, in order.
    public var seedList: [UInt64] { (0..<UInt64(max(0, seeds))).map { seed &+ $0 } }
}

/// One task trained under one split with one seed: its per-epoch records.
public struct ExperimentRun: Equatable {
    public var task: String
    public var split: SplitProtocol
    public var seed: UInt64
    public var recipe: TrainingRecipe
    public var history: [EpochRecord]
    public init(task: String, split: SplitProtocol, seed: UInt64, recipe: TrainingRecipe, history: [EpochRecord]) {
        self.task = task; self.split = split; self.seed = seed; self.recipe = recipe; self.history = history
    }
}

/// The study's question under one split: per seed, the mean epoch-1 validation accuracy of the distinct
/// pairs minus that of the similar pairs; its mean with Student's t 95 % interval over the seeds, and the
/// exact one-sided sign-flip test of "distinct pairs reach a higher accuracy".
public struct PaperQuestion: Equatable {
    public var split: SplitProtocol
    public var seeds: [UInt64]
    public var difference: MeanInterval
    /// Nil without a complete seed.
    public var pValue: Double?
}

/// The seed's Table 2 and its proposed extension, each run as ordinary training runs (one run folder each).
public enum Experiments {
    /// The paper's distinct pairs (the rest of `GenreTask.paperTasks` are the similar ones).
    public static let distinctTasks = Array(GenreTask.paperTasks.prefix(2))

    /// The training recipe of a split's cells in `experiment paper`: the seed's for its own protocol
    /// (`keras-tail`), gcnn's defaults otherwise.
    public static func recipe(for split: SplitProtocol) -> TrainingRecipe { split == .kerasTail ? .seed : .default }

    /// The run folder of one cell: `out/<split>/<task>/seed-<seed>`.
    public static func folder(_ request: ExperimentRequest, task: String, split: SplitProtocol, seed: UInt64) -> URL {
        request.out.appendingPathComponent(split.rawValue).appendingPathComponent(task).appendingPathComponent("seed-\(seed)")
    }

    /// Trains one cell into its folder, resuming a run an earlier invocation left.
    public static func train(task: String, split: SplitProtocol, seed: UInt64, recipe: TrainingRecipe, _ request: ExperimentRequest,
                             events: TrainingEvents, gpuOrdinal: Int = 0) throws -> ExperimentRun {
        let out = folder(request, task: task, split: split, seed: seed)
        var r = TrainingRequest(task: task, device: request.device, data: request.data, epochs: request.epochs, seed: seed,
                                split: split.rawValue, out: out, resume: true, cacheDir: request.cacheDir,
                                syntheticTracksPerGenre: request.syntheticTracksPerGenre)
        r.recipe = recipe
        r.melRecipe = request.melRecipe
        r.batchNormMomentum = request.batchNormMomentum
        r.architecture = request.architecture
        r.resume = FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path)
        r.localRank = gpuOrdinal
        let outcome = try TrainingSession.run(r, events: events)
        return ExperimentRun(task: task, split: split, seed: seed, recipe: recipe, history: outcome.history)
    }

    /// The finished epochs a cell's folder holds (its `metrics.jsonl`), without training; nil when none.
    public static func finished(task: String, split: SplitProtocol, seed: UInt64, recipe: TrainingRecipe,
                                _ request: ExperimentRequest) -> ExperimentRun? {
        let url = folder(request, task: task, split: split, seed: seed).appendingPathComponent("metrics.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let history = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
        return history.isEmpty ? nil : ExperimentRun(task: task, split: split, seed: seed, recipe: recipe, history: history)
    }

    /// Table 2's runs: the four tasks under `keras-tail` (the seed's protocol and recipe) and `stratified`
    /// (gcnn's defaults), once per seed, seed by seed (an interrupted sweep has whole seeds to show).
    public static func paperRuns(_ request: ExperimentRequest) -> [SweepRun] {
        request.seedList.flatMap { seed in
            [SplitProtocol.kerasTail, .stratified].flatMap { split in
                GenreTask.paperTasks.map { SweepRun(task: $0, split: split, seed: seed, recipe: recipe(for: split)) }
            }
        }
    }

    /// Table 2 (`paperRuns`), trained into its folders unless `training` is false, as the folders hold it.
    public static func paper(_ request: ExperimentRequest, events: TrainingEvents, training: Bool = true) throws -> [ExperimentRun] {
        try sweep(paperRuns(request), request, events: events, training: training)
    }

    /// Trains `runs` unless `training` is false (`train(_:_:events:part:gpuOrdinal:)`), then returns what
    /// the folders hold for all of them (`finished(_:_:)`): tables are always made from the run folders, so a
    /// sweep split over ranks or shards gives the tables of one process.
    public static func sweep(_ runs: [SweepRun], _ request: ExperimentRequest, events: TrainingEvents, training: Bool = true,
                             part: SweepPart? = nil, gpuOrdinal: Int = 0) throws -> [ExperimentRun] {
        if training { try train(runs, request, events: events, part: part, gpuOrdinal: gpuOrdinal) }
        return finished(runs, request)
    }

    /// Trains `runs` (only `part`'s share, longest first, when given), each resuming what its folder holds.
    public static func train(_ runs: [SweepRun], _ request: ExperimentRequest, events: TrainingEvents, part: SweepPart? = nil,
                             gpuOrdinal: Int = 0) throws {
        for run in part.map({ $0.runs(of: runs, epochs: request.epochs) }) ?? runs {
            _ = try train(task: run.task, split: run.split, seed: run.seed, recipe: run.recipe, request, events: events,
                          gpuOrdinal: gpuOrdinal)
        }
    }

    /// The finished epochs the folders hold for `runs` (those with any), in `runs`' order.
    public static func finished(_ runs: [SweepRun], _ request: ExperimentRequest) -> [ExperimentRun] {
        runs.compactMap { finished(task: $0.task, split: $0.split, seed: $0.seed, recipe: $0.recipe, request) }
    }

    /// The runs of one cell, in seed order.
    static func cell(_ runs: [ExperimentRun], task: String, split: SplitProtocol) -> [ExperimentRun] {
        runs.filter { $0.task == task && $0.split == split }.sorted { $0.seed < $1.seed }
    }

    /// One metric of epoch `epoch` (1-based) over a cell's seeds, skipping seeds where it is missing.
    static func interval(_ runs: [ExperimentRun], epoch: Int, _ metric: (EpochRecord) -> Double?) -> MeanInterval {
        SampleStatistics.meanInterval(runs.compactMap { $0.history.count >= epoch ? metric($0.history[epoch - 1]) : nil }
            .filter(\.isFinite))
    }

    /// The study's question under `split` (see `PaperQuestion`), from the seeds with all four tasks.
    public static func question(_ runs: [ExperimentRun], split: SplitProtocol) -> PaperQuestion {
        var seeds: [UInt64] = [], differences: [Double] = []
        for seed in Set(runs.map(\.seed)).sorted() {
            func accuracy(_ task: String) -> Double? {
                runs.first { $0.seed == seed && $0.split == split && $0.task == task }?.history.first?.val_acc
            }
            let distinct = distinctTasks.compactMap(accuracy)
            let similar = GenreTask.paperTasks.dropFirst(2).compactMap(accuracy)
            guard distinct.count == 2, similar.count == 2 else { continue }
            seeds.append(seed)
            differences.append(distinct.reduce(0, +) / 2 - similar.reduce(0, +) / 2)
        }
        return PaperQuestion(split: split, seeds: seeds, difference: SampleStatistics.meanInterval(differences),
                             pValue: SampleStatistics.signFlipPValue(differences))
    }

    /// Table 2 over seeds: each cell's mean ± 95 % t-interval, then the study's question under each split.
    public static func paperMarkdown(_ runs: [ExperimentRun]) -> String {
        let seeds = Set(runs.map(\.seed)).count
        var out = "| split | task | kind | seeds | val acc epoch 1 | val acc epoch 2 | Δ | F1 epoch 1 | F1 epoch 2 | "
            + "ROC-AUC epoch 1 | ROC-AUC epoch 2 | PR-AUC epoch 2 | track acc epoch 2 | track ROC-AUC epoch 2 |\n"
            + "|---|---|---|---:|---|---|---|---|---|---|---|---|---|---|\n"
        for split in [SplitProtocol.kerasTail, .stratified] {
            for task in GenreTask.paperTasks {
                let cell = cell(runs, task: task, split: split)
                guard !cell.isEmpty else { continue }
                let kind = distinctTasks.contains(task) ? "distinct" : "similar"
                let columns: [MeanInterval] = [
                    interval(cell, epoch: 1) { $0.val_acc }, interval(cell, epoch: 2) { $0.val_acc },
                    SampleStatistics.meanInterval(cell.compactMap { $0.history.count >= 2 ? $0.history[1].val_acc - $0.history[0].val_acc : nil }),
                    interval(cell, epoch: 1) { $0.f1 }, interval(cell, epoch: 2) { $0.f1 },
                    interval(cell, epoch: 1) { $0.val_roc_auc }, interval(cell, epoch: 2) { $0.val_roc_auc },
                    interval(cell, epoch: 2) { $0.val_pr_auc }, interval(cell, epoch: 2) { $0.val_track_acc },
                    interval(cell, epoch: 2) { $0.val_track_roc_auc },
                ]
                out += "| \(split.rawValue) | \(task) | \(kind) | \(cell.count) | " + columns.map { $0.formatted() }.joined(separator: " | ") + " |\n"
            }
        }
        out += "\nMean ± half-width of the 95 % Student's t-interval over \(seeds) seed(s) (t₀.₉₇₅ with n − 1 degrees of freedom; "
            + "the mean alone for one seed; – where undefined: keras-tail validates on one class, which has no ROC-AUC). "
            + "keras-tail runs use `--recipe seed`, stratified ones gcnn's defaults.\n\n"
        out += "**Do distinct pairs reach a higher validation accuracy after epoch 1 than similar pairs?** Per seed: the mean of the two "
            + "distinct pairs minus the mean of the two similar pairs; its mean over seeds with the 95 % t-interval, and the exact "
            + "one-sided sign-flip (paired permutation) test over seeds (smallest possible p with n seeds: 2⁻ⁿ).\n\n"
            + "| split | seeds | difference (mean ± 95 % CI) | per seed | p (one-sided) | answer at α = 0.05 |\n|---|---:|---|---|---:|---|\n"
        for split in [SplitProtocol.kerasTail, .stratified] {
            let q = question(runs, split: split)
            guard !q.seeds.isEmpty else { continue }
            let perSeed = q.difference.values.map { String(format: "%+.3f", $0) }.joined(separator: ", ")
            let answer: String
            if let p = q.pValue, p <= 0.05 { answer = "yes" } else if q.seeds.count < 5 { answer = "undecided (fewer than 5 seeds cannot reach p ≤ 0.05)" } else { answer = "not shown" }
            out += "| \(split.rawValue) | \(q.seeds.count) | \(q.difference.formatted()) | \(perSeed) | \(q.pValue.map { String(format: "%.4f", $0) } ?? "–") | \(answer) |\n"
        }
        return out
    }

    static func csvNumber(_ x: Double?) -> String { x.map { $0.isFinite ? String($0) : "" } ?? "" }

    /// Every epoch of every run, one row each (per-seed values).
    public static func paperCSV(_ runs: [ExperimentRun]) -> String {
        var out = "split,recipe,task,seed,epoch,train_loss,train_acc,val_loss,val_acc,precision,recall,f1,val_roc_auc,val_pr_auc,"
            + "val_track_acc,val_track_f1,val_track_roc_auc,val_track_pr_auc,seconds\n"
        for r in runs {
            for e in r.history {
                let values: [Double?] = [e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.precision, e.recall, e.f1, e.val_roc_auc,
                                         e.val_pr_auc, e.val_track_acc, e.val_track_f1, e.val_track_roc_auc, e.val_track_pr_auc, e.seconds]
                out += "\(r.split.rawValue),\(r.recipe.rawValue),\(r.task),\(r.seed),\(e.epoch)," + values.map(csvNumber).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// The pairs sweep's runs: every pair of `genres` (45 for GTZAN's ten) under `stratified` with gcnn's
    /// defaults, once per seed, seed by seed.
    public static func pairRuns(_ request: ExperimentRequest, genres: [String]) -> [SweepRun] {
        request.seedList.flatMap { seed in
            genres.indices.flatMap { i in
                genres.indices.filter { $0 > i }.map {
                    SweepRun(task: "\(genres[i])-\(genres[$0])", split: .stratified, seed: seed, recipe: .default)
                }
            }
        }
    }

    /// The pairs sweep (`pairRuns`), trained into its folders unless `training` is false, as the folders hold it.
    public static func pairs(_ request: ExperimentRequest, genres: [String], events: TrainingEvents,
                             training: Bool = true) throws -> [ExperimentRun] {
        try sweep(pairRuns(request, genres: genres), request, events: events, training: training)
    }

    /// The runs of each pair `(i, j)`, `i < j`, in `genres`' order.
    static func pairCells(_ runs: [ExperimentRun], genres: [String]) -> [(i: Int, j: Int, runs: [ExperimentRun])] {
        var cells: [(i: Int, j: Int, runs: [ExperimentRun])] = []
        for i in genres.indices { for j in genres.indices where j > i {
            let mine = runs.filter { $0.task == "\(genres[i])-\(genres[j])" }.sorted { $0.seed < $1.seed }
            if !mine.isEmpty { cells.append((i, j, mine)) }
        } }
        return cells
    }

    /// The first epoch whose validation accuracy, averaged over the seeds, reaches 0.9.
    static func epochsTo90(_ runs: [ExperimentRun]) -> Int? {
        let epochs = runs.map(\.history.count).min() ?? 0
        return (0..<epochs).first { e in runs.map { $0.history[e].val_acc }.reduce(0, +) / Double(runs.count) >= 0.9 }.map { $0 + 1 }
    }

    /// `(accuracy, epochsTo0.9)` matrices indexed like `genres` (symmetric; diagonal nil): the mean over
    /// seeds of the last epoch's validation accuracy, and the first epoch of the seeds' mean curve ≥ 0.9.
    public static func pairMatrices(_ runs: [ExperimentRun], genres: [String]) -> (accuracy: [[Double?]], epochs: [[Int?]]) {
        var acc = Array(repeating: Array(repeating: Double?.none, count: genres.count), count: genres.count)
        var ep = Array(repeating: Array(repeating: Int?.none, count: genres.count), count: genres.count)
        for (i, j, cell) in pairCells(runs, genres: genres) {
            let last = cell.compactMap { $0.history.last?.val_acc }
            acc[i][j] = last.isEmpty ? nil : last.reduce(0, +) / Double(last.count); acc[j][i] = acc[i][j]
            ep[i][j] = epochsTo90(cell); ep[j][i] = ep[i][j]
        }
        return (acc, ep)
    }

    /// One row per pair and seed: the last epoch's metrics and the seed's first epoch reaching 0.9.
    public static func pairsCSV(_ runs: [ExperimentRun], genres: [String]) -> String {
        var out = "genre_a,genre_b,seed,val_acc,epochs_to_0.9,val_roc_auc,val_pr_auc,val_track_acc,val_track_roc_auc\n"
        for (i, j, cell) in pairCells(runs, genres: genres) {
            for r in cell {
                let e = r.history.last
                let to90 = r.history.first { $0.val_acc >= 0.9 }?.epoch
                out += "\(genres[i]),\(genres[j]),\(r.seed),\(csvNumber(e?.val_acc)),\(to90.map(String.init) ?? ""),"
                    + [e?.val_roc_auc, e?.val_pr_auc, e?.val_track_acc, e?.val_track_roc_auc].map { csvNumber($0 ?? nil) }.joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// One row per pair: the last epoch's metrics as mean ± 95 % t-interval over the seeds.
    public static func pairsMarkdown(_ runs: [ExperimentRun], genres: [String]) -> String {
        let seeds = Set(runs.map(\.seed)).count
        var out = "| pair | seeds | val acc | ROC-AUC | PR-AUC | track acc | track ROC-AUC | first epoch ≥ 0.9 (mean curve) |\n"
            + "|---|---:|---|---|---|---|---|---:|\n"
        for (i, j, cell) in pairCells(runs, genres: genres) {
            func last(_ metric: (EpochRecord) -> Double?) -> String {
                SampleStatistics.meanInterval(cell.compactMap { $0.history.last.flatMap(metric) }.filter(\.isFinite)).formatted()
            }
            out += "| \(genres[i])–\(genres[j]) | \(cell.count) | \(last { $0.val_acc }) | \(last { $0.val_roc_auc }) | \(last { $0.val_pr_auc }) | "
                + "\(last { $0.val_track_acc }) | \(last { $0.val_track_roc_auc }) | \(epochsTo90(cell).map(String.init) ?? "–") |\n"
        }
        out += "\nMean ± half-width of the 95 % Student's t-interval over \(seeds) seed(s) (the mean alone for one seed), after the last epoch.\n"
        return out
    }

    public static func pairsHeatmap(_ runs: [ExperimentRun], genres: [String], epochs: Int) -> String {
        let (acc, ep) = pairMatrices(runs, genres: genres)
        let seeds = Set(runs.map(\.seed)).count
        let cell = 52.0, left = 90.0, top = 70.0
        var svg = SVGDocument(width: left + cell * Double(genres.count) + 120, height: top + cell * Double(genres.count) + 40)
        svg.text("Validation accuracy after \(epochs) epoch(s), every genre pair, mean of \(seeds) seed(s) (number: first epoch ≥ 0.9)",
                 x: svg.width / 2, y: 24, size: 13, anchor: .middle, bold: true)
        for (i, g) in genres.enumerated() {
            svg.text(g, x: left - 6, y: top + cell * (Double(i) + 0.5) + 4, size: 11, anchor: .end)
            svg.text(g, x: left + cell * (Double(i) + 0.5), y: top - 8, size: 11, anchor: .middle)
            for j in genres.indices {
                let x = left + cell * Double(j), y = top + cell * Double(i)
                guard let a = acc[i][j] else { svg.rect(x: x, y: y, width: cell, height: cell, fill: "#f0f0f0", stroke: "white"); continue }
                let t = (a - 0.5) / 0.5
                svg.rect(x: x, y: y, width: cell, height: cell, fill: SVGDocument.ramp(t), stroke: "white")
                svg.text(String(format: "%.2f", a), x: x + cell / 2, y: y + cell / 2, size: 10, anchor: .middle, fill: t > 0.6 ? "#222" : "white")
                svg.text(ep[i][j].map { "e\($0)" } ?? "–", x: x + cell / 2, y: y + cell / 2 + 13, size: 9, anchor: .middle, fill: t > 0.6 ? "#222" : "white")
            }
        }
        let lx = left + cell * Double(genres.count) + 20
        for k in 0...10 {
            let t = Double(k) / 10
            svg.rect(x: lx, y: top + cell * Double(genres.count) * (1 - t) - 8, width: 20, height: cell * Double(genres.count) / 10, fill: SVGDocument.ramp(t))
        }
        svg.text("1.0", x: lx + 26, y: top + 4, size: 10)
        svg.text("0.5", x: lx + 26, y: top + cell * Double(genres.count), size: 10)
        return svg.rendered
    }
}
