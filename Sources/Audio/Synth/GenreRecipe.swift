import Foundation

/// The ten GTZAN genres, in GTZAN's (alphabetical) order; the raw value is the folder and file prefix.
public enum SynthGenre: String, CaseIterable, Sendable {
    case blues, classical, country, disco, hiphop, jazz, metal, pop, reggae, rock
}

/// The musicological recipe of one genre: the ranges and choices a track of that genre draws from.
/// `docs/synthetic-corpus.md` documents each recipe in prose; the arrangement code in
/// `Arrangements.swift` turns a drawn `TrackPlan` into parts.
public struct GenreRecipe: Sendable {
    /// Quarter-note tempo range (BPM).
    public var tempo: ClosedRange<Double>
    /// Possible beats per bar.
    public var meters: [Int]
    /// Swing ratio range (0.5 straight … 0.67 triplet) and whether the 16ths (not the 8ths) swing.
    public var swing: ClosedRange<Double>
    public var swingSixteenths: Bool
    /// Standard deviation of human timing, seconds (0: drum machine).
    public var humanize: ClosedRange<Double>
    /// Probability that a track is in a minor key.
    public var minorProbability: Double
    /// Drum grooves with weights (empty: no drums).
    var grooves: [(Groove, Double)]
    /// Drum kits with weights.
    var kits: [(DrumKitKind, Double)]
    var harmony: HarmonyStyle
    /// Bass behaviours with weights (empty: the bass is a voice of the ensemble).
    var bass: [(BassStyle, Double)]
    /// Guitar-bus distortion pre-gain range (1 = clean).
    public var drive: ClosedRange<Double>
    /// Reverb wet level and room size ranges.
    public var reverbWet: ClosedRange<Double>
    public var roomSize: ClosedRange<Double>
    /// Master saturation pre-gain (loudness/compression of the production).
    public var masterDrive: ClosedRange<Double>
    /// Probability of a vocal part.
    public var vocalProbability: Double

    public static func recipe(for genre: SynthGenre) -> GenreRecipe {
        switch genre {
        case .blues:
            return GenreRecipe(tempo: 62...104, meters: [4], swing: 0.64...0.68, swingSixteenths: false,
                               humanize: 0.008...0.016, minorProbability: 0, grooves: [(.bluesShuffle, 1)],
                               kits: [(.acoustic, 0.7), (.jazz, 0.3)], harmony: .blues12,
                               bass: [(.boogie, 0.65), (.walking, 0.35)], drive: 1.5...7,
                               reverbWet: 0.12...0.3, roomSize: 0.3...0.7, masterDrive: 1...1.8, vocalProbability: 0.5)
        case .classical:
            return GenreRecipe(tempo: 50...126, meters: [3, 4], swing: 0.5...0.5, swingSixteenths: false,
                               humanize: 0.01...0.025, minorProbability: 0.35, grooves: [], kits: [],
                               harmony: .classical, bass: [], drive: 1...1,
                               reverbWet: 0.3...0.6, roomSize: 0.65...0.95, masterDrive: 1...1.1, vocalProbability: 0)
        case .country:
            return GenreRecipe(tempo: 88...152, meters: [4], swing: 0.5...0.56, swingSixteenths: false,
                               humanize: 0.005...0.012, minorProbability: 0.05,
                               grooves: [(.countryTrain, 0.65), (.rockBackbeat, 0.35)], kits: [(.acoustic, 1)],
                               harmony: .country, bass: [(.rootFifth, 0.8), (.rockEighths, 0.2)], drive: 1...3,
                               reverbWet: 0.08...0.25, roomSize: 0.2...0.6, masterDrive: 1.2...2.2, vocalProbability: 0.75)
        case .disco:
            return GenreRecipe(tempo: 108...132, meters: [4], swing: 0.5...0.53, swingSixteenths: true,
                               humanize: 0.002...0.006, minorProbability: 0.85, grooves: [(.fourOnTheFloor, 1)],
                               kits: [(.machine909, 0.55), (.acoustic, 0.45)], harmony: .disco,
                               bass: [(.discoOctave, 1)], drive: 1...1.5,
                               reverbWet: 0.1...0.3, roomSize: 0.3...0.7, masterDrive: 1.5...2.6, vocalProbability: 0.6)
        case .hiphop:
            return GenreRecipe(tempo: 78...100, meters: [4], swing: 0.52...0.62, swingSixteenths: true,
                               humanize: 0...0.004, minorProbability: 1,
                               grooves: [(.boomBap, 0.75), (.trapHalfTime, 0.25)],
                               kits: [(.machine808, 0.6), (.machine909, 0.4)], harmony: .hiphop,
                               bass: [(.sub808, 1)], drive: 1...1,
                               reverbWet: 0.03...0.15, roomSize: 0.2...0.5, masterDrive: 1.8...3.2, vocalProbability: 0.9)
        case .jazz:
            return GenreRecipe(tempo: 96...224, meters: [4], swing: 0.6...0.68, swingSixteenths: false,
                               humanize: 0.008...0.016, minorProbability: 0.2, grooves: [(.jazzSwing, 1)],
                               kits: [(.jazz, 1)], harmony: .jazzTwoFiveOne, bass: [(.walking, 1)], drive: 1...1,
                               reverbWet: 0.12...0.3, roomSize: 0.3...0.7, masterDrive: 1...1.3, vocalProbability: 0)
        case .metal:
            return GenreRecipe(tempo: 100...200, meters: [4], swing: 0.5...0.5, swingSixteenths: false,
                               humanize: 0.002...0.006, minorProbability: 1,
                               grooves: [(.metalDoubleKick, 0.7), (.metalBlast, 0.3)], kits: [(.metal, 1)],
                               harmony: .metal, bass: [(.metalChug, 1)], drive: 25...80,
                               reverbWet: 0.05...0.2, roomSize: 0.3...0.7, masterDrive: 1.6...2.6, vocalProbability: 0.45)
        case .pop:
            return GenreRecipe(tempo: 88...130, meters: [4], swing: 0.5...0.54, swingSixteenths: true,
                               humanize: 0...0.004, minorProbability: 0,
                               grooves: [(.popBackbeat, 0.6), (.fourOnTheFloor, 0.4)],
                               kits: [(.machine808, 0.5), (.machine909, 0.5)], harmony: .popAxis,
                               bass: [(.popSyncopated, 0.6), (.sub808, 0.4)], drive: 1...1,
                               reverbWet: 0.1...0.3, roomSize: 0.3...0.8, masterDrive: 1.8...3.2, vocalProbability: 0.9)
        case .reggae:
            return GenreRecipe(tempo: 66...92, meters: [4], swing: 0.54...0.62, swingSixteenths: true,
                               humanize: 0.004...0.01, minorProbability: 0.4,
                               grooves: [(.oneDrop, 0.7), (.steppers, 0.3)], kits: [(.acoustic, 1)],
                               harmony: .reggae, bass: [(.reggaeRiff, 1)], drive: 1...1.3,
                               reverbWet: 0.1...0.3, roomSize: 0.3...0.7, masterDrive: 1.2...2, vocalProbability: 0.6)
        case .rock:
            return GenreRecipe(tempo: 96...160, meters: [4], swing: 0.5...0.52, swingSixteenths: false,
                               humanize: 0.004...0.01, minorProbability: 0.2, grooves: [(.rockBackbeat, 1)],
                               kits: [(.acoustic, 1)], harmony: .rock, bass: [(.rockEighths, 0.85), (.rootFifth, 0.15)],
                               drive: 2...20, reverbWet: 0.08...0.25, roomSize: 0.3...0.7, masterDrive: 1.8...3,
                               vocalProbability: 0.8)
        }
    }
}

/// The random choices of one track, drawn from its genre's recipe.
struct TrackPlan {
    var genre: SynthGenre
    /// Seconds rendered before the excerpt starts (so the excerpt begins mid-song, reverb already
    /// built up); the master crops them.
    var preroll: Double
    var timeline: Timeline
    var tonic: Int
    var minor: Bool
    var groove: Groove?
    var grooveVariant: Int
    var kit: DrumKitKind?
    var bass: BassStyle?
    var drive: Float
    var reverbWet: Float
    var roomSize: Double
    var masterDrive: Float
    var vocals: Bool
    /// Mix levels (linear) per bus.
    var levels: [String: Float]
    /// Recording bandwidth (master low-pass, Hz) and low cut (Hz).
    var bandwidth: Double
    var lowCut: Double
    /// Background noise level relative to the music's peak (linear) and final peak level (dBFS).
    var noise: Float
    var peakDBFS: Double

    static func draw(_ genre: SynthGenre, rng: inout SynthRandom) -> TrackPlan {
        let r = GenreRecipe.recipe(for: genre)
        let bpm = rng.uniform(r.tempo.lowerBound, r.tempo.upperBound)
        let meter = rng.pick(r.meters)
        let barSeconds = 60 / bpm * Double(meter)
        let preroll = barSeconds + 0.5
        let timeline = Timeline(bpm: bpm, beatsPerBar: meter,
                                swing: rng.uniform(r.swing.lowerBound, r.swing.upperBound + 1e-9),
                                swingSixteenths: r.swingSixteenths, offset: preroll - rng.uniform(0, barSeconds),
                                humanize: rng.uniform(r.humanize.lowerBound, r.humanize.upperBound + 1e-9))
        let groove = r.grooves.isEmpty ? nil : rng.pick(r.grooves.map(\.0), weights: r.grooves.map(\.1))
        let kit = r.kits.isEmpty ? nil : rng.pick(r.kits.map(\.0), weights: r.kits.map(\.1))
        let bass = r.bass.isEmpty ? nil : rng.pick(r.bass.map(\.0), weights: r.bass.map(\.1))
        func db(_ lo: Double, _ hi: Double) -> Float { Float(pow(10, rng.uniform(lo, hi) / 20)) }
        let levels: [String: Float] = [
            "drums": db(-3, 3) * (genre == .metal ? 1.6 : 1), "bass": db(-4, 2), "guitar": db(-4, 2), "keys": db(-5, 1),
            "pad": db(-6, 0), "lead": db(-5, 1), "vocal": db(-4, 2),
        ]
        return TrackPlan(
            genre: genre, preroll: preroll, timeline: timeline, tonic: rng.int(0...11), minor: rng.chance(r.minorProbability),
            groove: groove, grooveVariant: rng.int(0...11), kit: kit, bass: bass,
            drive: Float(rng.uniform(r.drive.lowerBound, r.drive.upperBound + 1e-9)),
            reverbWet: Float(rng.uniform(r.reverbWet.lowerBound, r.reverbWet.upperBound)),
            roomSize: rng.uniform(r.roomSize.lowerBound, r.roomSize.upperBound),
            masterDrive: Float(rng.uniform(r.masterDrive.lowerBound, r.masterDrive.upperBound + 1e-9)),
            vocals: rng.chance(r.vocalProbability), levels: levels,
            bandwidth: rng.uniform(6500, 10_800), lowCut: rng.uniform(20, 70),
            noise: Float(pow(10, rng.uniform(-66, -44) / 20)), peakDBFS: rng.uniform(-3, -1))
    }
}
