import Audio
import Foundation
import Model

/// Options shared by `gcnn experiment paper` and `gcnn experiment pairs`.
public struct ExperimentRequest {
    public var data: URL?
    public var device: String
    public var seed: UInt64
    public var epochs: Int
    public var out: URL
    public var syntheticTracksPerGenre: Int
    public var cacheDir: URL
    /// Overrides every batch-norm layer's running-statistics momentum (Keras' sense); nil keeps the spec's.
    public var batchNormMomentum: Float?
    /// The network every run trains.
    public var architecture: Architecture
    /// The log-mel recipe of every run's features.
    public var melRecipe: MelRecipe = .librosa
    public init(data: URL? = nil, device: String = "gpu", seed: UInt64 = 0, epochs: Int = 2, out: URL,
                syntheticTracksPerGenre: Int = 100, cacheDir: URL = GCNNPaths.cacheDirectory, batchNormMomentum: Float? = nil,
                architecture: Architecture = .paper) {
        self.data = data; self.device = device; self.seed = seed; self.epochs = epochs; self.out = out
        self.syntheticTracksPerGenre = syntheticTracksPerGenre; self.cacheDir = cacheDir
        self.batchNormMomentum = batchNormMomentum; self.architecture = architecture
    }
}

/// One task trained under one split: its per-epoch records.
public struct ExperimentRun {
    public var task: String
    public var split: SplitProtocol
    public var history: [EpochRecord]
}

/// The seed's Table 2 and its proposed extension, each run as ordinary training runs (one run folder each).
public enum Experiments {
    /// Trains one task under one split into `out/<split>/<task>`, resuming a run an earlier invocation left.
    public static func train(task: String, split: SplitProtocol, _ request: ExperimentRequest, events: TrainingEvents) throws -> ExperimentRun {
        var r = TrainingRequest(task: task, device: request.device, data: request.data, epochs: request.epochs, seed: request.seed,
                                split: split.rawValue, out: request.out.appendingPathComponent(split.rawValue).appendingPathComponent(task),
                                resume: true, cacheDir: request.cacheDir, syntheticTracksPerGenre: request.syntheticTracksPerGenre)
        r.batchNormMomentum = request.batchNormMomentum
        r.architecture = request.architecture
        r.melRecipe = request.melRecipe
        r.resume = FileManager.default.fileExists(atPath: r.out!.appendingPathComponent("config.json").path)
        let outcome = try TrainingSession.run(r, events: events)
        return ExperimentRun(task: task, split: split, history: outcome.history)
    }

    /// Table 2: the four tasks under `keras-tail` (the seed's protocol) and `stratified`, validation
    /// accuracy after epochs 1 and 2, their difference, and true F1.
    public static func paper(_ request: ExperimentRequest, events: TrainingEvents) throws -> [ExperimentRun] {
        var runs: [ExperimentRun] = []
        for split in [SplitProtocol.kerasTail, .stratified] {
            for task in GenreTask.paperTasks { runs.append(try train(task: task, split: split, request, events: events)) }
        }
        return runs
    }

    public static func paperMarkdown(_ runs: [ExperimentRun]) -> String {
        var out = "| split | task | kind | val acc epoch 1 | val acc epoch 2 | Δ | F1 epoch 1 | F1 epoch 2 |\n|---|---|---|---|---|---|---|---|\n"
        for r in runs {
            let kind = GenreTask.paperTasks.prefix(2).contains(r.task) ? "distinct" : "similar"
            let e1 = r.history.first, e2 = r.history.count > 1 ? r.history[1] : nil
            func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
            let delta = (e1?.val_acc).flatMap { a in (e2?.val_acc).map { $0 - a } }
            out += "| \(r.split.rawValue) | \(r.task) | \(kind) | \(f(e1?.val_acc)) | \(f(e2?.val_acc)) | \(f(delta)) | \(f(e1?.f1)) | \(f(e2?.f1)) |\n"
        }
        return out
    }

    public static func paperCSV(_ runs: [ExperimentRun]) -> String {
        var out = "split,task,epoch,train_loss,train_acc,val_loss,val_acc,precision,recall,f1,seconds\n"
        for r in runs {
            for e in r.history {
                out += "\(r.split.rawValue),\(r.task),\(e.epoch),\(e.train_loss),\(e.train_acc),\(e.val_loss),\(e.val_acc),\(e.precision),\(e.recall),\(e.f1),\(e.seconds)\n"
            }
        }
        return out
    }

    /// All 45 genre pairs under `stratified`: the 10×10 matrices of final validation accuracy and of the
    /// first epoch reaching 0.9 (nil: never within the epochs).
    public static func pairs(_ request: ExperimentRequest, genres: [String], events: TrainingEvents) throws -> [ExperimentRun] {
        var runs: [ExperimentRun] = []
        for i in genres.indices { for j in genres.indices where j > i {
            runs.append(try train(task: "\(genres[i])-\(genres[j])", split: .stratified, request, events: events))
        } }
        return runs
    }

    /// `(accuracy, epochsTo0.9)` matrices indexed like `genres` (symmetric; diagonal nil).
    public static func pairMatrices(_ runs: [ExperimentRun], genres: [String]) -> (accuracy: [[Double?]], epochs: [[Int?]]) {
        var acc = Array(repeating: Array(repeating: Double?.none, count: genres.count), count: genres.count)
        var ep = Array(repeating: Array(repeating: Int?.none, count: genres.count), count: genres.count)
        for r in runs {
            let pair = r.task.split(separator: "-").map(String.init)
            guard pair.count == 2, let i = genres.firstIndex(of: pair[0]), let j = genres.firstIndex(of: pair[1]) else { continue }
            acc[i][j] = r.history.last?.val_acc; acc[j][i] = acc[i][j]
            ep[i][j] = r.history.first { $0.val_acc >= 0.9 }?.epoch; ep[j][i] = ep[i][j]
        }
        return (acc, ep)
    }

    public static func pairsCSV(_ runs: [ExperimentRun], genres: [String]) -> String {
        let (acc, ep) = pairMatrices(runs, genres: genres)
        var out = "genre_a,genre_b,val_acc,epochs_to_0.9\n"
        for i in genres.indices { for j in genres.indices where j > i {
            out += "\(genres[i]),\(genres[j]),\(acc[i][j].map { String($0) } ?? ""),\(ep[i][j].map(String.init) ?? "")\n"
        } }
        return out
    }

    public static func pairsHeatmap(_ runs: [ExperimentRun], genres: [String], epochs: Int) -> String {
        let (acc, ep) = pairMatrices(runs, genres: genres)
        let cell = 52.0, left = 90.0, top = 70.0
        var svg = SVGDocument(width: left + cell * Double(genres.count) + 120, height: top + cell * Double(genres.count) + 40)
        svg.text("Validation accuracy after \(epochs) epoch(s), every genre pair (number: first epoch ≥ 0.9)",
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
