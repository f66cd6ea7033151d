import Foundation
import XCTest

/// `gcnn train --random-crop --spec-augment --mixup` end to end on the tiny built-in corpus: the run folder records
/// the setting, `--resume` refuses another one, and bad values are one line naming the option.
final class AugmentationCLITests: XCTestCase {
    private let tiny = ["--synthetic-tracks", "3", "--clip-seconds", "0.5", "--clips-per-track", "4"]

    func testAugmentedRunIsRecordedAndResumeRefusesAnotherSetting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-cli-augment-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("run")
        let augment = ["--random-crop", "--spec-augment", "4,1,10,1", "--mixup", "0.2"]
        let r = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--epochs", "1", "--out", out.path] + tiny + augment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        let recorded = try XCTUnwrap(config["augmentation"] as? [String: Any], "\(config)")
        XCTAssertEqual(recorded["randomCrop"] as? Bool, true)
        XCTAssertEqual(recorded["mixupAlpha"] as? Double, 0.2)
        XCTAssertEqual((recorded["specAugment"] as? [String: Any])?["timeWidth"] as? Int, 10)
        let other = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--epochs", "2", "--out", out.path, "--resume",
                                        "--random-crop"] + tiny)
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("augmentation"), other.stderr)
    }

    func testBadValuesNameTheOption() throws {
        let spec = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--spec-augment", "8,2"])
        XCTAssertNotEqual(spec.status, 0)
        XCTAssertTrue(spec.stderr.contains("--spec-augment"), spec.stderr)
        let wide = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--spec-augment", "80,1,20,1"] + tiny)
        XCTAssertNotEqual(wide.status, 0)
        XCTAssertTrue(wide.stderr.contains("F = 80"), wide.stderr)
        let mixup = try GCNNBinary.run(["train", "--device", "cpu", "--task", "metal-jazz", "--mixup", "0"] + tiny)
        XCTAssertNotEqual(mixup.status, 0)
        XCTAssertTrue(mixup.stderr.contains("--mixup"), mixup.stderr)
    }
}
