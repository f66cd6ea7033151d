/// `gcnn check` cases of the data-augmentation ops and the soft-target loss.
public struct CropWindowsCase: BackendCheckCase {
    public let shape: String, op = "crop windows (top_db floor)", tolerance = CheckTolerance.exact
    let tracks: Int, trackFrames: Int, rows: Int, mels: Int, frames: Int, topDB: Float, indexOffset: Int, seed: UInt64
    public init(tracks: Int, trackFrames: Int, rows: Int, mels: Int, frames: Int, topDB: Float, indexOffset: Int, seed: UInt64) {
        self.tracks = tracks; self.trackFrames = trackFrames; self.rows = rows; self.mels = mels; self.frames = frames
        self.topDB = topDB; self.indexOffset = indexOffset; self.seed = seed
        shape = "\(rows)×\(mels)×\(frames) from \(tracks)×\(mels)×\(trackFrames), top_db \(topDB)"
    }
    public var flop: Double { 0 }
    public var bytes: Double { floatBytes(2 * rows * mels * frames) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (tracks, trackFrames, rows, mels, frames, topDB, indexOffset) =
            (self.tracks, self.trackFrames, self.rows, self.mels, self.frames, self.topDB, self.indexOffset)
        // dB-like values over more than top_db, so the floor clamps part of each window.
        let src = try be.makeBuffer(d.uniform(tracks * mels * trackFrames, -110, 10), label: "whole tracks")
        let slots = 2 * rows
        let starts = (0..<slots).map { _ in
            Int32(d.rng.next(below: tracks) * mels * trackFrames + d.rng.next(below: trackFrames - frames + 1))
        }
        let startBuffer = try be.makeIndexBuffer(starts, label: "window starts")
        let idx = try be.makeIndexBuffer((0..<(indexOffset + rows)).map { _ in Int32(d.rng.next(below: slots)) }, label: "order")
        let dst = try be.makeBuffer(count: rows * mels * frames, label: "batch")
        return PreparedCheckCase(for: self, enqueue: {
            try be.cropWindows(source: src, rowStride: trackFrames, starts: startBuffer, indices: idx, indexOffset: indexOffset,
                               rows: rows, mels: mels, frames: frames, topDB: topDB, into: dst)
        }, outputs: reader(be, [(dst, rows * mels * frames)]))
    }
}

public struct MaskSpectrogramsCase: BackendCheckCase {
    public let shape: String, op = "SpecAugment masks (row mean)", tolerance = CheckTolerance.sum
    let rows: Int, mels: Int, frames: Int, frequencyMasks: Int, timeMasks: Int, seed: UInt64
    public init(rows: Int, mels: Int, frames: Int, frequencyMasks: Int, timeMasks: Int, seed: UInt64) {
        self.rows = rows; self.mels = mels; self.frames = frames; self.frequencyMasks = frequencyMasks
        self.timeMasks = timeMasks; self.seed = seed
        shape = "\(rows)×\(mels)×\(frames), \(frequencyMasks) band + \(timeMasks) time masks"
    }
    public var flop: Double { Double(rows * mels * frames) }
    public var bytes: Double { floatBytes(2 * rows * mels * frames) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (rows, mels, frames, fm, tm) = (self.rows, self.mels, self.frames, self.frequencyMasks, self.timeMasks)
        let data = try be.makeBuffer(d.uniform(rows * mels * frames, -80, 20), label: "batch")
        let slots = rows + 3
        var table: [Int32] = []
        for _ in 0..<slots {
            // Widths include 0 and masks reaching the last band or frame.
            for _ in 0..<fm { let w = d.rng.next(below: mels / 2 + 1); table += [Int32(d.rng.next(below: mels - w + 1)), Int32(w)] }
            for _ in 0..<tm { let w = d.rng.next(below: frames / 2 + 1); table += [Int32(d.rng.next(below: frames - w + 1)), Int32(w)] }
        }
        let masks = try be.makeIndexBuffer(table.isEmpty ? [0] : table, label: "masks")
        let idx = try be.makeIndexBuffer((0..<(rows + 1)).map { _ in Int32(d.rng.next(below: slots)) }, label: "order")
        let means = try be.makeBuffer(count: rows, label: "row means")
        return PreparedCheckCase(for: self, enqueue: {
            try be.maskSpectrograms(data, rows: rows, mels: mels, frames: frames, masks: masks, indices: idx, indexOffset: 1,
                                    frequencyMasks: fm, timeMasks: tm, rowMeans: means)
        }, outputs: reader(be, [(data, rows * mels * frames), (means, rows)]))
    }
}

public struct MixBatchCase: BackendCheckCase {
    public let shape: String, op: String, tolerance = CheckTolerance.elementwise
    let rows: Int, rowLength: Int, classes: Int, seed: UInt64
    public init(rows: Int, rowLength: Int, classes: Int, seed: UInt64) {
        self.rows = rows; self.rowLength = rowLength; self.classes = classes; self.seed = seed
        op = classes == 1 ? "mixup (sigmoid targets)" : "mixup (one-hot targets)"
        shape = "\(rows)×\(rowLength), \(classes) class(es)"
    }
    public var flop: Double { 3 * Double(rows * rowLength) }
    public var bytes: Double { floatBytes(3 * rows * rowLength) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (rows, rowLength, classes) = (self.rows, self.rowLength, self.classes)
        let x = try be.makeBuffer(d.uniform(rows * rowLength, -80, 20), label: "batch")
        let y = try be.makeBuffer((0..<rows).map { _ in Float(d.rng.next(below: max(classes, 2))) }, label: "labels")
        var partners = (0..<Int32(rows)).map { $0 }
        d.rng.shuffle(&partners)
        let p = try be.makeIndexBuffer([7, 7] + partners, label: "partners")
        let lambdas = try be.makeBuffer([0.5, d.rng.uniform(0, 1), 1], label: "lambdas")
        let out = try be.makeBuffer(count: rows * rowLength, label: "mixed batch")
        let targets = try be.makeBuffer(count: rows * classes, label: "targets")
        return PreparedCheckCase(for: self, enqueue: {
            try be.mixBatch(input: x, labels: y, rows: rows, rowLength: rowLength, classes: classes, partners: p,
                            partnerOffset: 2, lambdas: lambdas, lambdaIndex: 1, output: out, targets: targets)
        }, outputs: reader(be, [(out, rows * rowLength), (targets, rows * classes)]))
    }
}

public struct SoftTargetLossCase: BackendCheckCase {
    public let shape: String, op = "softmax + CE (soft targets)", tolerance = CheckTolerance.elementwise
    let batch: Int, classes: Int, resultOffset: Int, seed: UInt64
    public init(batch: Int, classes: Int, resultOffset: Int, seed: UInt64) {
        self.batch = batch; self.classes = classes; self.resultOffset = resultOffset; self.seed = seed
        shape = "\(batch)×\(classes) (results at +\(resultOffset))"
    }
    public var flop: Double { 0 }
    public var bytes: Double { floatBytes((4 * classes + 1) * batch) }
    public func prepare<B: Backend>(on be: B) throws -> PreparedCheckCase {
        var d = CheckData(seed: seed)
        let (batch, classes, resultOffset) = (self.batch, self.classes, self.resultOffset)
        let logits = d.uniform(batch * classes, -8, 8).enumerated().map { $0.offset % 7 == 3 ? $0.element * 20 : $0.element }
        var targets: [Float] = []
        for _ in 0..<batch {
            // Two classes mixed as mixup mixes them (sometimes the same class).
            let lambda = d.rng.uniform(0, 1), a = d.rng.next(below: classes), b = d.rng.next(below: classes)
            targets += (0..<classes).map { c in (c == a ? lambda : 0) + (c == b ? 1 - lambda : 0) }
        }
        let z = try be.makeBuffer(logits, label: "logits"), t = try be.makeBuffer(targets, label: "targets")
        let g = try be.makeBuffer(count: batch * classes, label: "gradLogits")
        let rows = resultOffset + batch + 2
        let losses = try be.makeBuffer([Float](repeating: -7, count: rows), label: "losses")
        let probabilities = try be.makeBuffer([Float](repeating: -7, count: rows * classes), label: "probabilities")
        return PreparedCheckCase(for: self, enqueue: {
            try be.softmaxCrossEntropySoft(logits: z, targets: t, batch: batch, classes: classes, gradLogits: g,
                                           losses: losses, probabilities: probabilities, resultOffset: resultOffset)
        }, outputs: reader(be, [(g, batch * classes), (losses, rows), (probabilities, rows * classes)]))
    }
}

extension BackendCheckCases {
    /// The augmentation ops at awkward shapes and at `architecture`'s input (batch `batch`, windows from
    /// 30-s tracks of the paper's hop: 2 584 frames), and the soft-target loss.
    public static func augmentation(architecture: ResolvedArchitecture, batch: Int) -> [any BackendCheckCase] {
        let (mels, frames) = (architecture.architecture.inputHeight, architecture.architecture.inputWidth)
        return [
            CropWindowsCase(tracks: 3, trackFrames: 29, rows: 5, mels: 7, frames: 13, topDB: 80, indexOffset: 2, seed: 160),
            CropWindowsCase(tracks: 2, trackFrames: 13, rows: 3, mels: 5, frames: 13, topDB: .infinity, indexOffset: 0, seed: 161),
            CropWindowsCase(tracks: 3, trackFrames: frames * 15, rows: batch, mels: mels, frames: frames, topDB: 80,
                            indexOffset: batch, seed: 162),
            MaskSpectrogramsCase(rows: 5, mels: 7, frames: 13, frequencyMasks: 2, timeMasks: 3, seed: 163),
            MaskSpectrogramsCase(rows: 3, mels: 5, frames: 9, frequencyMasks: 0, timeMasks: 0, seed: 164),
            MaskSpectrogramsCase(rows: batch, mels: mels, frames: frames, frequencyMasks: 2, timeMasks: 2, seed: 165),
            MixBatchCase(rows: 5, rowLength: 37, classes: 1, seed: 166),
            MixBatchCase(rows: 5, rowLength: 3, classes: 10, seed: 167),
            MixBatchCase(rows: batch, rowLength: mels * frames, classes: 1, seed: 168),
            SoftTargetLossCase(batch: 5, classes: 10, resultOffset: 2, seed: 169),
            SoftTargetLossCase(batch: batch, classes: 10, resultOffset: 0, seed: 170),
        ]
    }
}
