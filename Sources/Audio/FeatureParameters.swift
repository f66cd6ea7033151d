import Foundation

/// Errors of invalid feature parameters.
public enum FeatureParameterError: Error, CustomStringConvertible, Equatable {
    case invalid(name: String, value: String, rule: String)
    public var description: String {
        switch self {
        case let .invalid(name, value, rule): return "feature parameter \(name) = \(value) is invalid: \(rule)"
        }
    }
}

/// Everything that determines a clip's log-mel features: the spectrogram (librosa's
/// `power_to_db(melspectrogram(...))` arguments) and how tracks are cut into clips.
///
/// The defaults are the paper's setup and librosa 0.11's defaults: 22 050 Hz mono, `n_fft` 512, hop 256,
/// 64 Slaney-normalised Slaney-scale mel bands from 0 Hz to sr/2, periodic Hann window, centred frames
/// with zero padding, power 2, `ref` 1, `amin` 1e-10, `top_db` 80; eight non-overlapping 2-s clips per track;
/// the `librosa` mel recipe (`melRecipe` `seed`: the seed's squared mel power over reflect-padded frames).
/// The struct is the feature cache's key: any change recomputes the features.
public struct FeatureParameters: Codable, Hashable, Sendable {
    /// Sample rate the audio is resampled to, Hz.
    public var sampleRate: Int = 22_050
    /// FFT size and window length, samples (even).
    public var nFFT: Int = 512
    /// Hop between STFT frames, samples.
    public var hopLength: Int = 256
    /// Number of mel bands.
    public var nMels: Int = 64
    /// Lowest filterbank frequency, Hz.
    public var fMin: Double = 0
    /// Highest filterbank frequency, Hz; `nil` is sr/2 (librosa's default).
    public var fMax: Double? = nil
    /// Dynamic range kept below the array's maximum, dB; `nil` keeps everything.
    public var topDB: Float? = 80
    /// Power floor before the logarithm.
    public var amin: Float = 1e-10
    /// Reference power for 0 dB.
    public var ref: Float = 1
    /// Length of one clip, seconds.
    public var clipSeconds: Double = 2
    /// Most clips taken from one track (from its start, every `hopSeconds`).
    public var clipsPerTrack: Int = 8
    /// Distance between clip starts, seconds; `nil` is `clipSeconds` (non-overlapping clips).
    public var hopSeconds: Double? = nil
    /// How the mel power becomes dB (and how frames are padded). Files written before recipes existed have
    /// no such key: they are `librosa`.
    public var melRecipe: MelRecipe = .librosa

    /// The paper's parameters (librosa 0.11 defaults with n_fft 512, hop 256, 64 mels; 8 × 2-s clips).
    public static let paper = FeatureParameters()

    public init() {}

    /// Samples in one clip (2 s at 22 050 Hz: 44 100).
    public var clipSamples: Int { Int((clipSeconds * Double(sampleRate)).rounded()) }
    /// Samples between clip starts.
    public var clipHopSamples: Int { Int(((hopSeconds ?? clipSeconds) * Double(sampleRate)).rounded()) }
    /// Upper filterbank edge actually used, Hz.
    public var effectiveFMax: Double { fMax ?? Double(sampleRate) / 2 }
    /// STFT frames of a centred analysis of `samples` samples (librosa: `1 + n // hop`).
    public func frames(forSamples samples: Int) -> Int { 1 + samples / hopLength }
    /// Frames of one clip (173 for the paper's setup).
    public var clipFrames: Int { frames(forSamples: clipSamples) }

    /// Checks every field; throws the first rule broken.
    public func validate() throws {
        func fail(_ name: String, _ value: Any, _ rule: String) -> FeatureParameterError {
            .invalid(name: name, value: "\(value)", rule: rule)
        }
        guard sampleRate > 0 else { throw fail("sampleRate", sampleRate, "must be positive") }
        guard nFFT >= 2, nFFT % 2 == 0 else { throw fail("nFFT", nFFT, "must be even and at least 2") }
        guard hopLength > 0 else { throw fail("hopLength", hopLength, "must be positive") }
        guard nMels > 0 else { throw fail("nMels", nMels, "must be positive") }
        guard fMin >= 0 else { throw fail("fMin", fMin, "must be at least 0 Hz") }
        guard effectiveFMax > fMin, effectiveFMax <= Double(sampleRate) / 2 else {
            throw fail("fMax", effectiveFMax, "must lie above fMin and at most at sr/2")
        }
        if let topDB { guard topDB >= 0 else { throw fail("topDB", topDB, "must be non-negative") } }
        guard amin > 0 else { throw fail("amin", amin, "must be strictly positive") }
        guard ref > 0 else { throw fail("ref", ref, "must be positive") }
        guard clipSeconds > 0, clipSamples >= 1 else { throw fail("clipSeconds", clipSeconds, "must be positive") }
        guard clipsPerTrack > 0 else { throw fail("clipsPerTrack", clipsPerTrack, "must be at least 1") }
        if let hopSeconds {
            guard hopSeconds > 0, clipHopSamples >= 1 else { throw fail("hopSeconds", hopSeconds, "must be positive") }
        }
    }

    /// A stable hexadecimal digest of every field: the feature cache's parameter key. The `librosa` recipe
    /// leaves the digest as it was before recipes existed, so caches written then are still found.
    public var digest: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.userInfo[Self.digestKey] = true
        let data = (try? encoder.encode(self)) ?? Data()
        return StableHash.hex(of: data)
    }

    static let digestKey = CodingUserInfoKey(rawValue: "gcnn.featureParameters.digest")!

    enum CodingKeys: String, CodingKey {
        case sampleRate, nFFT, hopLength, nMels, fMin, fMax, topDB, amin, ref, clipSeconds, clipsPerTrack, hopSeconds, melRecipe
    }

    /// Every field is required except the optional ones and `melRecipe` (missing: `librosa`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sampleRate = try c.decode(Int.self, forKey: .sampleRate)
        nFFT = try c.decode(Int.self, forKey: .nFFT)
        hopLength = try c.decode(Int.self, forKey: .hopLength)
        nMels = try c.decode(Int.self, forKey: .nMels)
        fMin = try c.decode(Double.self, forKey: .fMin)
        fMax = try c.decodeIfPresent(Double.self, forKey: .fMax)
        topDB = try c.decodeIfPresent(Float.self, forKey: .topDB)
        amin = try c.decode(Float.self, forKey: .amin)
        ref = try c.decode(Float.self, forKey: .ref)
        clipSeconds = try c.decode(Double.self, forKey: .clipSeconds)
        clipsPerTrack = try c.decode(Int.self, forKey: .clipsPerTrack)
        hopSeconds = try c.decodeIfPresent(Double.self, forKey: .hopSeconds)
        melRecipe = try c.decodeIfPresent(MelRecipe.self, forKey: .melRecipe) ?? .librosa
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(nFFT, forKey: .nFFT)
        try c.encode(hopLength, forKey: .hopLength)
        try c.encode(nMels, forKey: .nMels)
        try c.encode(fMin, forKey: .fMin)
        try c.encodeIfPresent(fMax, forKey: .fMax)
        try c.encodeIfPresent(topDB, forKey: .topDB)
        try c.encode(amin, forKey: .amin)
        try c.encode(ref, forKey: .ref)
        try c.encode(clipSeconds, forKey: .clipSeconds)
        try c.encode(clipsPerTrack, forKey: .clipsPerTrack)
        try c.encodeIfPresent(hopSeconds, forKey: .hopSeconds)
        if melRecipe != .librosa || encoder.userInfo[Self.digestKey] as? Bool != true {
            try c.encode(melRecipe, forKey: .melRecipe)
        }
    }
}
