import Model
import XCTest

/// `Network<ReferenceBackend>` against PyTorch, one training step (see `assertMatchesPyTorchFixture`).
final class PyTorchFixtureTests: XCTestCase {
    /// The paper's binary network, 4 log-mel clips of 64×173, sigmoid + BCE.
    func testPaperBinaryNetworkMatchesPyTorch() throws {
        let report = try assertMatchesPyTorchFixture(backend: ReferenceBackend(), fixture: "paper_binary")
        print(report.joined(separator: "\n"))
    }

    /// The 10-genre head on a small odd shape (25×34, 8 filters, batch 5), softmax + cross-entropy.
    func testSmallTenClassNetworkMatchesPyTorch() throws {
        let report = try assertMatchesPyTorchFixture(backend: ReferenceBackend(), fixture: "small_10class")
        print(report.joined(separator: "\n"))
    }
}
