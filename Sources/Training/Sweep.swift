import Foundation
import Model

/// One run of an experiment sweep: a task trained under a split with a seed, with its recipe.
public struct SweepRun: Equatable, Sendable {
    public var task: String
    public var split: SplitProtocol
    public var seed: UInt64
    public var recipe: TrainingRecipe
    public init(task: String, split: SplitProtocol, seed: UInt64, recipe: TrainingRecipe) {
        self.task = task; self.split = split; self.seed = seed; self.recipe = recipe
    }

    /// The run's expected time relative to others of the sweep, for dealing runs out longest first: its
    /// epochs, each with the extra forward pass over the training set of precise batch-norm statistics
    /// (≈ 20 % of an epoch; `bn_statistics_seconds`).
    public func cost(epochs: Int) -> Double {
        Double(epochs) * (recipe.batchNormStatistics == .precise ? 1.2 : 1.0)
    }
}

/// Which part of a sweep a process runs: part `index` (1-based) of `count` disjoint parts, from
/// `--shard I/N`, a Slurm array task, or an MPI rank.
public struct SweepPart: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw SweepError.badShard("\(index)/\(count)")
        }
        self.index = index; self.count = count
    }

    /// `I/N` with 1 ≤ I ≤ N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { throw SweepError.badShard(text) }
        try self.init(index: i, count: n)
    }

    /// The part a Slurm job array task runs (`SLURM_ARRAY_TASK_ID` from `SLURM_ARRAY_TASK_MIN`, of
    /// `SLURM_ARRAY_TASK_COUNT`); nil outside an array of more than one task.
    public static func slurm(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SweepPart? {
        guard let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init), count > 1,
              let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) else { return nil }
        let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
        return try SweepPart(index: id - first + 1, count: count)
    }

    public var description: String { "\(index)/\(count)" }

    /// The part (0-based) each of `costs` goes to: longest first (stable among equal costs), each to the
    /// least-loaded part so far (the lowest on a tie), so parts finish close together.
    public static func assign(costs: [Double], parts: Int) -> [Int] {
        var load = [Double](repeating: 0, count: parts)
        var assignment = [Int](repeating: 0, count: costs.count)
        for i in costs.indices.sorted(by: { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }) {
            let part = load.indices.min { load[$0] < load[$1] || (load[$0] == load[$1] && $0 < $1) }!
            assignment[i] = part
            load[part] += costs[i]
        }
        return assignment
    }

    /// This part's runs of `runs`, longest first.
    public func runs(of runs: [SweepRun], epochs: Int) -> [SweepRun] {
        let costs = runs.map { $0.cost(epochs: epochs) }
        let assignment = Self.assign(costs: costs, parts: count)
        return runs.indices.filter { assignment[$0] == index - 1 }
            .sorted { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
            .map { runs[$0] }
    }
}

/// What a sweep folder records about its sweep (`sweep.json`), so that `experiment merge` can check that
/// parts belong together and knows every run they should hold.
public struct SweepManifest: Codable, Equatable, Sendable {
    /// `paper` or `pairs`.
    public var experiment: String
    public var seeds: [UInt64]
    public var epochs: Int
    /// The genres of a pairs sweep (nil for `paper`).
    public var genres: [String]?
    public var architecture: String
    /// The part this folder holds (`I/N`), nil for a whole sweep.
    public var part: String?

    public init(experiment: String, seeds: [UInt64], epochs: Int, genres: [String]?, architecture: String, part: String?) {
        self.experiment = experiment; self.seeds = seeds; self.epochs = epochs; self.genres = genres
        self.architecture = architecture; self.part = part
    }

    public static let fileName = "sweep.json"

    /// Reads `folder/sweep.json`.
    public static func read(_ folder: URL) throws -> SweepManifest {
        let url = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else { throw SweepError.noManifest(folder.path) }
        do { return try JSONDecoder().decode(SweepManifest.self, from: data) } catch {
            throw SweepError.badManifest(url.path, "\(error)")
        }
    }

    /// Writes `folder/sweep.json` atomically; a folder with another sweep's manifest is refused.
    public func write(_ folder: URL) throws {
        if let old = try? Self.read(folder), old.sameSweep(as: self) == false {
            throw SweepError.otherSweep(folder.path)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: folder.appendingPathComponent(Self.fileName))
    }

    /// Whether two manifests describe the same sweep (any parts of it).
    public func sameSweep(as other: SweepManifest) -> Bool {
        experiment == other.experiment && seeds == other.seeds && epochs == other.epochs && genres == other.genres
            && architecture == other.architecture
    }
}

/// A sweep cannot be split or merged as asked.
public enum SweepError: Error, Equatable, CustomStringConvertible {
    case badShard(String)
    case noManifest(String)
    case badManifest(String, String)
    case otherSweep(String)
    case mismatchedParts(String, String)
    public var description: String {
        switch self {
        case let .badShard(text): return "--shard \(text): give I/N with 1 ≤ I ≤ N (part I of N), e.g. --shard 2/4"
        case let .noManifest(path): return "\(path) holds no \(SweepManifest.fileName): pass the --out folders of `gcnn experiment paper|pairs` runs"
        case let .badManifest(path, why): return "\(path): cannot read: \(why)"
        case let .otherSweep(path): return "\(path) holds another sweep (its \(SweepManifest.fileName) differs: seeds, epochs, genres or architecture); choose another --out"
        case let .mismatchedParts(a, b): return "\(a) and \(b) hold different sweeps (their \(SweepManifest.fileName) differ); merge parts of one sweep"
        }
    }
}
