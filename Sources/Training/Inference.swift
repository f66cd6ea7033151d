import Foundation
import Model

/// Per-clip class probabilities of a trained network on any backend (BatchNorm on its running statistics).
public struct Inference: BackendConsumer {
    public let checkpoint: ModelCheckpoint.Loaded
    /// `count` clips of `inputHeight × inputWidth` values each.
    public let clips: [Float]
    public let count: Int
    public let batchSize: Int

    public init(checkpoint: ModelCheckpoint.Loaded, clips: [Float], count: Int, batchSize: Int = 32) {
        self.checkpoint = checkpoint; self.clips = clips; self.count = count; self.batchSize = batchSize
    }

    /// Probabilities, `classes` per clip (1 per clip for a binary network: P(label 1)).
    public func consume<B: Backend>(_ backend: B, device: DeviceSelection) throws -> [Float] {
        var config = checkpoint.config
        config.maxBatch = min(batchSize, max(count, 1))
        let network = try Network(backend: backend, config: config, parameters: checkpoint.parameters)
        let per = config.inputCount
        precondition(clips.count == count * per, "clips must hold count × \(per) values")
        guard count > 0 else { return [] }
        let x = try backend.makeBuffer(clips, label: "clips to classify (\(count))")
        let order = try backend.makeIndexBuffer((0..<Int32(count)).map { $0 }, label: "clip order")
        let batchX = try backend.makeBuffer(count: config.maxBatch * per, label: "batch clips")
        var probabilities: [Float] = []
        probabilities.reserveCapacity(count * config.classes)
        var start = 0
        while start < count {
            let rows = min(config.maxBatch, count - start)
            try backend.gatherRows(source: x, rowLength: per, indices: order, indexOffset: start, rows: rows, into: batchX)
            let logits = try backend.read(try network.predict(input: batchX, batch: rows), offset: 0, count: rows * config.classes)
            probabilities += Self.probabilities(logits: logits, classes: config.classes)
            start += rows
        }
        return probabilities
    }

    /// σ(z) per logit for one output, else a softmax per row of `classes` logits (computed in `Double`).
    static func probabilities(logits: [Float], classes: Int) -> [Float] {
        if classes == 1 { return logits.map { Float(1 / (1 + exp(-Double($0)))) } }
        return stride(from: 0, to: logits.count, by: classes).flatMap { start -> [Float] in
            let row = logits[start..<start + classes].map(Double.init)
            let top = row.max() ?? 0
            let e = row.map { exp($0 - top) }
            let sum = e.reduce(0, +)
            return e.map { Float($0 / sum) }
        }
    }
}

/// Clip- and track-level verdicts from per-clip probabilities.
public enum TrackVerdict {
    /// Class probabilities per clip as a `classes`-wide row (a binary network's P(1) becomes `[1−p, p]`).
    public static func rows(_ probabilities: [Float], count: Int) -> [[Double]] {
        guard count > 0 else { return [] }
        let width = probabilities.count / count
        return (0..<count).map { i in
            width == 1 ? [1 - Double(probabilities[i]), Double(probabilities[i])]
                       : (0..<width).map { Double(probabilities[i * width + $0]) }
        }
    }

    /// The mean of a track's clip rows (the track-level probability), and its argmax.
    public static func track(_ rows: [[Double]]) -> (mean: [Double], label: Int) {
        guard let first = rows.first else { return ([], 0) }
        var mean = Array(repeating: 0.0, count: first.count)
        for r in rows { for j in r.indices { mean[j] += r[j] / Double(rows.count) } }
        return (mean, mean.indices.max { mean[$0] < mean[$1] } ?? 0)
    }
}
