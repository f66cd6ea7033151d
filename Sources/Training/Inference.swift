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
        let network = try PaperCNN(backend: backend, config: config, parameters: checkpoint.parameters)
        let per = config.inputCount
        precondition(clips.count == count * per, "clips must hold count × \(per) values")
        guard count > 0 else { return [] }
        let x = try backend.makeBuffer(clips, label: "clips to classify (\(count))")
        let labels = try backend.makeBuffer(Array(repeating: 0, count: count), label: "placeholder labels")
        let order = try backend.makeIndexBuffer((0..<Int32(count)).map { $0 }, label: "clip order")
        let batchX = try backend.makeBuffer(count: config.maxBatch * per, label: "batch clips")
        let batchY = try backend.makeBuffer(count: config.maxBatch, label: "batch labels")
        let losses = try backend.makeBuffer(count: count, label: "per-clip losses")
        let probabilities = try backend.makeBuffer(count: count * config.classes, label: "per-clip probabilities")
        var start = 0
        while start < count {
            let rows = min(config.maxBatch, count - start)
            try backend.gatherRows(source: x, rowLength: per, indices: order, indexOffset: start, rows: rows, into: batchX)
            try backend.gatherRows(source: labels, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
            try network.evaluate(input: batchX, labels: batchY, batch: rows, losses: losses, probabilities: probabilities, resultOffset: start)
            start += rows
        }
        return try backend.read(probabilities, offset: 0, count: count * config.classes)
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
