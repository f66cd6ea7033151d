import Foundation
import Model
import XCTest

/// The data-augmentation ops (crops with a per-window top_db floor, SpecAugment masks, mixup) and the soft-target
/// loss: their meaning on the reference path, their parity on OpenCL, and the host draws behind them.
final class AugmentationOpsTests: XCTestCase {
    private let reference = ReferenceBackend()

    func testCropWindowsCopiesTheWindowAndFloorsItAtItsOwnPeak() throws {
        // Two tracks of 3 mels × 10 frames (row stride 10); windows of 3 × 4.
        let source: [Float] = (0..<60).map { Float($0 % 17) - 20 }
        let src = try reference.makeBuffer(source, label: "tracks")
        let starts = try reference.makeIndexBuffer([2, 30 + 5], label: "starts")
        let order = try reference.makeIndexBuffer([9, 1, 0], label: "order")
        let out = try reference.makeBuffer(count: 24, label: "out")
        let topDB: Float = 5
        try reference.cropWindows(source: src, rowStride: 10, starts: starts, indices: order, indexOffset: 1, rows: 2,
                                  mels: 3, frames: 4, topDB: topDB, into: out)
        let values = try reference.read(out, offset: 0, count: 24)
        for (r, start) in [35, 2].enumerated() {
            let window = (0..<3).flatMap { m in (0..<4).map { t in source[start + m * 10 + t] } }
            let floor = window.max()! - topDB
            XCTAssertEqual(Array(values[(r * 12)..<((r + 1) * 12)]), window.map { max($0, floor) }, "row \(r)")
            XCTAssertTrue(window.contains { $0 < floor }, "the floor must clamp something in row \(r)")
        }
        // No floor: the window itself.
        try reference.cropWindows(source: src, rowStride: 10, starts: starts, indices: order, indexOffset: 2, rows: 1,
                                  mels: 3, frames: 4, topDB: .infinity, into: out)
        XCTAssertEqual(try reference.read(out, offset: 0, count: 12), (0..<3).flatMap { m in (0..<4).map { source[2 + m * 10 + $0] } })
    }

    func testMasksSetTheirBandsAndFramesToTheClipMean() throws {
        let (mels, frames) = (4, 6)
        let x: [Float] = (0..<(2 * mels * frames)).map { Float(($0 * 7) % 11) }
        let data = try reference.makeBuffer(x, label: "batch")
        // Slot 1: band mask at 1 (2 bands), time masks at 4 (5 frames: clipped to the end) and an empty one.
        let masks = try reference.makeIndexBuffer([0, 0, 0, 0, 0, 0, /* slot 1 */ 1, 2, 4, 5, 2, 0], label: "masks")
        let order = try reference.makeIndexBuffer([1, 0], label: "order")
        let means = try reference.makeBuffer(count: 2, label: "means")
        try reference.maskSpectrograms(data, rows: 2, mels: mels, frames: frames, masks: masks, indices: order, indexOffset: 0,
                                       frequencyMasks: 1, timeMasks: 2, rowMeans: means)
        let y = try reference.read(data, offset: 0, count: x.count), m = try reference.read(means, offset: 0, count: 2)
        let mean0 = Float(x[0..<24].reduce(0.0) { $0 + Double($1) } / 24)
        XCTAssertEqual(m[0], mean0)
        for band in 0..<mels {
            for t in 0..<frames {
                let i = band * frames + t
                let masked = (1...2).contains(band) || t >= 4
                XCTAssertEqual(y[i], masked ? mean0 : x[i], "row 0 band \(band) frame \(t)")
                XCTAssertEqual(y[24 + i], x[24 + i], "row 1 (slot 0: empty masks) is unchanged")
            }
        }
    }

    /// Mixup's targets: BCE is linear in its target, so BCE against λy_a + (1−λ)y_b is λ·BCE(y_a) + (1−λ)·BCE(y_b),
    /// Zhang et al.'s mixed loss; CE against the mixed one-hot likewise, through the soft-target op.
    func testMixedTargetsGiveZhangsMixedLoss() throws {
        let rows = 4, classes = 3
        let logits: [Float] = [0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 5.0, -3.0, 1.1, -0.2, 0.0, 0.9]
        let labels: [Float] = [2, 0, 1, 0]
        let partners: [Int32] = [1, 3, 0, 2], lambda: Float = 0.3
        let x = try reference.makeBuffer((0..<(rows * 5)).map { Float($0) }, label: "x")
        let y = try reference.makeBuffer(labels, label: "y")
        let p = try reference.makeIndexBuffer(partners, label: "partners")
        let l = try reference.makeBuffer([lambda], label: "lambda")
        let mixed = try reference.makeBuffer(count: rows * 5, label: "mixed")
        let targets = try reference.makeBuffer(count: rows * classes, label: "targets")
        try reference.mixBatch(input: x, labels: y, rows: rows, rowLength: 5, classes: classes, partners: p, partnerOffset: 0,
                               lambdas: l, lambdaIndex: 0, output: mixed, targets: targets)
        let mx = try reference.read(mixed, offset: 0, count: rows * 5)
        for r in 0..<rows {
            for j in 0..<5 {
                XCTAssertEqual(mx[r * 5 + j], lambda * Float(r * 5 + j) + (1 - lambda) * Float(Int(partners[r]) * 5 + j), accuracy: 1e-5)
            }
        }
        // Soft CE against the mixed one-hots = λ·CE(a) + (1−λ)·CE(b) with the class-index op.
        let z = try reference.makeBuffer(logits, label: "logits")
        let g = try reference.makeBuffer(count: rows * classes, label: "g")
        let losses = try reference.makeBuffer(count: rows, label: "losses"), probabilities = try reference.makeBuffer(count: rows * classes, label: "p")
        try reference.softmaxCrossEntropySoft(logits: z, targets: targets, batch: rows, classes: classes, gradLogits: g,
                                              losses: losses, probabilities: probabilities, resultOffset: 0)
        let soft = try reference.read(losses, offset: 0, count: rows), softGrad = try reference.read(g, offset: 0, count: rows * classes)
        func hard(_ labels: [Float]) throws -> (loss: [Float], grad: [Float]) {
            let yb = try reference.makeBuffer(labels, label: "labels")
            try reference.softmaxCrossEntropy(logits: z, labels: yb, batch: rows, classes: classes, gradLogits: g,
                                              losses: losses, probabilities: probabilities, resultOffset: 0)
            return (try reference.read(losses, offset: 0, count: rows), try reference.read(g, offset: 0, count: rows * classes))
        }
        let a = try hard(labels), b = try hard(partners.map { labels[Int($0)] })
        for r in 0..<rows {
            XCTAssertEqual(soft[r], lambda * a.loss[r] + (1 - lambda) * b.loss[r], accuracy: 1e-5, "CE row \(r)")
            for c in 0..<classes {
                let i = r * classes + c
                XCTAssertEqual(softGrad[i], lambda * a.grad[i] + (1 - lambda) * b.grad[i], accuracy: 1e-6, "CE gradient \(i)")
            }
        }
        // Sigmoid: mixed 0/1 targets through the existing BCE op.
        let binary: [Float] = [1, 0, 0, 1]
        let yb = try reference.makeBuffer(binary, label: "binary")
        let t1 = try reference.makeBuffer(count: rows, label: "binary targets")
        try reference.mixBatch(input: x, labels: yb, rows: rows, rowLength: 5, classes: 1, partners: p, partnerOffset: 0,
                               lambdas: l, lambdaIndex: 0, output: mixed, targets: t1)
        let z1 = try reference.makeBuffer(Array(logits[0..<rows]), label: "logits1")
        func bce(_ t: ReferenceBuffer) throws -> [Float] {
            try reference.sigmoidBinaryCrossEntropy(logits: z1, labels: t, batch: rows, gradLogits: g, losses: losses,
                                                    probabilities: probabilities, resultOffset: 0)
            return try reference.read(losses, offset: 0, count: rows)
        }
        let mixedLoss = try bce(t1), la = try bce(yb)
        let lb = try bce(try reference.makeBuffer(partners.map { binary[Int($0)] }, label: "partner labels"))
        XCTAssertEqual(try reference.read(t1, offset: 0, count: rows), (0..<rows).map { lambda * binary[$0] + (1 - lambda) * binary[Int(partners[$0])] })
        for r in 0..<rows { XCTAssertEqual(mixedLoss[r], lambda * la[r] + (1 - lambda) * lb[r], accuracy: 1e-5, "BCE row \(r)") }
    }

    /// Every augmentation check case on OpenCL against the reference (crops bit for bit; masks within the mean's sum
    /// error; mixup and the soft loss elementwise), deterministic run to run.
    func testAugmentationOpsOnOpenCLMatchTheReference() throws {
        let device = try OpenCLTestBackend.shared()
        let paper = try NetworkConfig(architecture: .paper, classes: 1, maxBatch: 4, seed: 0).resolved()
        let cases = BackendCheckCases.augmentation(architecture: paper, batch: 4) + [
            CropWindowsCase(tracks: 1, trackFrames: 5, rows: 1, mels: 1, frames: 5, topDB: 0, indexOffset: 0, seed: 300),
            MaskSpectrogramsCase(rows: 2, mels: 3, frames: 300, frequencyMasks: 3, timeMasks: 1, seed: 301),
            MixBatchCase(rows: 1, rowLength: 1, classes: 1, seed: 302),
            SoftTargetLossCase(batch: 3, classes: 2, resultOffset: 5, seed: 303),
        ]
        for testCase in cases {
            let row = try BackendCheck.run(testCase, device: device, reference: reference)
            XCTAssertLessThanOrEqual(row.maxRelError, row.tolerance, "\(row.op) [\(row.shape)]: max abs \(row.maxAbsError)")
            XCTAssertTrue(row.deterministic, "\(row.op) [\(row.shape)] differs between two runs")
            if testCase is CropWindowsCase { XCTAssertEqual(row.maxAbsError, 0, "\(row.shape): crops must be bitwise") }
        }
    }

    func testDrawsArePureFunctionsOfSeedEpochAndItem() {
        let a = AugmentationDraws(seed: 5, epoch: 2, stream: .crop, item: 9)
        XCTAssertEqual(a.word(0), AugmentationDraws(seed: 5, epoch: 2, stream: .crop, item: 9).word(0))
        for other in [AugmentationDraws(seed: 6, epoch: 2, stream: .crop, item: 9), AugmentationDraws(seed: 5, epoch: 3, stream: .crop, item: 9),
                      AugmentationDraws(seed: 5, epoch: 2, stream: .mixup, item: 9), AugmentationDraws(seed: 5, epoch: 2, stream: .crop, item: 8)] {
            XCTAssertNotEqual(a.word(0), other.word(0))
        }
        // The counter layout, spelled out against Philox itself.
        XCTAssertEqual(a.word(3), Philox4x32.block(counter: (9, 3, 2, 0xA0C0_0001), key: (5, 0)).0)
        var counts = [Int](repeating: 0, count: 7)
        for i in 0..<7000 { counts[AugmentationDraws(seed: 1, epoch: 1, stream: .crop, item: i).below(7, 0)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 1000) < 120 }, "\(counts)")
    }

    /// Beta(α, α) from the Gamma sampler: mean ½ and variance 1/(4(2α + 1)), for α below and above 1.
    func testMixupLambdasFollowBetaAlphaAlpha() {
        for alpha in [0.2, 0.4, 2.0] {
            let n = 20_000
            let samples = (0..<n).map { i -> Double in
                var d = AugmentationDrawSequence(AugmentationDraws(seed: 11, epoch: 1, stream: .mixup, item: i))
                return d.beta(alpha, alpha)
            }
            XCTAssertTrue(samples.allSatisfy { $0 >= 0 && $0 <= 1 })
            let mean = samples.reduce(0, +) / Double(n)
            let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let expected = 1 / (4 * (2 * alpha + 1))
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "α \(alpha)")
            XCTAssertEqual(variance, expected, accuracy: 0.04 * expected, "α \(alpha)")
        }
    }
}
