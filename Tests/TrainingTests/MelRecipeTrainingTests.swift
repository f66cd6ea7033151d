import Audio
import Foundation
import Model
@testable import Training
import XCTest

/// The mel recipe through a run: config.json and the checkpoint record it, `predict`/`evaluate` read it back,
/// and run folders from before recipes resume as librosa runs.
final class MelRecipeTrainingTests: XCTestCase {
    private func tempDir() throws -> URL { try temporaryFolder("recipe") }

    private func clips(count: Int, seed: UInt64) -> LabeledClips { separableClips(count: count, seed: seed) }

    private let network = NetworkConfig(architecture: .paperVariant(inputHeight: 16, inputWidth: 21, filters: 2), maxBatch: 4, seed: 3)

    private func job(out: URL, epochs: Int, features: [String: String], resume: Bool = false) -> TrainingJob {
        TrainingJob(task: "toy", labels: ["a", "b"], data: "toy", dataHash: "0", train: clips(count: 8, seed: 1),
                    validation: clips(count: 4, seed: 2), split: .stratified, valFraction: 0.3, seed: 3, epochs: epochs,
                    network: network, features: features, out: out, resume: resume)
    }

    private static func recorded(_ recipe: MelRecipe) -> [String: String] {
        var p = FeatureParameters.paper
        p.melRecipe = recipe
        return TrainingSession.recorded(p)
    }

    func testRunRecordsTheRecipeInConfigAndCheckpoint() throws {
        let out = try tempDir().appendingPathComponent("run")
        _ = try TrainingRun.run(job(out: out, epochs: 1, features: Self.recorded(.seed)), backend: ReferenceBackend(), device: "cpu")
        let config = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: out.appendingPathComponent("config.json")))
        XCTAssertEqual(config.features["melRecipe"], "seed")
        let model = out.appendingPathComponent("model.safetensors")
        let checkpoint = try ModelCheckpoint.read(model)
        XCTAssertEqual(checkpoint.metadata[MelRecipe.metadataKey], "seed")

        var notices: [String] = []
        let trained = try FeatureParameters.trained(checkpoint, path: model.path, notice: { notices.append($0) })
        XCTAssertEqual(trained.melRecipe, .seed)
        XCTAssertEqual(notices, [])
        let same = try FeatureParameters.trained(checkpoint, path: model.path, recipe: .seed, notice: { notices.append($0) })
        XCTAssertEqual(same.melRecipe, .seed)
        XCTAssertEqual(notices, [])
        let overridden = try FeatureParameters.trained(checkpoint, path: model.path, recipe: .librosa, notice: { notices.append($0) })
        XCTAssertEqual(overridden.melRecipe, .librosa)
        XCTAssertEqual(notices.count, 1)
        XCTAssertTrue(notices[0].contains("trained on the seed mel recipe") && notices[0].contains("librosa"), notices[0])
    }

    /// A checkpoint without the key (written before recipes) is librosa's; an unknown value is one line naming
    /// the file, unless --mel-recipe chooses.
    func testOldAndUnknownCheckpointRecipes() throws {
        let dir = try tempDir()
        var rng = RandomGenerator(seed: 1)
        let parameters = try Network<ReferenceBackend>.initialParameters(config: network, rng: &rng)
        let old = dir.appendingPathComponent("old.safetensors"), odd = dir.appendingPathComponent("odd.safetensors")
        try ModelCheckpoint.write(parameters, config: network, labels: ["a", "b"], to: old)
        try ModelCheckpoint.write(parameters, config: network, labels: ["a", "b"], extraMetadata: [MelRecipe.metadataKey: "htk"], to: odd)
        XCTAssertEqual(try FeatureParameters.trained(ModelCheckpoint.read(old), path: old.path, notice: { _ in }).melRecipe, .librosa)
        let loaded = try ModelCheckpoint.read(odd)
        XCTAssertThrowsError(try FeatureParameters.trained(loaded, path: odd.path, notice: { _ in })) {
            XCTAssertEqual($0 as? MelRecipeError, .unknown(value: "htk", source: odd.path))
        }
        var notices: [String] = []
        XCTAssertEqual(try FeatureParameters.trained(loaded, path: odd.path, recipe: .seed, notice: { notices.append($0) }).melRecipe, .seed)
        XCTAssertTrue(notices.first?.contains("unknown mel recipe") == true, "\(notices)")
    }

    /// A run folder from before recipes (no `melRecipe` in config.json's features) resumes as a librosa run;
    /// resuming it with the seed recipe is refused, naming the recipes.
    func testFolderWithoutRecipeResumesAsLibrosaAndRefusesSeed() throws {
        let out = try tempDir().appendingPathComponent("run")
        var old = Self.recorded(.librosa)
        old["melRecipe"] = nil
        _ = try TrainingRun.run(job(out: out, epochs: 1, features: old), backend: ReferenceBackend(), device: "cpu")
        let written = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: out.appendingPathComponent("config.json")))
        XCTAssertNil(written.features["melRecipe"])
        XCTAssertThrowsError(try TrainingRun.run(job(out: out, epochs: 2, features: Self.recorded(.seed), resume: true),
                                                 backend: ReferenceBackend(), device: "cpu")) {
            XCTAssertEqual($0 as? RunFolderError, .configMismatch(path: out.path, settings: ["features (mel recipe 'librosa', now 'seed')"]))
        }
        let resumed = try TrainingRun.run(job(out: out, epochs: 2, features: Self.recorded(.librosa), resume: true),
                                          backend: ReferenceBackend(), device: "cpu")
        XCTAssertEqual(resumed.history.count, 2)
        XCTAssertEqual(try ModelCheckpoint.read(out.appendingPathComponent("model.safetensors")).metadata[MelRecipe.metadataKey], "librosa")
    }

    /// `Prediction` feeds audio the recipe the checkpoint records, or `--mel-recipe`'s: its probabilities equal
    /// those of the same clips' features of that recipe given as `.npy`, and the two recipes' differ. The model
    /// (flatten → dense on 64×44 clips, Glorot-initialised weights scaled by 1e-3) keeps its logits where they do.
    func testPredictionFeedsTheRecordedRecipe() throws {
        let dir = try tempDir()
        let tiny = try Architecture.parse(#"{"name": "tiny", "input": [64, 44], "layers": [{"type": "flatten"}, {"type": "dense"}]}"#,
                                          source: "tiny")
        let config = NetworkConfig(architecture: tiny, maxBatch: 4, seed: 5)
        var rng = RandomGenerator(seed: 5)
        let initial = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
        let parameters = ParameterSet(initial.tensors.map { t in
            NamedTensor(name: t.name, shape: t.shape, values: t.values.map { $0 * 1e-3 }, storage: t.storage)
        })
        let model = dir.appendingPathComponent("model.safetensors")
        try ModelCheckpoint.write(parameters, config: config, labels: ["metal", "jazz"],
                                  extraMetadata: ["clip_seconds": "0.5", "clips_per_track": "4", MelRecipe.metadataKey: "seed"], to: model)
        let wav = dir.appendingPathComponent("a.wav").path
        let x = (0..<(3 * 22_050)).map { i -> Float in
            let t = Float(i) / 22_050
            return 0.3 * sinf(2 * .pi * 220 * t) * (0.5 + 0.5 * sinf(2 * .pi * 3 * t)) + 0.05 * sinf(2 * .pi * 3_100 * t)
        }
        try AudioFileWriter.write(x, sampleRate: 22_050, channels: 1, format: .wavFloat, to: wav)
        var clips: [MelRecipe: [[Double]]] = [:]
        for recipe in MelRecipe.allCases {
            var p = FeatureParameters.paper
            p.clipSeconds = 0.5
            p.clipsPerTrack = 4
            p.melRecipe = recipe
            let npy = dir.appendingPathComponent("\(recipe).npy").path
            try FeatureExport.clips(file: wav, parameters: p).write(to: npy)
            clips[recipe] = try Prediction.run(model: model, files: [npy], device: .cpu, notice: { _ in })[0].clips
        }
        XCTAssertEqual(clips[.seed]?.count, 4)
        XCTAssertNotEqual(clips[.seed], clips[.librosa], "the two recipes must give different probabilities here")
        for row in clips[.seed]! + clips[.librosa]! { XCTAssertTrue(row.allSatisfy { $0 > 1e-6 && $0 < 1 - 1e-6 }, "\(row)") }
        var notices: [String] = []
        XCTAssertEqual(try Prediction.run(model: model, files: [wav], device: .cpu, notice: { notices.append($0) })[0].clips, clips[.seed])
        XCTAssertEqual(notices, [])
        XCTAssertEqual(try Prediction.run(model: model, files: [wav], device: .cpu, melRecipe: .librosa,
                                          notice: { notices.append($0) })[0].clips, clips[.librosa])
        XCTAssertEqual(notices.count, 1)
    }
}
