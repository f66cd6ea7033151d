import Foundation
import Model
import XCTest

final class RandomGeneratorTests: XCTestCase {
    /// Known answers from the published C code of SplitMix64 and xoshiro256** (Vigna), compiled separately.
    func testMatchesThePublishedAlgorithms() {
        var zero = RandomGenerator(seed: 0)
        XCTAssertEqual(zero.state.words, [0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f, 0xf88bb8a8724c81ec])
        XCTAssertEqual((0..<4).map { _ in zero.next() },
                       [0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0, 0x6aa594f1262d2d2c])
        var fortyTwo = RandomGenerator(seed: 42)
        XCTAssertEqual((0..<4).map { _ in fortyTwo.next() },
                       [0x15780b2e0c2ec716, 0x6104d9866d113a7e, 0xae17533239e499a1, 0xecb8ad4703b360a1])
    }

    func testStateSnapshotResumesTheStreamThroughJSON() throws {
        var rng = RandomGenerator(seed: 123)
        for _ in 0..<17 { _ = rng.next() }
        let json = try JSONEncoder().encode(rng.state)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("xoshiro256**"))
        var resumed = RandomGenerator(state: try JSONDecoder().decode(RandomGenerator.State.self, from: json))
        for _ in 0..<100 { XCTAssertEqual(resumed.next(), rng.next()) }
        XCTAssertThrowsError(try JSONDecoder().decode(RandomGenerator.State.self,
                                                      from: Data(#"{"algorithm":"pcg","words":["1","2","3","4"]}"#.utf8)))
    }

    func testFloatsAndRangesStayInBounds() {
        var rng = RandomGenerator(seed: 7)
        var sum = 0.0
        for _ in 0..<20000 {
            let u = rng.nextFloat()
            XCTAssert(u >= 0 && u < 1)
            let d = rng.nextDouble()
            XCTAssert(d >= 0 && d < 1)
            let x = rng.uniform(-0.25, 0.75)
            XCTAssert(x >= -0.25 && x < 0.75)
            let k = rng.next(below: 7)
            XCTAssert(k >= 0 && k < 7)
            sum += Double(u)
        }
        XCTAssertEqual(sum / 20000, 0.5, accuracy: 0.01)
    }

    func testNormalHasUnitVariance() {
        var rng = RandomGenerator(seed: 8)
        let samples = (0..<40000).map { _ in rng.normal() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)   // standard error 0.005
        XCTAssertEqual(variance, 1, accuracy: 0.03)
    }

    func testShuffleIsASeededPermutation() {
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5), c = RandomGenerator(seed: 6)
        var x = Array(0..<50), y = Array(0..<50), z = Array(0..<50)
        a.shuffle(&x); b.shuffle(&y); c.shuffle(&z)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, z)
        XCTAssertNotEqual(x, Array(0..<50))
        XCTAssertEqual(x.sorted(), Array(0..<50))
        // Every position is reachable: over many shuffles of 4 elements, each of the 24 orders appears.
        var seen = Set<[Int]>()
        for _ in 0..<2000 { var p = [0, 1, 2, 3]; a.shuffle(&p); seen.insert(p) }
        XCTAssertEqual(seen.count, 24)
    }
}

final class InitializerAndParameterSetTests: XCTestCase {
    func testGlorotUniformUsesKerasFans() {
        var rng = RandomGenerator(seed: 1)
        let conv = Initializers.convWeight(outChannels: 64, inChannels: 1, kernel: 5, rng: &rng)
        let limit = Float((6.0 / Double(25 + 1600)).squareRoot())
        XCTAssertEqual(conv.count, 1600)
        XCTAssertTrue(conv.allSatisfy { $0 >= -limit && $0 < limit })
        XCTAssertGreaterThan(conv.map(abs).max()!, 0.99 * limit)
        let dense = Initializers.denseWeight(outFeatures: 1, inFeatures: 33280, rng: &rng)
        let denseLimit = Float((6.0 / 33281.0).squareRoot())
        XCTAssertTrue(dense.allSatisfy { $0 >= -denseLimit && $0 < denseLimit })
        XCTAssertGreaterThan(dense.map(abs).max()!, 0.999 * denseLimit)
    }

    func testInitialParametersHavePyTorchNamesShapesAndKerasValues() throws {
        var rng = RandomGenerator(seed: 3)
        let set = try Network<ReferenceBackend>.initialParameters(config: NetworkConfig.paper(), rng: &rng)
        XCTAssertEqual(set.names, ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                                   "bn1.num_batches_tracked", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"])
        XCTAssertEqual(set["conv1.weight"]?.shape, [64, 1, 5, 5])
        XCTAssertEqual(set["conv2.weight"]?.shape, [64, 64, 5, 5])
        XCTAssertEqual(set["fc.weight"]?.shape, [1, 33280])
        XCTAssertEqual(set["bn1.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(set["bn1.num_batches_tracked"]?.storage, .int64)
        XCTAssertEqual(set["bn1.weight"]?.values, [Float](repeating: 1, count: 64))
        XCTAssertEqual(set["bn1.running_var"]?.values, [Float](repeating: 1, count: 64))
        for name in ["conv1.bias", "bn1.bias", "bn1.running_mean", "conv2.bias", "fc.bias"] {
            XCTAssertTrue(set[name]!.values.allSatisfy { $0 == 0 }, name)
        }
        var again = RandomGenerator(seed: 3)
        XCTAssertEqual(try Network<ReferenceBackend>.initialParameters(config: NetworkConfig.paper(), rng: &again), set)
        var tenClass = NetworkConfig.paper()
        tenClass.classes = 10
        XCTAssertEqual(try Network<ReferenceBackend>.initialParameters(config: tenClass, rng: &rng)["fc.weight"]?.shape,
                       [10, 33280])
    }

    func testParameterSetErrorsNameTheTensor() {
        let set = ParameterSet([NamedTensor(name: "a", shape: [2], values: [1, 2])])
        XCTAssertThrowsError(try set.values(of: "b", shape: [2])) { error in
            XCTAssertEqual(error as? ParameterSetError, .missing(name: "b", available: ["a"]))
        }
        XCTAssertThrowsError(try set.values(of: "a", shape: [1, 2])) { error in
            XCTAssertEqual(error as? ParameterSetError, .shapeMismatch(name: "a", expected: [1, 2], found: [2]))
            XCTAssertTrue("\(error)".contains("'a'"))
        }
    }
}
