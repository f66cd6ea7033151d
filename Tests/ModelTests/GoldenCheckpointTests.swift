import CLRuntime
import Model
import XCTest

/// The paper network must not change by one bit: a short seeded run (initialisation from seed 7, three
/// training steps of batch 4 at 64×173, one inference pass) hashed over every checkpoint tensor (name,
/// dtype, shape and bytes of `model.safetensors`' tensors and of Adam's moments). The hashes were recorded
/// from `PaperCNN` before the network became a generic `Network` built from an `Architecture`. The
/// checkpoint's metadata is not hashed: it gains the architecture by design.
final class GoldenCheckpointTests: XCTestCase {
    /// FNV-1a 64 of the tensors' safetensors encoding without metadata.
    static func hash(_ sets: [ParameterSet]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for set in sets {
            for byte in SafeTensors.encode(ModelCheckpoint.tensors(set)) {
                h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        return h
    }

    struct Outcome {
        var hash: UInt64
        var losses: [Float]
        var probabilities: [Float]
    }

    static func run<B: Backend>(on backend: B) throws -> Outcome {
        let n = 4, steps = 3
        let config = NetworkConfig(maxBatch: n)
        var rng = RandomGenerator(seed: 7)
        let net = try Network(backend: backend, config: config,
                               parameters: try Network<B>.initialParameters(config: config, rng: &rng))
        var data = RandomGenerator(seed: 8)
        let input = try backend.makeBuffer(count: n * config.inputCount, label: "input")
        let labels = try backend.makeBuffer([0, 1, 1, 0], label: "labels")
        let losses = try backend.makeBuffer(count: (steps + 1) * n, label: "losses")
        let probabilities = try backend.makeBuffer(count: (steps + 1) * n, label: "probabilities")
        for step in 0...steps {
            try backend.write((0..<n * config.inputCount).map { _ in data.uniform(-80, 0) }, to: input, offset: 0)
            if step < steps {
                try net.trainStep(input: input, labels: labels, batch: n, losses: losses,
                                  probabilities: probabilities, resultOffset: step * n)
            } else {
                try net.evaluate(input: input, labels: labels, batch: n, losses: losses,
                                 probabilities: probabilities, resultOffset: step * n)
            }
        }
        let adam = try net.adamState()
        return Outcome(hash: hash([try net.parameters(), adam.m, adam.v]),
                       losses: try backend.read(losses, offset: 0, count: (steps + 1) * n),
                       probabilities: try backend.read(probabilities, offset: 0, count: (steps + 1) * n))
    }

    /// Recorded on the reference path (deterministic on any machine).
    static let referenceHash: UInt64 = 0x98ec_1a25_8fdc_9eb4
    /// Recorded on pocl's `pthread-haswell` device of the project's machines; other devices compare losses.
    static let openCLHash: UInt64 = 0x4211_7ab2_0f4b_0465
    static let openCLDevicePrefix = "pthread-haswell"
    static let openCLLosses: [Float] = [
        2.3271217, 0.1391968, 0.016652253, 2.320357, 5.630425e-20, 44.83512, 49.244743, 4.432133e-21,
        1.11445415e-10, 21.405191, 20.61837, 1.2803139e-10, 0.0077844914, 4.5307665, 5.2046027, 0.004840649,
    ]

    func testReferencePathIsBitwiseUnchanged() throws {
        let outcome = try Self.run(on: ReferenceBackend())
        print("golden reference hash 0x\(String(outcome.hash, radix: 16)) losses \(outcome.losses)")
        XCTAssertEqual(outcome.hash, Self.referenceHash, "paper network on the reference path changed")
    }

    func testOpenCLRunIsUnchanged() throws {
        let backend = try OpenCLTestBackend.shared()
        let outcome = try Self.run(on: backend)
        print("golden OpenCL (\(backend.deviceName)) hash 0x\(String(outcome.hash, radix: 16)) losses \(outcome.losses)")
        if backend.deviceName.hasPrefix(Self.openCLDevicePrefix) {
            XCTAssertEqual(outcome.hash, Self.openCLHash, "paper network on \(backend.deviceName) changed")
        }
        XCTAssertEqual(outcome.losses.count, Self.openCLLosses.count)
        for (a, b) in zip(outcome.losses, Self.openCLLosses) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)))
        }
    }
}
