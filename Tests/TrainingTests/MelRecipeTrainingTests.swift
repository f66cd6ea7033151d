import Audio
import Foundation
import Model
@testable import Training
import XCTest

/// The mel recipe through a run: config.json and the checkpoint record it, `predict`/`evaluate` read it back,
/// and run folders from before recipes resume as librosa runs.
final class MelRecipeTrainingTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func clips(count: Int, seed: UInt64) -> LabeledClips {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = [], y: [Int] = []
        for i in 0..<count {
            for r in 0..<16 { for _ in 0..<21 { x.append(rng.uniform(-1, 1) + (i % 2 == 1 && r < 8 ? 2 : 0)) } }
            y.append(i % 2)
        }
        return LabeledClips(features: x, labels: y, clipLength: 16 * 21)
    }

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
}
