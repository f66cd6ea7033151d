import Foundation
import Model
import XCTest

/// The JSON architecture format: presets, round trips, default names, shape inference of the paper network,
/// and the one-line error of every kind of bad input.
final class ArchitectureTests: XCTestCase {
    /// A file of `layers` (JSON objects, comma-separated) on 64×173 clips.
    private func spec(_ layers: String, input: String = "[64, 173]", extra: String = "") -> String {
        "{\"name\": \"t\", \"input\": \(input), \"layers\": [\(layers)]\(extra)}"
    }

    private let conv = #"{"type": "conv2d", "filters": 8, "kernel": 3}"#
    private let head = #"{"type": "dense"}"#

    /// The message `parse` throws for `text` from "bad.json" (fails the test when it parses).
    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let a = try Architecture.parse(text, source: "bad.json")
            XCTFail("parsed: \(a)", file: file, line: line)
            return ""
        } catch let e as ArchitectureError {
            let message = "\(e)"
            XCTAssertFalse(message.contains("\n"), "not one line: \(message)", file: file, line: line)
            XCTAssertTrue(message.hasPrefix("bad.json"), message, file: file, line: line)
            return message
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
            return ""
        }
    }

    // MARK: Presets and round trips

    func testPresetsParseAndRoundTrip() throws {
        XCTAssertEqual(Architecture.presetNames, ["paper", "fcn", "short-chunk"])
        for name in Architecture.presetNames {
            let a = try XCTUnwrap(Architecture.preset(named: name), name)
            XCTAssertEqual(a.name, name)
            XCTAssertEqual(try Architecture.parse(a.jsonText, source: "rt.json"), a, name)
            XCTAssertEqual(try Architecture.parse(a.jsonText, source: "rt.json").jsonText, a.jsonText, name)
            XCTAssertEqual(try Architecture.load(nameOrPath: name), a)
            XCTAssertNotNil(Architecture.presetSummary(named: name), name)
            // Every preset is built for 64×173 clips and reaches the head as features or 1×1 maps.
            XCTAssertEqual([a.inputHeight, a.inputWidth], [64, 173], name)
            let r = try a.resolved(classes: 10)
            XCTAssertEqual(r.layers.last?.output, .features(10), name)
            XCTAssertEqual(Set(r.tensors.map(\.name)).count, r.tensors.count, "\(name): tensor names must be unique")
        }
        XCTAssertNil(Architecture.preset(named: "vgg"))
    }

    func testPaperPresetIsTheSeedNetwork() throws {
        let expected = Architecture(name: "paper", inputHeight: 64, inputWidth: 173, layers: [
            .conv2d(Conv2DLayerSpec(name: "conv1", filters: 64, kernelH: 5, kernelW: 5, padding: .valid, relu: true)),
            .batchnorm(BatchNormLayerSpec(name: "bn1", momentum: 0.99, epsilon: 1e-3)),
            .maxpool(PoolWindow(size: 2)),
            .conv2d(Conv2DLayerSpec(name: "conv2", filters: 64, kernelH: 5, kernelW: 5, padding: .valid, relu: true)),
            .maxpool(PoolWindow(size: 2)),
            .dense(DenseLayerSpec(name: "fc", units: nil)),
        ])
        XCTAssertEqual(Architecture.paper, expected)
    }

    func testPaperShapesParametersAndTensors() throws {
        let r = try Architecture.paper.resolved(classes: 1)
        XCTAssertEqual(r.layers.map(\.output), [.maps(c: 64, h: 60, w: 169), .maps(c: 64, h: 60, w: 169), .maps(c: 64, h: 30, w: 84),
                                                .maps(c: 64, h: 26, w: 80), .maps(c: 64, h: 13, w: 40), .features(1)])
        XCTAssertEqual(r.layers[5].input.count, 33_280)
        // conv1 1 664 + bn1 128 + conv2 102 464 + fc 33 281 (bn1's running statistics are buffers, not parameters).
        XCTAssertEqual(r.layers.map(\.parameterCount), [1_664, 128, 0, 102_464, 0, 33_281])
        XCTAssertEqual(r.parameterCount, 137_537)
        XCTAssertEqual(r.tensors.map(\.name), ["conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean",
                                               "bn1.running_var", "bn1.num_batches_tracked", "conv2.weight", "conv2.bias",
                                               "fc.weight", "fc.bias"])
        XCTAssertEqual(r.tensors.first { $0.name == "conv2.weight" }?.shape, [64, 64, 5, 5])
        XCTAssertEqual(r.tensors.first { $0.name == "fc.weight" }?.shape, [1, 33_280])
        XCTAssertEqual(try Architecture.paper.resolved(classes: 10).parameterCount, 137_537 - 33_281 + 332_810)
        XCTAssertEqual(r.forwardFLOPs, 461_356_800)
    }

    func testCanonicalTextFillsEveryDefault() throws {
        let a = try Architecture.parse(spec(conv + #", {"type": "batchnorm"}, {"type": "maxpool", "size": [2, 3]}, "#
                                            + #"{"type": "dropout", "rate": 0.25}, "# + head), source: "x.json")
        XCTAssertEqual(a.jsonText, """
            {"name": "t", "input": [64, 173],
             "layers": [
              {"type": "conv2d", "name": "conv1", "filters": 8, "kernel": 3, "padding": "valid"},
              {"type": "batchnorm", "name": "bn1", "momentum": 0.99, "epsilon": 0.001},
              {"type": "maxpool", "size": [2, 3], "stride": [2, 3]},
              {"type": "dropout", "rate": 0.25},
              {"type": "dense", "name": "fc1"}]}

            """)
        // Without "name" the architecture is named after the file.
        XCTAssertEqual(try Architecture.parse(#"{"input": [8, 8], "layers": [{"type": "dense"}]}"#, source: "/a/b/tiny.json").name, "tiny")
    }

    func testFloatsRoundTripThroughTheirShortestText() throws {
        var rng = RandomGenerator(seed: 0xF10A7)
        for round in 0..<10 {
            var layers: [LayerSpec] = []
            for i in 0..<400 {
                let momentum = Float(bitPattern: UInt32.random(in: 0...Float(1).bitPattern, using: &rng))
                let epsilon = Float(bitPattern: UInt32.random(in: 1...Float(1).bitPattern, using: &rng))
                layers.append(.batchnorm(BatchNormLayerSpec(name: "bn\(i)", momentum: momentum, epsilon: epsilon)))
                layers.append(.dropout(rate: Float(bitPattern: UInt32.random(in: 0..<Float(1).bitPattern, using: &rng))))
            }
            let a = Architecture(name: "floats", inputHeight: 2, inputWidth: 2, layers: layers + [.dense(DenseLayerSpec(name: "fc", units: nil))])
            XCTAssertEqual(try Architecture.parse(a.jsonText, source: "floats.json"), a, "round \(round)")
        }
    }

    func testDefaultNamesCountEveryLayerOfTheirKind() throws {
        let a = try Architecture.parse(spec(conv + #", {"type": "conv2d", "name": "mine", "filters": 4, "kernel": 1}, "# + conv
                                            + #", {"type": "batchnorm"}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "relu"}, "#
                                            + #"{"type": "batchnorm", "name": "layer1.bn"}, {"type": "batchnorm"}, "# + head), source: "x.json")
        XCTAssertEqual(a.layers.compactMap(\.name), ["conv1", "mine", "conv3", "bn1", "fc1", "layer1.bn", "bn3", "fc2"])
        // A given name that takes a later default is refused by the duplicate check, naming the layer.
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "name": "conv2", "filters": 4, "kernel": 1}, "# + conv + ", " + head)),
                       "bad.json: layer 2 (conv2d conv2 3×3×8 valid): the name 'conv2' is used twice; give each layer its own name")
    }

    // MARK: Bad input, one line each

    func testNotJSON() {
        XCTAssertEqual(error("{\"input\": [64, 173],\n \"layers\": [}"),
                       "bad.json: not JSON: invalid value around line 2, column 13; check the brackets, commas and quotes there")
        XCTAssertEqual(error(""), "bad.json: not JSON: the file is empty; see docs/architectures.md for the format")
        XCTAssertTrue(error("{\"input\": [64, 173], \"layers\": [\(head)]").hasPrefix("bad.json: not JSON: "))
        XCTAssertTrue(error("\u{FF}\u{FE}").hasPrefix("bad.json: not JSON: "))
        XCTAssertEqual(error("[1, 2]"), #"bad.json: the top level must be an object {"name": …, "input": [mel bands, frames], "layers": […]}, not an array of 2"#)
    }

    func testTopLevelKeysAndValues() {
        XCTAssertEqual(error(spec(head, extra: #", "optimizer": "adam""#)),
                       #"bad.json: unknown key "optimizer" at the top level; the valid keys are name, input, layers"#)
        XCTAssertEqual(error(#"{"layers": [{"type": "dense"}]}"#),
                       #"bad.json: missing "input"; add "input": [mel bands, frames], e.g. [64, 173]"#)
        XCTAssertEqual(error(#"{"input": [64, 173]}"#),
                       #"bad.json: missing "layers"; add "layers": [ … ] ending with {"type": "dense"}"#)
        XCTAssertEqual(error(spec(head, input: "64")),
                       #"bad.json: "input" must be [mel bands, frames], e.g. [64, 173], not 64"#)
        XCTAssertEqual(error(spec(head, input: "[64, 100000]")), #"bad.json: "input" frames 100000 is outside 1…65536"#)
        XCTAssertEqual(error(spec(head, input: "[64.5, 173]")), #"bad.json: "input" mel bands must be an integer, not 64.5"#)
        XCTAssertEqual(error(spec(head, input: "[0, 173]")), #"bad.json: "input" mel bands 0 is outside 1…65536"#)
        XCTAssertEqual(error(spec("")), #"bad.json: "layers" is empty; give at least the head {"type": "dense"}"#)
        XCTAssertEqual(error(#"{"input": [8, 8], "layers": {"type": "dense"}}"#),
                       #"bad.json: "layers" must be an array of layer objects, not an object"#)
        XCTAssertEqual(error(#"{"name": 5, "input": [8, 8], "layers": [{"type": "dense"}]}"#), #"bad.json: "name" must be a string, not 5"#)
        // Input too large for one clip, although each side is allowed.
        XCTAssertEqual(error(spec(head, input: "[65536, 65536]")),
                       "bad.json: input 65536×65536 is too large: at most 65536 per side and 268435456 values")
    }

    func testLayerTypesAndKeys() {
        XCTAssertEqual(error(spec(conv + #", {"type": "conv3d"}, "# + head)),
                       #"bad.json: layer 2 ("conv3d"): unknown layer type "conv3d"; use one of conv2d, batchnorm, relu, maxpool, avgpool, globalmaxpool, globalavgpool, dropout, flatten, dense"#)
        XCTAssertEqual(error(spec(#"{"filters": 8}, "# + head)),
                       "bad.json: layer 1: missing \"type\"; use one of \(Architecture.layerTypes.joined(separator: ", "))")
        XCTAssertEqual(error(spec(#"{"type": 3}, "# + head)),
                       "bad.json: layer 1: \"type\" must be a string (one of \(Architecture.layerTypes.joined(separator: ", "))), not 3")
        XCTAssertEqual(error(spec(#""relu", "# + head)), #"bad.json: layer 1: a layer must be an object such as {"type": "relu"}, not the string "relu""#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": 3, "strides": 2}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): unknown key "strides" for conv2d; the valid keys are type, name, filters, kernel, padding, activation"#)
        XCTAssertEqual(error(spec(conv + #", {"type": "relu", "name": "act"}, "# + head)),
                       #"bad.json: layer 2 (relu): unknown key "name" for relu (only conv2d, batchnorm and dense layers take a name); the valid keys are type"#)
        XCTAssertEqual(error(spec(#"{"type": "maxpool", "size": 2, "padding": "same"}, "# + head)),
                       #"bad.json: layer 1 (maxpool): unknown key "padding" for maxpool; the valid keys are type, size, stride"#)
    }

    func testWrongValueTypes() {
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": "64", "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" must be an integer, not the string "64""#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": true, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" must be an integer, not true"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": null}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "kernel" must be an integer or [height, width], not null"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": [3, 3, 3]}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "kernel" must be an integer or [height, width], not an array of 3"#)
        XCTAssertEqual(error(spec(#"{"type": "batchnorm", "momentum": "0.9"}, "# + head)),
                       #"bad.json: layer 1 (batchnorm bn1): "momentum" must be a number, not the string "0.9""#)
        XCTAssertEqual(error(spec(#"{"type": "dense", "name": 7}"#)), #"bad.json: layer 1 (dense): "name" must be a string, not 7"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "name": "conv 1", "filters": 8, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d): "name" "conv 1" is not a tensor-name prefix; use up to 64 letters, digits and "_", not starting with a digit, with "." between parts (e.g. "conv1" or "layer1.conv")"#)
        XCTAssertTrue(error(spec(#"{"type": "dense", "name": "a..b"}"#)).contains("is not a tensor-name prefix"))
    }

    func testBadValues() {
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": 9}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "kernel" 9 is outside 1…7; use a kernel of 1 to 7 per side"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": [3, 9]}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "kernel" width 9 is outside 1…7; use a kernel of 1 to 7 per side"#)
        XCTAssertEqual(error(spec(conv + #", {"type": "dropout", "rate": 1.5}, "# + head)),
                       #"bad.json: layer 2 (dropout): "rate" 1.5 must be in [0, 1) (the share of inputs dropped while training), e.g. 0.5"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": 3, "padding": "full"}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "padding" "full" is not supported; use "valid" (no padding, the default) or "same" (output as large as the input)"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8, "kernel": 3, "activation": "tanh"}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "activation" "tanh" is not supported; use "relu" or leave "activation" out"#)
        XCTAssertEqual(error(spec(#"{"type": "dense", "units": 4, "activation": null}, "# + head)),
                       #"bad.json: layer 1 (dense fc1): "activation" null is not supported; use "relu" or leave "activation" out"#)
        XCTAssertEqual(error(spec(#"{"type": "batchnorm", "momentum": 2}, "# + head)),
                       #"bad.json: layer 1 (batchnorm bn1): "momentum" 2 must be in [0, 1] (Keras' sense: the share of the running statistics kept each step; default 0.99)"#)
        XCTAssertEqual(error(spec(#"{"type": "batchnorm", "epsilon": 0}, "# + head)),
                       #"bad.json: layer 1 (batchnorm bn1): "epsilon" 0 must be in (0, 1] as a float (default 0.001)"#)
        XCTAssertEqual(error(spec(#"{"type": "batchnorm", "epsilon": 1e-300}, "# + head)),
                       #"bad.json: layer 1 (batchnorm bn1): "epsilon" 1e-300 must be in (0, 1] as a float (default 0.001)"#)
        XCTAssertEqual(error(spec(#"{"type": "dropout", "rate": 0.9999999999}, "# + head)),
                       #"bad.json: layer 1 (dropout): "rate" 0.9999999999 must be in [0, 1) (the share of inputs dropped while training), e.g. 0.5"#)
    }

    func testMissingRequiredKeys() {
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): missing "filters"; add e.g. "filters": 64"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 8}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): missing "kernel"; add e.g. "kernel": 3"#)
        XCTAssertEqual(error(spec(conv + #", {"type": "dropout"}, "# + head)),
                       #"bad.json: layer 2 (dropout): missing "rate"; add e.g. "rate": 0.5"#)
        XCTAssertEqual(error(spec(conv + #", {"type": "avgpool", "stride": 2}, "# + head)),
                       #"bad.json: layer 2 (avgpool): missing "size"; add e.g. "size": 2"#)
    }

    func testIntegersAndBounds() {
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 64.5, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" must be an integer, not 64.5"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 70000, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" 70000 is outside 1…65536"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 0, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" 0 is outside 1…65536"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 9223372036854775808, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" 9.223372036854776e+18 is outside 1…65536"#)
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": -1e308, "kernel": 3}, "# + head)),
                       #"bad.json: layer 1 (conv2d conv1): "filters" -1e+308 is outside 1…65536"#)
        XCTAssertEqual(error(spec(#"{"type": "dense", "units": 65537}, "# + head)),
                       #"bad.json: layer 1 (dense fc1): "units" 65537 is outside 1…65536"#)
        XCTAssertEqual(error(spec(#"{"type": "maxpool", "size": 2, "stride": [1, 0]}, "# + head)),
                       #"bad.json: layer 1 (maxpool): "stride" width 0 is outside 1…65536; use 1 to 65536 per side"#)
        // Integral floats are integers.
        XCTAssertEqual(try Architecture.parse(spec(#"{"type": "conv2d", "filters": 8.0, "kernel": 3e0}, "# + head), source: "x.json").layers[0],
                       .conv2d(Conv2DLayerSpec(name: "conv1", filters: 8, kernelH: 3, kernelW: 3)))
    }

    func testShapeErrorsSurfaceAtLoadTime() {
        XCTAssertEqual(error(spec(#"{"type": "maxpool", "size": 8}, {"type": "maxpool", "size": 8}, {"type": "conv2d", "filters": 4, "kernel": 3}, "# + head)),
                       #"bad.json: layer 3 (conv2d conv1 3×3×4 valid): gets a 1×2 input, smaller than its 3×3 kernel; use "padding": "same", a smaller kernel, or fewer pooling layers before it"#)
        XCTAssertEqual(error(spec(conv + #", {"type": "dense", "units": 10}"#)),
                       #"bad.json: layer 2 (dense fc1 10): the last layer must be a dense layer without "units" (the task sets its outputs); add {"type": "dense"} at the end"#)
        XCTAssertEqual(error(spec(#"{"type": "dense"}, "# + head)),
                       #"bad.json: layer 1 (dense fc1 (head)): only the last layer may leave out "units"; give this dense layer "units""#)
        XCTAssertEqual(error(spec(#"{"type": "globalavgpool"}, "# + conv + ", " + head)),
                       "bad.json: layer 2 (conv2d conv1 3×3×8 valid): a convolution needs feature maps, but gets 1 features (after a dense, flatten or global pooling); move it before them")
        XCTAssertEqual(error(spec(#"{"type": "conv2d", "filters": 65536, "kernel": 3, "padding": "same"}, "# + head, input: "[2048, 2048]")),
                       "bad.json: layer 1 (conv2d conv1 3×3×65536 same): its output of 274877906944 values per clip is more than 268435456; use fewer filters, more pooling or a smaller input")
    }

    // MARK: load(nameOrPath:)

    func testLoadNamesTheArgument() throws {
        let presets = Architecture.presetNames.joined(separator: ", ")
        XCTAssertThrowsError(try Architecture.load(nameOrPath: "vgg")) {
            XCTAssertEqual("\($0)", "vgg: neither a preset (\(presets)) nor an architecture file; a file's name must end in .json")
        }
        XCTAssertThrowsError(try Architecture.load(nameOrPath: "/nonexistent/net.json")) {
            XCTAssertEqual("\($0)", "/nonexistent/net.json: no such file, and not a preset (\(presets)); give an existing .json file or a preset name")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-arch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder.json"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Architecture.load(nameOrPath: dir.appendingPathComponent("folder.json").path)) {
            XCTAssertTrue("\($0)".hasSuffix("folder.json: is a folder; give an architecture file (.json) or a preset (\(presets))"), "\($0)")
        }
        let file = dir.appendingPathComponent("net.json")
        try Architecture.paper.jsonText.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Architecture.load(nameOrPath: file.path), Architecture.paper)
        try spec(#"{"type": "conv2d", "filters": 8, "kernel": 9}, "# + head).write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Architecture.load(nameOrPath: file.path)) {
            XCTAssertEqual("\($0)", "\(file.path): layer 1 (conv2d conv1): \"kernel\" 9 is outside 1…7; use a kernel of 1 to 7 per side")
        }
    }

    func testLayerTable() throws {
        let lines = try Architecture.paper.resolved(classes: 1).tableLines()
        XCTAssertEqual(lines.count, 8)
        XCTAssertTrue(lines[1].hasPrefix("   1  conv2d conv1 5×5×64 valid relu"), lines[1])
        XCTAssertTrue(lines[1].contains("64×60×169") && lines[1].hasSuffix("1 664      33 096 960"), lines[1])
        XCTAssertTrue(lines[7].contains("total") && lines[7].hasSuffix("137 537     461 356 800"), lines[7])
        XCTAssertEqual(1_234_567.groupedDigits, "1 234 567")
        XCTAssertEqual((-1_000).groupedDigits, "-1 000")
        XCTAssertEqual(999.groupedDigits, "999")
    }
}
