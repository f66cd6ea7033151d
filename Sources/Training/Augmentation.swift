import Audio
import Foundation
import Model

/// SpecAugment's time and frequency masking (Park et al. 2019): `frequencyMasks` bands of `f ~ U{0…F}` mel
/// bins from `f0 ~ U{0…mels − f}` and `timeMasks` spans of `t ~ U{0…T}` frames from `t0 ~ U{0…frames − t}`,
/// per clip per epoch, set to the clip's mean (the mean of the masked clip's values before masking: Park et al.
/// mask normalised features with their mean, 0).
public struct SpecAugmentConfig: Codable, Equatable, Sendable {
    /// F: the widest frequency mask, mel bins.
    public var frequencyWidth: Int
    /// mF: frequency masks per clip.
    public var frequencyMasks: Int
    /// T: the widest time mask, frames.
    public var timeWidth: Int
    /// mT: time masks per clip.
    public var timeMasks: Int
    public init(frequencyWidth: Int, frequencyMasks: Int, timeWidth: Int, timeMasks: Int) {
        self.frequencyWidth = frequencyWidth; self.frequencyMasks = frequencyMasks
        self.timeWidth = timeWidth; self.timeMasks = timeMasks
    }

    /// `F,mF,T,mT`, e.g. `8,2,20,2`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        self.init(frequencyWidth: parts[0]!, frequencyMasks: parts[1]!, timeWidth: parts[2]!, timeMasks: parts[3]!)
    }

    public var text: String { "\(frequencyWidth),\(frequencyMasks),\(timeWidth),\(timeMasks)" }
}

/// The data augmentation of a training run (validation always runs on the fixed clips, unaugmented). Every
/// random number is a pure function of the run's seed, the epoch and the clip or batch (`AugmentationDraws`),
/// so runs are reproducible, the reference path and OpenCL augment identically, and a resumed run continues
/// exactly. Recorded in `config.json` (absent when off, so a run without augmentation records what it did
/// before augmentation existed); `--resume` refuses a different setting.
public struct AugmentationConfig: Codable, Equatable, Sendable {
    /// Random crops: each training clip is replaced, every epoch, by a window of the same length drawn uniformly
    /// (at frame resolution) from anywhere in its track's whole-track log-mel spectrogram, floored at the
    /// window's own maximum − `top_db`.
    public var randomCrop: Bool
    /// SpecAugment masking; nil: off.
    public var specAugment: SpecAugmentConfig?
    /// Mixup's α (Zhang et al. 2018): each batch is mixed with a permutation of itself by λ ~ Beta(α, α);
    /// nil: off.
    public var mixupAlpha: Double?

    public init(randomCrop: Bool = false, specAugment: SpecAugmentConfig? = nil, mixupAlpha: Double? = nil) {
        self.randomCrop = randomCrop; self.specAugment = specAugment; self.mixupAlpha = mixupAlpha
    }

    /// Whether anything is switched on.
    public var isEnabled: Bool { randomCrop || specAugment != nil || mixupAlpha != nil }

    /// Checks the settings against clips of `mels × frames`.
    public func validate(mels: Int, frames: Int) throws {
        if let s = specAugment {
            guard s.frequencyWidth <= mels else {
                throw TrainingRequestError.invalid("--spec-augment: F = \(s.frequencyWidth) is wider than the \(mels) mel bands; use F ≤ \(mels)")
            }
            guard s.timeWidth <= frames else {
                throw TrainingRequestError.invalid("--spec-augment: T = \(s.timeWidth) is longer than the \(frames) frames of a clip; use T ≤ \(frames)")
            }
            guard s.frequencyMasks + s.timeMasks <= 64 else {
                throw TrainingRequestError.invalid("--spec-augment: \(s.frequencyMasks + s.timeMasks) masks per clip; use at most 64 in all")
            }
        }
        if let a = mixupAlpha {
            guard a > 0, a.isFinite else { throw TrainingRequestError.invalid("--mixup: α must be positive (e.g. 0.2)") }
        }
    }
}

/// The whole-track spectrograms random crops draw from: the training set's tracks, each padded to the longest
/// (`trackStride` frames per mel row), and the track of each training clip.
public struct CropSource: Sendable {
    public var mels: Int
    /// Frames per mel row in `values` (the longest track's).
    public var trackStride: Int
    /// Per track: its own frame count.
    public var trackFrames: [Int]
    /// `tracks × mels × trackStride` dB values (no `top_db` floor).
    public var values: [Float]
    /// Per training clip: index of its track.
    public var clipTracks: [Int]
    /// The floor each window gets below its own maximum; nil: none.
    public var topDB: Float?

    /// The training clips' tracks (`origins`, the training set's order) from `dataset`'s whole-track cache.
    public static func load(origins: [ClipOrigin], dataset: GenreDataset, parameters: FeatureParameters,
                            cacheDir: URL, notice: (String) -> Void) throws -> CropSource {
        var trackIndex: [String: Int] = [:], ids: [String] = []
        let clipTracks = origins.map { o -> Int in
            if let i = trackIndex[o.track] { return i }
            trackIndex[o.track] = ids.count
            ids.append(o.track)
            return ids.count - 1
        }
        let byID = Dictionary(dataset.tracks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let tracks = try ids.map { id -> Track in
            guard let t = byID[id] else { throw TrainingRequestError.invalid("\(dataset.root): track \(id) of the training set is gone; rerun without --random-crop or restore it") }
            return t
        }
        let spectrograms = try WholeTrackCache.load(tracks: tracks, parameters: parameters, cacheDir: cacheDir, log: notice)
        let stride = spectrograms.map(\.frames).max() ?? 0
        let mels = parameters.nMels
        var values = [Float](repeating: 0, count: spectrograms.count * mels * stride)
        for (k, s) in spectrograms.enumerated() {
            guard s.frames >= parameters.clipFrames else {
                throw TrainingRequestError.invalid("\(tracks[k].path): its whole-track spectrogram has \(s.frames) frames, fewer than a clip's \(parameters.clipFrames)")
            }
            for m in 0..<mels {
                let dst = (k * mels + m) * stride
                values.replaceSubrange(dst..<(dst + s.frames), with: s.values[(m * s.frames)..<((m + 1) * s.frames)])
            }
        }
        return CropSource(mels: mels, trackStride: stride, trackFrames: spectrograms.map(\.frames), values: values,
                          clipTracks: clipTracks, topDB: parameters.topDB)
    }
}

/// One epoch's augmentation tables, drawn on the host (`AugmentationDraws`) for every training clip (by its
/// index in the training set, whatever the shuffle) or batch.
public struct AugmentationTables: Equatable, Sendable {
    /// Per clip: the element offset of its crop window in `CropSource.values` (empty without crops).
    public var cropStarts: [Int32] = []
    /// Per clip: `2·(mF + mT)` values, (first band, bands)…, then (first frame, frames)… (empty without SpecAugment).
    public var masks: [Int32] = []
    /// Per batch `b`, at `b·batchSize`: the partner row of each row in the batch (empty without mixup).
    public var partners: [Int32] = []
    /// Per batch: mixup's λ.
    public var lambdas: [Float] = []

    /// The tables of epoch `epoch` (1-based) for `clips` training clips in batches of `batchSize`.
    public static func draw(config: AugmentationConfig, crops: CropSource?, seed: UInt64, epoch: Int, clips: Int,
                            batchSize: Int, mels: Int, frames: Int) -> AugmentationTables {
        var t = AugmentationTables()
        if config.randomCrop, let crops {
            t.cropStarts = (0..<clips).map { c in
                let track = crops.clipTracks[c]
                let positions = crops.trackFrames[track] - frames + 1
                let start = AugmentationDraws(seed: seed, epoch: epoch, stream: .crop, item: c).below(positions, 0)
                return Int32(track * crops.mels * crops.trackStride + start)
            }
        }
        if let s = config.specAugment {
            t.masks.reserveCapacity(clips * 2 * (s.frequencyMasks + s.timeMasks))
            for c in 0..<clips {
                var d = AugmentationDrawSequence(AugmentationDraws(seed: seed, epoch: epoch, stream: .specAugment, item: c))
                for _ in 0..<s.frequencyMasks {
                    let width = d.below(s.frequencyWidth + 1)
                    t.masks += [Int32(d.below(mels - width + 1)), Int32(width)]
                }
                for _ in 0..<s.timeMasks {
                    let width = d.below(s.timeWidth + 1)
                    t.masks += [Int32(d.below(frames - width + 1)), Int32(width)]
                }
            }
        }
        if let alpha = config.mixupAlpha {
            let batches = (clips + batchSize - 1) / batchSize
            t.partners = [Int32](repeating: 0, count: batches * batchSize)
            for b in 0..<batches {
                let rows = min(batchSize, clips - b * batchSize)
                var d = AugmentationDrawSequence(AugmentationDraws(seed: seed, epoch: epoch, stream: .mixup, item: b))
                t.lambdas.append(Float(d.beta(alpha, alpha)))
                var p = (0..<Int32(rows)).map { $0 }
                for i in stride(from: rows - 1, to: 0, by: -1) { p.swapAt(i, d.below(i + 1)) }
                t.partners.replaceSubrange((b * batchSize)..<(b * batchSize + rows), with: p)
            }
        }
        return t
    }
}

extension TrainingJob {
    /// The augmenter of this job's training set on `backend`, or nil when augmentation is off.
    func makeAugmenter<B: Backend>(backend: B) throws -> Augmenter<B>? {
        guard let augmentation, augmentation.isEnabled else { return nil }
        return try Augmenter(backend: backend, config: augmentation, crops: crops, seed: seed, clips: train.count,
                             batchSize: network.maxBatch, mels: network.architecture.inputHeight,
                             frames: network.architecture.inputWidth, classes: network.classes)
    }
}

extension TrainingSession {
    /// Sets `job`'s augmentation from `config` (validated against the clips), loading the whole-track
    /// spectrograms of its training tracks for random crops.
    static func applyAugmentation(_ config: AugmentationConfig, to job: inout TrainingJob, trainOrigins: [ClipOrigin],
                                  datasetRoot: URL, parameters: FeatureParameters, cacheDir: URL,
                                  notice: (String) -> Void) throws {
        guard config.isEnabled else { return }
        try config.validate(mels: job.network.architecture.inputHeight, frames: job.network.architecture.inputWidth)
        job.augmentation = config
        if config.randomCrop {
            let dataset = try GenreDataset.scan(datasetRoot.path)
            job.crops = try CropSource.load(origins: trainOrigins, dataset: dataset, parameters: parameters,
                                            cacheDir: cacheDir.appendingPathComponent("features"), notice: notice)
        }
    }
}
