import Model
import XCTest

/// `Network<OpenCLBackend>` against PyTorch, one training step: the same fixtures and tolerances as the
/// reference backend's `PyTorchFixtureTests` (see `assertMatchesPyTorchFixture`).
final class OpenCLPyTorchFixtureTests: XCTestCase {
    /// The paper's binary network, 4 log-mel clips of 64×173, sigmoid + BCE.
    func testPaperBinaryNetworkMatchesPyTorch() throws {
        let report = try assertMatchesPyTorchFixture(backend: OpenCLTestBackend.shared(), fixture: "paper_binary")
        print(report.joined(separator: "\n"))
    }

    /// The 10-genre head on a small odd shape (25×34, 8 filters, batch 5), softmax + cross-entropy.
    func testSmallTenClassNetworkMatchesPyTorch() throws {
        let report = try assertMatchesPyTorchFixture(backend: OpenCLTestBackend.shared(), fixture: "small_10class")
        print(report.joined(separator: "\n"))
    }
}
