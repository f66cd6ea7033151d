/// Cuts a track into clips as the paper's pipeline did: clip `k` is samples
/// `k·hop ..< k·hop + clip`, for `k = 0, 1, …` while the clip fits in the track, at most
/// `clipsPerTrack` clips. Each clip's features are librosa's on that clip alone (its own centre
/// padding, its own `top_db` maximum).
public struct ClipSlicer: Sendable {
    public let parameters: FeatureParameters

    public init(_ parameters: FeatureParameters = .paper) { self.parameters = parameters }

    /// First sample of each clip of a track of `samples` samples; empty if the track is shorter than a clip.
    public func clipStarts(samples: Int) -> [Int] {
        let clip = parameters.clipSamples, hop = parameters.clipHopSamples
        guard samples >= clip else { return [] }
        let fitting = (samples - clip) / hop + 1
        return (0..<min(fitting, parameters.clipsPerTrack)).map { $0 * hop }
    }

    /// Floats of one clip's features (`nMels × clipFrames`).
    public var floatsPerClip: Int { parameters.nMels * parameters.clipFrames }

    /// Features of every clip of `signal` (at the feature sample rate), clip-major:
    /// `clips × nMels × clipFrames` floats. Empty if the signal is shorter than one clip.
    public func features(of signal: [Float], extractor: LogMelExtractor,
                         scratch: PowerSTFT.Scratch? = nil) -> [Float] {
        let starts = clipStarts(samples: signal.count)
        let per = floatsPerClip, clip = parameters.clipSamples
        let scratch = scratch ?? extractor.stft.makeScratch()
        var out = [Float](repeating: 0, count: starts.count * per)
        signal.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for (k, start) in starts.enumerated() {
                    let piece = UnsafeBufferPointer(rebasing: s[start..<(start + clip)])
                    let dst = UnsafeMutableBufferPointer(rebasing: o[(k * per)..<((k + 1) * per)])
                    extractor.compute(piece, into: dst, scratch: scratch)
                }
            }
        }
        return out
    }
}
