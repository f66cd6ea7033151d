import Foundation

// The JSON form of an `Architecture` (docs/architectures.md): strict parsing with one-line errors that name
// the file, the layer and the fix; the canonical text; presets embedded from `Data/*.json`; `load`.

extension Architecture {
    /// Every layer `type` of the JSON form, in the order the docs list them.
    public static let layerTypes = ["conv2d", "batchnorm", "relu", "maxpool", "avgpool", "globalmaxpool",
                                    "globalavgpool", "dropout", "flatten", "dense"]
    /// The keys of the top-level object.
    public static let topLevelKeys = ["name", "input", "layers"]
    /// Largest input side (mel bands or frames) a file may ask for.
    public static let maxInputSide = 65_536
    /// Largest `filters` of a convolution or `units` of a dense layer.
    public static let maxChannels = 65_536
    /// Largest pooling window or stride side.
    public static let maxPoolSide = 65_536
    /// Most layers a file may hold.
    public static let maxLayers = 1_000
    /// Largest architecture file `load` reads.
    public static let maxFileBytes = 1 << 20

    /// The keys a layer of `type` may have, `type` first.
    public static func layerKeys(of type: String) -> [String] {
        switch type {
        case "conv2d": ["type", "name", "filters", "kernel", "padding", "activation"]
        case "batchnorm": ["type", "name", "momentum", "epsilon"]
        case "maxpool", "avgpool": ["type", "size", "stride"]
        case "dropout": ["type", "rate"]
        case "dense": ["type", "name", "units", "activation"]
        default: ["type"]
        }
    }

    /// Parses the JSON form (UTF-8 bytes) and checks every shape for a one-output head; `source` (the file
    /// path) starts every error. Throws `ArchitectureError` for anything that is not a buildable architecture.
    public static func parse(_ data: Data, source: String) throws -> Architecture {
        guard !data.isEmpty else {
            throw ArchitectureError(source: source, message: "not JSON: the file is empty; see docs/architectures.md for the format")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ArchitectureError(source: source, message: "not JSON: " + JSONPosition.describe(error, in: data))
        }
        let architecture = try SpecReader(source: source).architecture(object)
        _ = try architecture.resolved(classes: 1, source: source)
        return architecture
    }

    /// `parse` of UTF-8 bytes.
    public static func parse(_ bytes: [UInt8], source: String) throws -> Architecture {
        try parse(Data(bytes), source: source)
    }

    /// `parse` of JSON text.
    public static func parse(_ text: String, source: String) throws -> Architecture {
        try parse(Data(text.utf8), source: source)
    }

    /// The canonical JSON form: every default and name written out, keys in a fixed order, integers as
    /// integers, floats as the shortest text that reads back as the same `Float`. For an architecture that
    /// `resolved` accepts, `parse(jsonText)` gives back an equal value.
    public var jsonText: String {
        var text = "{\"name\": \(JSONText.string(name)), \"input\": [\(inputHeight), \(inputWidth)],\n \"layers\": ["
        for (i, layer) in layers.enumerated() {
            text += "\n  {" + Self.fields(of: layer).map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
            text += i == layers.count - 1 ? "" : ","
        }
        return text + "]}\n"
    }

    private static func fields(of layer: LayerSpec) -> [(String, String)] {
        func side(_ h: Int, _ w: Int) -> String { h == w ? "\(h)" : "[\(h), \(w)]" }
        var f: [(String, String)] = [("type", JSONText.string(layer.typeName))]
        switch layer {
        case .conv2d(let s):
            f += [("name", JSONText.string(s.name)), ("filters", "\(s.filters)"), ("kernel", side(s.kernelH, s.kernelW)),
                  ("padding", JSONText.string(s.padding.rawValue))]
            if s.relu { f.append(("activation", "\"relu\"")) }
        case .batchnorm(let s):
            f += [("name", JSONText.string(s.name)), ("momentum", "\(s.momentum)"), ("epsilon", "\(s.epsilon)")]
        case .maxpool(let p), .avgpool(let p):
            f += [("size", side(p.sizeH, p.sizeW)), ("stride", side(p.strideH, p.strideW))]
        case .dropout(let rate):
            f.append(("rate", "\(rate)"))
        case .dense(let s):
            f.append(("name", JSONText.string(s.name)))
            if let units = s.units { f.append(("units", "\(units)")) }
            if s.relu { f.append(("activation", "\"relu\"")) }
        case .relu, .globalmaxpool, .globalavgpool, .flatten:
            break
        }
        return f
    }
}

// MARK: Presets and loading

extension Architecture {
    /// The shipped architectures (`Sources/Model/Data/<name>.json`, embedded in the binary): `paper` first,
    /// then the others by name.
    public static var presetNames: [String] { Presets.names }

    /// A shipped architecture by name, or nil.
    public static func preset(named name: String) -> Architecture? { Presets.all[name] }

    /// One line on where a preset comes from, for `gcnn arch list`.
    public static func presetSummary(named name: String) -> String? { Presets.summaries[name] }

    /// Mersy & Lyk's CNN (the seed's Keras model) on 64×173 clips: the `paper` preset.
    public static var paper: Architecture { Presets.all["paper"]! }

    /// A preset by name, else an architecture file (a path ending in `.json`). Throws one `ArchitectureError`
    /// line naming the argument when it is neither, or what is wrong with the file.
    public static func load(nameOrPath argument: String) throws -> Architecture {
        if let preset = preset(named: argument) { return preset }
        let presets = presetNames.joined(separator: ", ")
        guard argument.hasSuffix(".json") else {
            throw ArchitectureError(source: argument, message: "neither a preset (\(presets)) nor an architecture file; a file's name must end in .json")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
            throw ArchitectureError(source: argument, message: "no such file, and not a preset (\(presets)); give an existing .json file or a preset name")
        }
        guard !isFolder.boolValue else {
            throw ArchitectureError(source: argument, message: "is a folder; give an architecture file (.json) or a preset (\(presets))")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: argument)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxFileBytes else {
            throw ArchitectureError(source: argument, message: "is \(size) bytes; an architecture file is at most \(maxFileBytes) bytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: argument))
        } catch {
            throw ArchitectureError(source: argument, message: "cannot read the file: \(error.localizedDescription.oneLine)")
        }
        return try parse(data, source: argument)
    }
}

private enum Presets {
    static let summaries = [
        "paper": "Mersy & Lyk's CNN, the seed's Keras model: two 5×5 valid convs (64 filters), BN, 2×2 max pools, dense head",
        "fcn": "Choi, Fazekas & Sandler 2016 FCN-4 on 64×173: four 3×3 convs (128/384/768/2048) + BN + ReLU, max pools to 1×1, dense head",
        "short-chunk": "Won et al. 2020 short-chunk CNN: seven 3×3 conv + BN + ReLU + max-pool blocks at half width (64…256), global max pool, dense 256 + BN + ReLU + dropout 0.5, dense head",
    ]

    static let all: [String: Architecture] = {
        var all: [String: Architecture] = [:]
        for (file, text) in embeddedFiles where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            do {
                all[name] = try Architecture.parse(text, source: "preset \(name) (Sources/Model/Data/\(file))")
            } catch {
                fatalError("\(error)")  // shipped data that does not parse is a build defect, caught by the tests
            }
        }
        return all
    }()

    static let names: [String] = ["paper"] + all.keys.filter { $0 != "paper" }.sorted()
}

// MARK: Reading the parsed JSON

/// Turns `JSONSerialization`'s output into an `Architecture`, checking every key and value.
private struct SpecReader {
    let source: String

    /// Where an error points: a layer (0-based) and its `type name` so far, or the whole file.
    struct Place {
        var layer: Int?
        var summary: String?
        static let file = Place(layer: nil, summary: nil)
    }

    func fail(_ place: Place, _ message: String) -> ArchitectureError {
        ArchitectureError(source: source, layer: place.layer, layerSummary: place.summary, message: message)
    }

    func architecture(_ object: Any) throws -> Architecture {
        guard let top = object as? [String: Any] else {
            throw fail(.file, "the top level must be an object {\"name\": …, \"input\": [mel bands, frames], \"layers\": […]}, not \(JSONText.describe(object))")
        }
        try checkKeys(top, allowed: Architecture.topLevelKeys, .file, what: "at the top level")
        let name: String
        if let value = top["name"] {
            guard let s = value as? String else { throw fail(.file, "\"name\" must be a string, not \(JSONText.describe(value))") }
            guard !s.isEmpty, s.count <= 100, !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw fail(.file, "\"name\" \(JSONText.quoted(s)) must be 1 to 100 characters without control characters")
            }
            name = s
        } else {
            let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
            name = stem.isEmpty ? "architecture" : stem
        }
        guard let input = top["input"] else {
            throw fail(.file, "missing \"input\"; add \"input\": [mel bands, frames], e.g. [64, 173]")
        }
        guard let pair = input as? [Any], pair.count == 2 else {
            throw fail(.file, "\"input\" must be [mel bands, frames], e.g. [64, 173], not \(JSONText.describe(input))")
        }
        let height = try integer(pair[0], "\"input\" mel bands", 1...Architecture.maxInputSide, .file)
        let width = try integer(pair[1], "\"input\" frames", 1...Architecture.maxInputSide, .file)
        guard let layersValue = top["layers"] else {
            throw fail(.file, "missing \"layers\"; add \"layers\": [ … ] ending with {\"type\": \"dense\"}")
        }
        guard let rawLayers = layersValue as? [Any] else {
            throw fail(.file, "\"layers\" must be an array of layer objects, not \(JSONText.describe(layersValue))")
        }
        guard !rawLayers.isEmpty else { throw fail(.file, "\"layers\" is empty; give at least the head {\"type\": \"dense\"}") }
        guard rawLayers.count <= Architecture.maxLayers else {
            throw fail(.file, "\"layers\" has \(rawLayers.count) layers; at most \(Architecture.maxLayers) are allowed")
        }
        var counts: [String: Int] = [:]
        let layers = try rawLayers.enumerated().map { i, raw in try layer(raw, index: i, counts: &counts) }
        return Architecture(name: name, inputHeight: height, inputWidth: width, layers: layers)
    }

    func layer(_ raw: Any, index i: Int, counts: inout [String: Int]) throws -> LayerSpec {
        var place = Place(layer: i, summary: nil)
        let types = Architecture.layerTypes.joined(separator: ", ")
        guard let object = raw as? [String: Any] else {
            throw fail(place, "a layer must be an object such as {\"type\": \"relu\"}, not \(JSONText.describe(raw))")
        }
        guard let typeValue = object["type"] else { throw fail(place, "missing \"type\"; use one of \(types)") }
        guard let type = typeValue as? String else {
            throw fail(place, "\"type\" must be a string (one of \(types)), not \(JSONText.describe(typeValue))")
        }
        place.summary = JSONText.quoted(type)
        guard Architecture.layerTypes.contains(type) else {
            throw fail(place, "unknown layer type \(JSONText.quoted(type)); use one of \(types)")
        }
        place.summary = type
        // Default names count every layer of the kind, named or not: the third conv2d is conv3 unless named.
        let prefix = ["conv2d": "conv", "batchnorm": "bn", "dense": "fc"][type]
        var name = ""
        if let prefix {
            counts[type, default: 0] += 1
            name = prefix + "\(counts[type]!)"
            if let value = object["name"] { name = try layerName(value, place) }
            place.summary = "\(type) \(name)"
        }
        let allowed = Architecture.layerKeys(of: type)
        try checkKeys(object, allowed: allowed, place, what: "for \(type)",
                      hint: prefix == nil && object["name"] != nil ? " (only conv2d, batchnorm and dense layers take a name)" : "")
        switch type {
        case "conv2d":
            let filters = try integer(required(object, "filters", place, example: "64"), "\"filters\"", 1...Architecture.maxChannels, place)
            let (kh, kw) = try sides(required(object, "kernel", place, example: "3"), "\"kernel\"", 1...7, place,
                                     fix: "use a kernel of 1 to 7 per side")
            var padding = ConvPadding.valid
            if let value = object["padding"] {
                guard let s = value as? String else {
                    throw fail(place, "\"padding\" must be \"valid\" or \"same\", not \(JSONText.describe(value))")
                }
                guard let p = ConvPadding(rawValue: s) else {
                    throw fail(place, "\"padding\" \(JSONText.quoted(s)) is not supported; use \"valid\" (no padding, the default) or \"same\" (output as large as the input)")
                }
                padding = p
            }
            return .conv2d(Conv2DLayerSpec(name: name, filters: filters, kernelH: kh, kernelW: kw, padding: padding,
                                           relu: try activation(object, place)))
        case "batchnorm":
            var spec = BatchNormLayerSpec(name: name)
            if let value = object["momentum"] {
                spec.momentum = try float(value, "\"momentum\"", place)
                guard spec.momentum >= 0, spec.momentum <= 1 else {
                    throw fail(place, "\"momentum\" \(JSONText.number(value)) must be in [0, 1] (Keras' sense: the share of the running statistics kept each step; default 0.99)")
                }
            }
            if let value = object["epsilon"] {
                spec.epsilon = try float(value, "\"epsilon\"", place)
                guard spec.epsilon > 0, spec.epsilon <= 1 else {
                    throw fail(place, "\"epsilon\" \(JSONText.number(value)) must be in (0, 1] as a float (default 0.001)")
                }
            }
            return .batchnorm(spec)
        case "maxpool", "avgpool":
            let range = 1...Architecture.maxPoolSide
            let fix = "use 1 to \(Architecture.maxPoolSide) per side"
            let (sh, sw) = try sides(required(object, "size", place, example: "2"), "\"size\"", range, place, fix: fix)
            var (th, tw) = (sh, sw)
            if let value = object["stride"] { (th, tw) = try sides(value, "\"stride\"", range, place, fix: fix) }
            let window = PoolWindow(sizeH: sh, sizeW: sw, strideH: th, strideW: tw)
            return type == "maxpool" ? .maxpool(window) : .avgpool(window)
        case "dropout":
            let value = try required(object, "rate", place, example: "0.5")
            let rate = try float(value, "\"rate\"", place)
            guard rate >= 0, rate < 1 else {
                throw fail(place, "\"rate\" \(JSONText.number(value)) must be in [0, 1) (the share of inputs dropped while training), e.g. 0.5")
            }
            return .dropout(rate: rate)
        case "dense":
            let units = try object["units"].map { try integer($0, "\"units\"", 1...Architecture.maxChannels, place) }
            return .dense(DenseLayerSpec(name: name, units: units, relu: try activation(object, place)))
        case "relu": return .relu
        case "globalmaxpool": return .globalmaxpool
        case "globalavgpool": return .globalavgpool
        default: return .flatten
        }
    }

    // MARK: Values

    func checkKeys(_ object: [String: Any], allowed: [String], _ place: Place, what: String, hint: String = "") throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail(place, "unknown key \(JSONText.quoted(unknown)) \(what)\(hint); the valid keys are \(allowed.joined(separator: ", "))")
        }
    }

    func required(_ object: [String: Any], _ key: String, _ place: Place, example: String) throws -> Any {
        guard let value = object[key] else { throw fail(place, "missing \"\(key)\"; add e.g. \"\(key)\": \(example)") }
        return value
    }

    func layerName(_ value: Any, _ place: Place) throws -> String {
        guard let s = value as? String else { throw fail(place, "\"name\" must be a string, not \(JSONText.describe(value))") }
        let segments = s.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !s.isEmpty && s.count <= 64 && segments.allSatisfy { !$0.isEmpty }
            && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ".") }
            && !(s.unicodeScalars.first.map { ("0"..."9").contains($0) } ?? true)
        guard valid else {
            throw fail(place, "\"name\" \(JSONText.quoted(s)) is not a tensor-name prefix; use up to 64 letters, digits and \"_\", not starting with a digit, with \".\" between parts (e.g. \"conv1\" or \"layer1.conv\")")
        }
        return s
    }

    func activation(_ object: [String: Any], _ place: Place) throws -> Bool {
        guard let value = object["activation"] else { return false }
        guard let s = value as? String, s == "relu" else {
            let what = (value as? String).map(JSONText.quoted) ?? JSONText.describe(value)
            throw fail(place, "\"activation\" \(what) is not supported; use \"relu\" or leave \"activation\" out")
        }
        return true
    }

    /// A JSON number that is not a boolean.
    func number(_ value: Any, _ what: String, _ place: Place, expected: String) throws -> Double {
        guard let n = value as? NSNumber, !JSONText.isBool(n) else {
            throw fail(place, "\(what) must be \(expected), not \(JSONText.describe(value))")
        }
        let d = n.doubleValue
        guard d.isFinite else { throw fail(place, "\(what) must be \(expected), not \(JSONText.number(value))") }
        return d
    }

    func integer(_ value: Any, _ what: String, _ bounds: ClosedRange<Int>, _ place: Place, fix: String? = nil) throws -> Int {
        let d = try number(value, what, place, expected: "an integer")
        guard d == d.rounded() else { throw fail(place, "\(what) must be an integer, not \(JSONText.number(value))") }
        guard d >= Double(bounds.lowerBound), d <= Double(bounds.upperBound) else {
            throw fail(place, "\(what) \(JSONText.number(value)) is outside \(bounds.lowerBound)…\(bounds.upperBound)" + (fix.map { "; \($0)" } ?? ""))
        }
        return Int(d)
    }

    func float(_ value: Any, _ what: String, _ place: Place) throws -> Float {
        Float(try number(value, what, place, expected: "a number"))
    }

    /// An integer (a square) or `[height, width]`.
    func sides(_ value: Any, _ what: String, _ bounds: ClosedRange<Int>, _ place: Place, fix: String) throws -> (Int, Int) {
        if let pair = value as? [Any] {
            guard pair.count == 2 else {
                throw fail(place, "\(what) must be an integer or [height, width], not an array of \(pair.count)")
            }
            return (try integer(pair[0], "\(what) height", bounds, place, fix: fix),
                    try integer(pair[1], "\(what) width", bounds, place, fix: fix))
        }
        guard let n = value as? NSNumber, !JSONText.isBool(n) else {
            throw fail(place, "\(what) must be an integer or [height, width], not \(JSONText.describe(value))")
        }
        let side = try integer(n, what, bounds, place, fix: fix)
        return (side, side)
    }
}

// MARK: JSON text helpers

enum JSONText {
    /// `true`/`false` parsed by `JSONSerialization` (an `NSNumber` of `objCType` "c").
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A JSON string literal.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || (0x7F..<0xA0).contains(u.value) || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A string from the file, quoted and shortened for an error line.
    static func quoted(_ s: String) -> String {
        string(s.count > 40 ? String(s.prefix(40)) + "…" : s)
    }

    /// A number from the file as the error shows it.
    static func number(_ value: Any) -> String {
        guard let n = value as? NSNumber else { return describe(value) }
        let d = n.doubleValue
        if d == d.rounded(), abs(d) < 1e15 { return "\(Int(d))" }
        return "\(d)"
    }

    /// A short description of any parsed JSON value, for "must be …, not X".
    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let n as NSNumber: return isBool(n) ? (n.boolValue ? "true" : "false") : number(n)
        case let s as String: return "the string " + quoted(s)
        case let a as [Any]: return "an array of \(a.count)"
        case is [String: Any]: return "an object"
        default: return "a \(type(of: value))"
        }
    }
}

/// Turns `JSONSerialization`'s error ("… around character 12.") into one line with a line and column.
enum JSONPosition {
    static func describe(_ error: Error, in data: Data) -> String {
        let ns = error as NSError
        var text = (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
        text = text.oneLine
        if text.hasSuffix(".") { text.removeLast() }
        if let range = text.range(of: #"character [0-9]+"#, options: .regularExpression),
           let offset = Int(text[range].dropFirst("character ".count)), offset >= 0 {
            let prefix = data.prefix(offset)
            let line = prefix.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let column = offset - (prefix.lastIndex(of: 0x0A).map { $0 - data.startIndex + 1 } ?? 0) + 1
            text.replaceSubrange(range, with: "line \(line), column \(column)")
        }
        guard let first = text.first else { return "the JSON parser gave no reason" }
        return first.lowercased() + text.dropFirst() + "; check the brackets, commas and quotes there"
    }
}
