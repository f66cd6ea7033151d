import Foundation
import Model
import Training
import XCTest

/// Replicas as threads of this process, for testing data-parallel training without MPI: each rank deposits
/// its values and every rank sums the deposits in rank order, as `MPIWorld`'s ordered MPI operation does.
final class ThreadReplicas: ReplicaGroup, @unchecked Sendable {
    final class Hub: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var deposits: [[Double]], snapshot: [[Double]] = []
        private var arrived = 0, generation = 0
        init(size: Int) { self.size = size; deposits = Array(repeating: [], count: size) }
        func exchange(rank: Int, _ values: [Double]) -> [[Double]] {
            condition.lock()
            defer { condition.unlock() }
            deposits[rank] = values
            arrived += 1
            let mine = generation
            if arrived == size {
                snapshot = deposits
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return snapshot
        }
    }
    let rank: Int, size: Int
    let hub: Hub
    init(rank: Int, hub: Hub) { self.rank = rank; self.size = hub.size; self.hub = hub }
    func sum(_ values: inout [Float]) throws {
        let all = hub.exchange(rank: rank, values.map(Double.init))
        for i in values.indices {
            var total = Float(all[0][i])
            for r in 1..<size { total = total + Float(all[r][i]) }
            values[i] = total
        }
    }
    func sum(_ values: inout [Double]) throws {
        let all = hub.exchange(rank: rank, values)
        for i in values.indices {
            var total = all[0][i]
            for r in 1..<size { total = total + all[r][i] }
            values[i] = total
        }
    }
    func broadcast(_ values: inout [Double], root: Int) throws { values = hub.exchange(rank: rank, values)[root] }
    func barrier() throws { _ = hub.exchange(rank: rank, []) }
}

/// Data-parallel training on the reference path: N replicas, each training its share of every global batch
/// with synchronised batch norm and summed gradients, end where one process ends with the same batches.
final class DataParallelTests: XCTestCase {
    func testSharesSplitTheBatchInRankOrder() {
        XCTAssertEqual((0..<2).map { ReplicaShare(rows: 32, rank: $0, size: 2).offset }, [0, 16])
        XCTAssertEqual((0..<2).map { ReplicaShare(rows: 32, rank: $0, size: 2).rows }, [16, 16])
        let shares = (0..<4).map { ReplicaShare(rows: 6, rank: $0, size: 4) }
        XCTAssertEqual(shares.map(\.offset), [0, 1, 3, 4])
        XCTAssertEqual(shares.map(\.rows), [1, 2, 1, 2])
        XCTAssertEqual((0..<4).map { ReplicaShare(rows: 3, rank: $0, size: 4).rows }, [0, 1, 1, 1], "a batch smaller than the ranks leaves one empty")
        XCTAssertEqual(ReplicaShare(rows: 32, rank: 0, size: 1).rows, 32)
    }

    private static let architecture = """
        {"name": "replicas", "input": [9, 11], "layers": [
          {"type": "conv2d", "filters": 4, "kernel": 3, "activation": "relu"}, {"type": "batchnorm", "momentum": 0.9},
          {"type": "maxpool", "size": 2},
          {"type": "conv2d", "filters": 5, "kernel": [2, 3], "padding": "same", "activation": "relu"}, {"type": "batchnorm"},
          {"type": "globalavgpool"}, {"type": "dense", "units": 6, "activation": "relu"}, {"type": "batchnorm"}, {"type": "dense"}]}
        """

    /// Trains `steps` global batches of `batch` clips on `size` thread replicas (or one process for size 1)
    /// and returns rank 0's parameters.
    private func train(size: Int, batch: Int, steps: Int, classes: Int, unbiased: Bool) throws -> ParameterSet {
        var config = NetworkConfig(architecture: try Architecture.parse(Self.architecture, source: "replicas"), classes: classes,
                                   maxBatch: batch, unbiasedRunningVariance: unbiased, seed: 5)
        config.adam.learningRate = 0.01
        var rng = RandomGenerator(seed: 11)
        let initial = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let per = config.inputCount
        var data = RandomGenerator(seed: 12)
        let batches = (0..<steps).map { _ in
            (x: (0..<(batch * per)).map { _ in Float(data.nextDouble() * 2 - 1) },
             y: (0..<batch).map { _ in Float(Int(data.nextDouble() * Double(max(2, classes))) % max(2, classes)) })
        }
        let hub = ThreadReplicas.Hub(size: size)
        var results = [ParameterSet?](repeating: nil, count: size)
        var failures: [String] = []
        let lock = NSLock()
        // One thread per rank (a thread pool may run fewer at once, and a rank waits for all in each reduction).
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            Thread.detachNewThread {
            defer { done.leave() }
            do {
                let backend = ReferenceBackend()
                let network = try Network(backend: backend, config: config, parameters: initial)
                let group: ReplicaGroup? = size > 1 ? ThreadReplicas(rank: rank, hub: hub) : nil
                let losses = try backend.makeBuffer(count: batch, label: "losses")
                let probabilities = try backend.makeBuffer(count: batch * classes, label: "probabilities")
                for (x, y) in batches {
                    let share = ReplicaShare(rows: batch, rank: rank, size: size)
                    guard let group else {
                        try network.trainStep(input: try backend.makeBuffer(x, label: "x"), labels: try backend.makeBuffer(y, label: "y"),
                                              batch: batch, losses: losses, probabilities: probabilities, resultOffset: 0)
                        continue
                    }
                    let step = ReplicaStep(group: group, localRows: share.rows, globalRows: batch)
                    if share.rows > 0 {
                        let rows = share.offset..<(share.offset + share.rows)
                        let xs = Array(x[(rows.lowerBound * per)..<(rows.upperBound * per)]), ys = Array(y[rows])
                        try network.computeGradients(input: try backend.makeBuffer(xs, label: "x"), labels: try backend.makeBuffer(ys, label: "y"),
                                                     batch: share.rows, losses: losses, probabilities: probabilities,
                                                     resultOffset: share.offset, replicas: step)
                    } else {
                        try network.participateWithoutExamples(step)
                    }
                    try network.synchronizeGradients(step)
                    try network.applyAdam()
                }
                let parameters = try network.parameters()
                lock.lock(); results[rank] = parameters; lock.unlock()
            } catch {
                lock.lock(); failures.append("rank \(rank): \(error)"); lock.unlock()
            }
            }
        }
        done.wait()
        XCTAssertEqual(failures, [])
        for rank in 1..<size {
            XCTAssertEqual(results[rank], results[0], "rank \(rank) ends with rank 0's parameters, bit for bit")
        }
        return try XCTUnwrap(results[0])
    }

    private func assertClose(_ a: ParameterSet, _ b: ParameterSet, tolerance: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.names, b.names, file: file, line: line)
        var worst: (Float, String) = (0, "")
        for (x, y) in zip(a.tensors, b.tensors) {
            for (p, q) in zip(x.values, y.values) where abs(p - q) > worst.0 { worst = (abs(p - q), x.name) }
        }
        XCTAssertLessThanOrEqual(worst.0, tolerance, "largest difference in \(worst.1)", file: file, line: line)
    }

    /// Two and three replicas (uneven shares), sigmoid and softmax heads, both running-variance rules:
    /// every parameter and running statistic within 2·10⁻⁵ of one process after 6 Adam steps at lr 0.01
    /// (batch statistics reduced in Double, gradients summed in rank order: float rounding only).
    func testReplicasTrainWhatOneProcessTrains() throws {
        for (size, batch, classes, unbiased) in [(2, 8, 1, false), (3, 7, 3, true), (4, 6, 1, true)] {
            let one = try train(size: 1, batch: batch, steps: 6, classes: classes, unbiased: unbiased)
            let many = try train(size: size, batch: batch, steps: 6, classes: classes, unbiased: unbiased)
            assertClose(many, one, tolerance: 2e-5)
        }
    }

    /// A global batch smaller than the replicas leaves a rank without clips; it still takes part in every
    /// reduction and ends with the same model.
    func testAnEmptyShareTakesPart() throws {
        let one = try train(size: 1, batch: 3, steps: 4, classes: 1, unbiased: false)
        let many = try train(size: 4, batch: 3, steps: 4, classes: 1, unbiased: false)
        assertClose(many, one, tolerance: 2e-5)
    }

    func testSweepPartsDealLongestFirstAndParse() throws {
        // Longest first, each to the least-loaded part: 1.2 → 0, 1.2 → 1, 1.2 → 0 (tie), 1 → 1, 1 → 1, 1 → 0.
        XCTAssertEqual(SweepPart.assign(costs: [1, 1.2, 1, 1.2, 1, 1.2], parts: 2), [1, 0, 1, 1, 0, 0])
        let request = ExperimentRequest(seeds: 2, out: URL(fileURLWithPath: "/tmp/x"))
        let runs = Experiments.paperRuns(request)
        XCTAssertEqual(runs.count, 16)
        let parts = try (1...3).map { try SweepPart(index: $0, count: 3).runs(of: runs, epochs: 2) }
        XCTAssertEqual(parts.map(\.count).reduce(0, +), runs.count)
        XCTAssertEqual(Set(parts.flatMap { $0.map { "\($0.split)/\($0.task)/\($0.seed)" } }).count, runs.count, "the parts are disjoint and cover the sweep")
        for part in parts { XCTAssertEqual(part.map { $0.cost(epochs: 2) }, part.map { $0.cost(epochs: 2) }.sorted(by: >), "longest first") }
        XCTAssertEqual(try SweepPart(parsing: "2/4"), try SweepPart(index: 2, count: 4))
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            XCTAssertThrowsError(try SweepPart(parsing: bad)) { XCTAssertTrue("\($0)".contains("--shard \(bad)"), "\($0)") }
        }
        XCTAssertEqual(try SweepPart.slurm(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
                       try SweepPart(index: 3, count: 4))
        XCTAssertEqual(try SweepPart.slurm(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"]), try SweepPart(index: 1, count: 4))
        XCTAssertNil(try SweepPart.slurm([:]))
    }
}
