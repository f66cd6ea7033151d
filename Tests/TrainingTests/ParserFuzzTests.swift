import Foundation
import Model
import XCTest
@testable import Audio
@testable import Training

/// Bounded fuzzing of every parser of outside bytes that gcnn owns: `.npy`, safetensors (and the model
/// checkpoint and training state read through it), the feature-cache manifest, and the decoder around
/// libsndfile. Fixed seeds, a few thousand mutants of valid files each (`ByteMutator`); every mutant
/// must give a valid parse (checked for internal consistency) or the parser's own typed error naming the
/// source, never a trap. The longer libFuzzer runs are in `Fuzz/` (docs/fuzzing.md); whatever they
/// find is kept below as a regression case.
///
/// A longer loop of the same tests: `GCNN_FUZZ_SCALE=<n>` multiplies every iteration count and
/// `GCNN_FUZZ_SEED=<k>` picks other mutants; with a scale above 1 each input is first written to
/// `$TMPDIR/gcnn-fuzz-current-<parser>.bin`, so the input of a crash is on disk.
final class ParserFuzzTests: XCTestCase {
    static let source = "fuzz-input"
    static let environment = ProcessInfo.processInfo.environment
    static let scale = max(1, Int(environment["GCNN_FUZZ_SCALE"] ?? "") ?? 1)
    static let seedOffset = UInt64(environment["GCNN_FUZZ_SEED"] ?? "") ?? 0

    /// Runs `iterations` mutants through `parse`, which returns normally for a valid parse (after its
    /// own checks) and throws for a refusal; `isTyped` says whether the thrown error is the parser's own.
    func fuzz(_ name: String, seeds: [[UInt8]], iterations: Int, seed: UInt64, minRefused: Double = 0.5, skipSeedCheck: Bool = false,
              isTyped: (Error) -> Bool, parse: ([UInt8]) throws -> Void) -> (valid: Int, refused: Int) {
        let iterations = iterations * Self.scale
        var mutator = ByteMutator(seed: seed &+ Self.seedOffset &* 0x9E37_79B9, seeds: seeds)
        var valid = 0, refused = 0
        let current = FileManager.default.temporaryDirectory
            .appendingPathComponent("gcnn-fuzz-current-\(name.replacingOccurrences(of: " ", with: "-")).bin")
        for s in seeds where !skipSeedCheck { XCTAssertNoThrow(try parse(s), "\(name): a seed must parse") }
        for i in 0..<iterations {
            let input = mutator.mutant()
            if Self.scale > 1 { try? Data(input).write(to: current) }
            do {
                try parse(input)
                valid += 1
            } catch {
                refused += 1
                checkRefusal(error, name: name, mutant: i, isTyped: isTyped)
            }
        }
        XCTAssertEqual(valid + refused, iterations)
        XCTAssertGreaterThan(Double(refused), minRefused * Double(iterations), "\(name): too few mutants were refused: is the mutator working?")
        return (valid, refused)
    }

    /// A refused mutant's error: the parser's own type, naming the source, in one line.
    func checkRefusal(_ error: Error, name: String, mutant i: Int, isTyped: (Error) -> Bool) {
        guard isTyped(error) else { return XCTFail("\(name) #\(i): untyped error \(type(of: error)): \(error)") }
        let text = "\(error)"
        XCTAssertTrue(text.hasPrefix(Self.source), "\(name) #\(i): error must name the source: \(text)")
        XCTAssertFalse(text.contains("\n"), "\(name) #\(i): error must be one line: \(text)")
    }

    // MARK: .npy

    static func npySeeds() -> [[UInt8]] {
        [[3], [2, 3, 4], [0], [], [1, 5, 1]].map { shape in
            let n = shape.reduce(1, *)
            return NPY.header(shape: shape) + (0..<n).flatMap { i in withUnsafeBytes(of: Float(i) * 0.5 - 1) { Array($0) } }
        }
    }

    static func parseNPY(_ b: [UInt8]) throws {
        let a = try NPY.decode(Data(b), path: source)
        guard a.values.count == a.shape.reduce(1, *) else { throw ParseInvariant.broken("npy: \(a.shape) vs \(a.values.count)") }
    }

    func testNPYReaderFuzz() {
        fuzz("npy", seeds: Self.npySeeds(), iterations: 2_500, seed: 0x6E70,
             isTyped: { $0 is NPYError }, parse: Self.parseNPY)
    }

    // MARK: safetensors, model checkpoints, training state

    static func safetensorsSeeds() -> [[UInt8]] {
        [SafeTensors.encode([SafeTensor(name: "a", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
                             SafeTensor(name: "n", shape: [], int64s: [42])], metadata: ["format": "pt", "k": "v"]),
         SafeTensors.encode([SafeTensor(name: "w", dtype: "F16", shape: [4], data: [0, 60, 0, 64, 0, 66, 0, 68]),
                             SafeTensor(name: "e", shape: [0, 7], floats: [])]),
         SafeTensors.encode([])]
    }

    static func parseSafeTensors(_ b: [UInt8]) throws {
        let (tensors, metadata) = try SafeTensors.decode(b, path: source)
        // A valid parse survives re-encoding unchanged.
        let again = try SafeTensors.decode(SafeTensors.encode(tensors, metadata: metadata), path: source)
        guard again.tensors == tensors, again.metadata == metadata else { throw ParseInvariant.broken("safetensors round trip") }
    }

    func testSafeTensorsReaderFuzz() {
        fuzz("safetensors", seeds: Self.safetensorsSeeds(), iterations: 2_500, seed: 0x5AFE,
             isTyped: { $0 is SafeTensorsError }, parse: Self.parseSafeTensors)
    }

    static let smallNetwork = NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 2, maxBatch: 2)

    static func checkpointSeed() throws -> [UInt8] {
        var rng = RandomGenerator(seed: 3)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: smallNetwork, rng: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelCheckpoint.write(parameters, config: smallNetwork, labels: ["metal", "jazz"], to: url)
        return [UInt8](try Data(contentsOf: url))
    }

    static func parseCheckpoint(_ b: [UInt8]) throws {
        try buildNetwork(try ModelCheckpoint.decode(b, path: source))
    }

    /// What predict/evaluate do with a loaded checkpoint: build its network (this also converts the batch
    /// count), on the reference backend at batch 1. Networks large enough to be slow to allocate are valid,
    /// merely big: only small ones are built.
    static func buildNetwork(_ loaded: ModelCheckpoint.Loaded) throws {
        var config = loaded.config
        config.maxBatch = 1
        let activations = try config.resolved().layers.reduce(config.inputCount) { $0 + $1.output.count }
        if activations <= 1 << 20 {
            _ = try Network(backend: ReferenceBackend(), config: config, parameters: loaded.parameters)
        }
    }

    func testModelCheckpointReaderFuzz() throws {
        fuzz("checkpoint", seeds: [try Self.checkpointSeed()], iterations: 1_200, seed: 0xC4EC,
             isTyped: { $0 is SafeTensorsError }, parse: Self.parseCheckpoint)
    }

    static func trainingStateSeed() throws -> [UInt8] {
        var rng = RandomGenerator(seed: 4)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: smallNetwork, rng: &rng)
        let metrics = ClassificationMetrics(losses: [0.2, 0.3, 0.4, 0.1], probabilities: [0.9, 0.2, 0.7, 0.4], labels: [1, 0, 1, 0], classes: 2)
        let state = TrainingState(epochsDone: 1, parameters: parameters, adam: AdamState(step: 5, m: parameters, v: parameters),
                                  rng: rng.state, history: [EpochRecord(epoch: 1, train: metrics, validation: metrics,
                                                                        seconds: 0.5, trainClips: 8)])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try state.write(to: url)
        return [UInt8](try Data(contentsOf: url))
    }

    static func parseTrainingState(_ b: [UInt8]) throws {
        let s = try TrainingState.decode(b, path: source)
        _ = RandomGenerator(state: s.rng)
    }

    func testTrainingStateReaderFuzz() throws {
        fuzz("training state", seeds: [try Self.trainingStateSeed()], iterations: 1_200, seed: 0x57A7,
             isTyped: { $0 is SafeTensorsError }, parse: Self.parseTrainingState)
    }

    // MARK: feature-cache manifest

    static func manifestSeeds() throws -> [[UInt8]] {
        let entries = [
            FeatureManifest.Entry(id: "blues/a.wav", genre: "blues", size: 1_000, mtimeNanoseconds: 1_700_000_000_000_000_000,
                                  firstRow: 0, clips: 3, skipped: nil),
            FeatureManifest.Entry(id: "blues/b.wav", genre: "blues", size: 12, mtimeNanoseconds: 5, firstRow: nil, clips: 0,
                                  skipped: "/data/blues/b.wav: cannot decode audio: Format not recognised."),
            FeatureManifest.Entry(id: "metal/c.wav", genre: "metal", size: 2_000, mtimeNanoseconds: 7, firstRow: 3, clips: 7, skipped: nil),
        ]
        let m = FeatureManifest(parameters: .paper, root: "/data", array: "features-0123abcd.npy", mels: 64, frames: 173, tracks: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var empty = m
        empty.tracks = []
        var seedRecipe = m
        seedRecipe.parameters.melRecipe = .seed
        return [[UInt8](try encoder.encode(m)), [UInt8](try encoder.encode(empty)), [UInt8](try encoder.encode(seedRecipe))]
    }

    /// A cache array of the paper's clip size with 10 rows, as `FeatureCache` would read it.
    static let cachedArray = NPYArray(shape: [10, 64, 173], values: (0..<(10 * 64 * 173)).map { Float($0 % 997) })

    static func parseManifest(_ b: [UInt8]) throws {
        let m = try FeatureManifest.decode(Data(b), path: source)
        guard m.mels == 64, m.frames == 173 else { return }  // FeatureCache ignores other clip sizes
        try m.checkRows(arrayRows: cachedArray.shape[0], path: source)
        for e in m.tracks where e.firstRow != nil {
            // The rows `FeatureCache` copies out of the array for a reused track.
            let rows = Array(cachedArray.values[m.valueRange(of: e)])
            guard rows.count == e.clips * 64 * 173 else { throw ParseInvariant.broken("manifest rows") }
        }
    }

    func testFeatureManifestReaderFuzz() throws {
        fuzz("manifest", seeds: try Self.manifestSeeds(), iterations: 2_000, seed: 0x3A41,
             isTyped: { $0 is FeatureCacheError }, parse: Self.parseManifest)
    }

    // MARK: audio headers (the decoder around libsndfile)

    static func audioSeeds() throws -> [[UInt8]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = (0..<1_200).map { 0.5 * sinf(Float($0) * 0.03) }
        var seeds = [[UInt8]]()
        for (name, format, channels) in [("a.wav", AudioFileFormat.wav16, 2), ("b.wav", .wavFloat, 1), ("c.au", .au16, 1),
                                         ("d.flac", .flac16, 2), ("e.aiff", .aiff16, 1), ("f.wav", .wavULaw, 1)] {
            let path = dir.appendingPathComponent(name).path
            try AudioFileWriter.write(Array(x.prefix(x.count / channels * channels)), sampleRate: 22_050, channels: channels,
                                      format: format, to: path)
            seeds.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        return seeds
    }

    /// Decodes bytes through a file (libsndfile reads paths); `path` is reused across iterations.
    static func parseAudio(_ b: [UInt8], at path: String) throws {
        try Data(b).write(to: URL(fileURLWithPath: path))
        let d: DecodedAudio
        do { d = try AudioDecoder.decode(path) } catch let e as AudioDecodeError {
            // Name the error by the fixed source, as the other parsers do.
            throw FuzzAudioError(underlying: e, text: "\(e)".replacingOccurrences(of: path, with: source))
        }
        guard d.sampleRate > 0, d.channels > 0, !d.samples.isEmpty, d.samples.allSatisfy(\.isFinite) else {
            throw ParseInvariant.broken("audio: \(d.sampleRate) Hz, \(d.channels) channels, \(d.samples.count) samples")
        }
    }

    func testAudioDecoderFuzz() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("mutant.wav").path
        // Mutated sample data still decodes, so fewer mutants are refused than for the other parsers.
        fuzz("audio", seeds: try Self.audioSeeds(), iterations: 300, seed: 0xA0D1, minRefused: 0.2,
             isTyped: { $0 is FuzzAudioError }, parse: { try Self.parseAudio($0, at: path) })
    }

    // MARK: regression cases (findings of the fuzzers, each once a crash)

    /// Each was a trap before its fix; now a typed error naming the file.
    func testFuzzFindingsAreTypedErrors() throws {
        let checkpoint = try Self.checkpointSeed()
        func replacingMetadata(_ bytes: [UInt8], _ key: String, _ value: String) throws -> [UInt8] {
            var (tensors, metadata) = try SafeTensors.decode(bytes, path: "seed")
            metadata[key] = value
            if key == "num_batches_tracked" {
                tensors = tensors.map { $0.name == "bn1.num_batches_tracked" ? SafeTensor(name: $0.name, shape: [], int64s: [Int64(value)!]) : $0 }
            }
            return SafeTensors.encode(tensors, metadata: metadata)
        }
        // An input size overflowing the network's size arithmetic: in the architecture, and in the metadata
        // of a checkpoint from before architectures were data (no 'architecture' key).
        let (_, seedMetadata) = try SafeTensors.decode(checkpoint, path: "seed")
        var spec = try JSONSerialization.jsonObject(with: Data(seedMetadata["architecture"]!.utf8)) as! [String: Any]
        for side in ["9223372036854775807", "4611686018427387904", "0", "-64"] {
            spec["input"] = [Int(side)!, 21]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
            var legacy = try SafeTensors.decode(try replacingMetadata(checkpoint, "input_height", side), path: "seed")
            legacy.metadata["architecture"] = nil
            for bytes in [try replacingMetadata(checkpoint, "architecture", text),
                          SafeTensors.encode(legacy.tensors, metadata: legacy.metadata)] {
                XCTAssertThrowsError(try ModelCheckpoint.decode(bytes, path: "evil.safetensors")) { e in
                    XCTAssertTrue(e is SafeTensorsError && "\(e)".hasPrefix("evil.safetensors:"), "\(e)")
                }
            }
        }
        // A batch count no float holds (converted back to Int when the network is built).
        for count in ["9223372036854775807", "-1"] {
            let bytes = try replacingMetadata(checkpoint, "num_batches_tracked", count)
            XCTAssertThrowsError(try ModelCheckpoint.decode(bytes, path: "evil.safetensors")) { e in
                XCTAssertTrue("\(e)".contains("bn1.num_batches_tracked"), "\(e)")
            }
        }
        // Training state: an all-zero generator state, and Adam moments that are not float32.
        let state = try Self.trainingStateSeed()
        XCTAssertThrowsError(try TrainingState.decode(try replacingMetadata(state, "rng", "0,0,0,0"), path: "evil.safetensors")) {
            XCTAssertTrue("\($0)".contains("generator state"), "\($0)")
        }
        var (tensors, metadata) = try SafeTensors.decode(state, path: "seed")
        let i = try XCTUnwrap(tensors.firstIndex { $0.name == "adam.m.conv1.bias" })
        tensors[i] = SafeTensor(name: tensors[i].name, shape: tensors[i].shape, int64s: Array(repeating: 1, count: tensors[i].shape.reduce(1, *)))
        XCTAssertThrowsError(try TrainingState.decode(SafeTensors.encode(tensors, metadata: metadata), path: "evil.safetensors")) {
            XCTAssertTrue("\($0)".contains("adam.m.conv1.bias is I64"), "\($0)")
        }
        // Manifest rows outside the array, and a manifest naming a path outside its folder.
        var manifest = try JSONSerialization.jsonObject(with: Data(try Self.manifestSeeds()[0])) as! [String: Any]
        var tracks = manifest["tracks"] as! [[String: Any]]
        tracks[2]["firstRow"] = 9
        manifest["tracks"] = tracks
        let m = try FeatureManifest.decode(try JSONSerialization.data(withJSONObject: manifest), path: "manifest.json")
        XCTAssertThrowsError(try m.checkRows(arrayRows: 10, path: "manifest.json")) { XCTAssertTrue("\($0)".contains("metal/c.wav"), "\($0)") }
        manifest["array"] = "features-../../../etc/passwd.npy"
        XCTAssertThrowsError(try FeatureManifest.decode(try JSONSerialization.data(withJSONObject: manifest), path: "manifest.json"))
    }
}

/// A parse that returned but broke its own invariants: always a test failure (it is not a typed error).
enum ParseInvariant: Error { case broken(String) }

/// An `AudioDecodeError` with the fuzz file's path replaced by the fixed source name.
struct FuzzAudioError: Error, CustomStringConvertible {
    var underlying: AudioDecodeError
    var text: String
    var description: String { text }
}
