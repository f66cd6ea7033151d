import Foundation
import Model
import Training
import XCTest

/// Two-class toy clips of `mels × frames`: class 1 (odd indices) has its first 8 rows raised by 2, so a few steps
/// separate them; the values are drawn from `seed`.
func separableClips(count: Int, seed: UInt64, mels: Int = 16, frames: Int = 21) -> LabeledClips {
    var rng = RandomGenerator(seed: seed)
    var x: [Float] = [], y: [Int] = []
    for i in 0..<count {
        for r in 0..<mels { for _ in 0..<frames { x.append(rng.uniform(-1, 1) + (i % 2 == 1 && r < 8 ? 2 : 0)) } }
        y.append(i % 2)
    }
    return LabeledClips(features: x, labels: y, clipLength: mels * frames)
}

extension XCTestCase {
    /// A new empty folder `gcnn-<prefix>-<uuid>` under the temporary directory, removed after the test.
    func temporaryFolder(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
