import Model

/// Produces augmented training batches on the device: the whole-track spectrograms (for crops) stay there for
/// the run, each epoch's tables (`AugmentationTables`) are uploaded once at the epoch's start, and every batch is
/// cropped (or gathered), masked and mixed by kernels, with no host round trip per batch.
public final class Augmenter<B: Backend> {
    public let config: AugmentationConfig
    private let backend: B
    private let seed: UInt64
    private let crops: CropSource?
    private let clips: Int, batchSize: Int, mels: Int, frames: Int, classes: Int
    private let whole: B.Buffer?
    private let starts: B.IndexBuffer?, masks: B.IndexBuffer?, partners: B.IndexBuffer?
    private let lambdas: B.Buffer?, rowMeans: B.Buffer?, mixedX: B.Buffer?, mixedY: B.Buffer?
    /// The tables of the epoch in progress.
    public private(set) var tables = AugmentationTables()

    /// `classes`: the network's outputs (1: sigmoid targets; more: mixed one-hot targets).
    public init(backend: B, config: AugmentationConfig, crops: CropSource?, seed: UInt64, clips: Int, batchSize: Int,
                mels: Int, frames: Int, classes: Int) throws {
        precondition(!config.randomCrop || crops != nil, "random crops need the whole-track spectrograms")
        self.backend = backend; self.config = config; self.crops = crops; self.seed = seed; self.clips = clips
        self.batchSize = batchSize; self.mels = mels; self.frames = frames; self.classes = classes
        if config.randomCrop, let crops {
            whole = try backend.makeBuffer(crops.values, label: "whole-track spectrograms (\(crops.trackFrames.count) tracks)")
            starts = try backend.makeIndexBuffer([Int32](repeating: 0, count: clips), label: "crop starts")
        } else {
            whole = nil; starts = nil
        }
        if let s = config.specAugment {
            masks = try backend.makeIndexBuffer([Int32](repeating: 0, count: max(1, clips * 2 * (s.frequencyMasks + s.timeMasks))),
                                                label: "SpecAugment masks")
            rowMeans = try backend.makeBuffer(count: batchSize, label: "SpecAugment row means")
        } else {
            masks = nil; rowMeans = nil
        }
        if config.mixupAlpha != nil {
            let batches = (clips + batchSize - 1) / batchSize
            partners = try backend.makeIndexBuffer([Int32](repeating: 0, count: batches * batchSize), label: "mixup partners")
            lambdas = try backend.makeBuffer(count: batches, label: "mixup lambdas")
            mixedX = try backend.makeBuffer(count: batchSize * mels * frames, label: "mixed batch clips")
            mixedY = try backend.makeBuffer(count: batchSize * classes, label: "mixed batch targets")
        } else {
            partners = nil; lambdas = nil; mixedX = nil; mixedY = nil
        }
    }

    /// Whether the network trains on soft targets (mixup with several classes).
    public var softTargets: Bool { config.mixupAlpha != nil && classes > 1 }

    /// Draws epoch `epoch`'s tables and uploads them.
    public func beginEpoch(_ epoch: Int) throws {
        tables = AugmentationTables.draw(config: config, crops: crops, seed: seed, epoch: epoch, clips: clips,
                                         batchSize: batchSize, mels: mels, frames: frames)
        if let starts { try backend.write(tables.cropStarts, to: starts, offset: 0) }
        if let masks, !tables.masks.isEmpty { try backend.write(tables.masks, to: masks, offset: 0) }
        if let partners, let lambdas {
            try backend.write(tables.partners, to: partners, offset: 0)
            try backend.write(tables.lambdas, to: lambdas, offset: 0)
        }
    }

    /// Batch `b` (rows `start ..< start + rows` of `order`): cropped from the whole tracks or gathered from
    /// `clipsX` into `batchX`, labels gathered into `batchY`, then masked in place and mixed. Returns the
    /// buffers the network trains on.
    public func batch(_ b: Int, start: Int, rows: Int, order: B.IndexBuffer, clipsX: B.Buffer, clipsY: B.Buffer,
                      batchX: B.Buffer, batchY: B.Buffer) throws -> (x: B.Buffer, y: B.Buffer) {
        let per = mels * frames
        if let whole, let starts, let crops {
            try backend.cropWindows(source: whole, rowStride: crops.trackStride, starts: starts, indices: order,
                                    indexOffset: start, rows: rows, mels: mels, frames: frames,
                                    topDB: crops.topDB ?? .infinity, into: batchX)
        } else {
            try backend.gatherRows(source: clipsX, rowLength: per, indices: order, indexOffset: start, rows: rows, into: batchX)
        }
        try backend.gatherRows(source: clipsY, rowLength: 1, indices: order, indexOffset: start, rows: rows, into: batchY)
        if let s = config.specAugment, let masks, let rowMeans {
            try backend.maskSpectrograms(batchX, rows: rows, mels: mels, frames: frames, masks: masks, indices: order,
                                         indexOffset: start, frequencyMasks: s.frequencyMasks, timeMasks: s.timeMasks,
                                         rowMeans: rowMeans)
        }
        if let partners, let lambdas, let mixedX, let mixedY {
            try backend.mixBatch(input: batchX, labels: batchY, rows: rows, rowLength: per, classes: classes,
                                 partners: partners, partnerOffset: b * batchSize, lambdas: lambdas, lambdaIndex: b,
                                 output: mixedX, targets: mixedY)
            return (mixedX, mixedY)
        }
        return (batchX, batchY)
    }
}
