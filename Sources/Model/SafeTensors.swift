import Foundation

/// Errors of reading or writing a `.safetensors` file; each names the file and what is wrong.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// A tensor the architecture's layer `layer` (its summary, e.g. `layer 4 (conv2d conv2 5×5×64 valid relu)`) needs.
    case missingTensor(path: String, name: String, layer: String)
    case wrongShape(path: String, name: String, layer: String, expected: [Int], found: [Int])
    case wrongDType(path: String, name: String, layer: String, expected: String, found: String)

    public var description: String { line.oneLine }

    private static let fitHint = "the tensors do not fit the architecture the file names (was it edited, or written for another network?)"

    private var line: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read checkpoint: \(reason)"
        case let .malformed(path, reason):
            return "\(path): not a valid safetensors file: \(reason) (was it written by gcnn or PyTorch's safetensors?)"
        case let .missingTensor(path, name, layer):
            return "\(path): \(layer) needs tensor '\(name)', which the file lacks; \(Self.fitHint)"
        case let .wrongShape(path, name, layer, expected, found):
            return "\(path): \(layer) needs tensor '\(name)' of shape \(expected), the file has \(found); \(Self.fitHint)"
        case let .wrongDType(path, name, layer, expected, found):
            return "\(path): \(layer) needs tensor '\(name)' as \(expected), the file has \(found); \(Self.fitHint)"
        }
    }
}

/// One tensor of a safetensors file: little-endian bytes of `dtype` in C order.
public struct SafeTensor: Equatable {
    public var name: String
    /// The format's dtype name: `F32`, `F64`, `I64`, `I32`, `F16`, `BF16`, `U8`, ...
    public var dtype: String
    public var shape: [Int]
    public var data: [UInt8]

    public init(name: String, dtype: String, shape: [Int], data: [UInt8]) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.data = data
    }

    /// A float32 tensor.
    public init(name: String, shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "\(name): shape \(shape) does not hold \(floats.count) values")
        self.name = name; dtype = "F32"; self.shape = shape
        data = floats.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    }

    /// An int64 tensor (e.g. `num_batches_tracked`, a 0-d tensor with shape `[]`).
    public init(name: String, shape: [Int], int64s: [Int64]) {
        precondition(shape.reduce(1, *) == int64s.count, "\(name): shape \(shape) does not hold \(int64s.count) values")
        self.name = name; dtype = "I64"; self.shape = shape
        data = int64s.map { $0.littleEndian }.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    }

    /// The values of an `F32` tensor.
    public var floats: [Float] {
        precondition(dtype == "F32", "\(name) is \(dtype), not F32")
        return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    /// The values of an `I64` tensor.
    public var int64s: [Int64] {
        precondition(dtype == "I64", "\(name) is \(dtype), not I64")
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the tensor bytes.
/// gcnn writes it deterministically (tensors in the given order, keys sorted within an entry) and reads
/// it strictly: every length, offset, dtype and shape is checked before any byte is used.
public enum SafeTensors {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]

    /// The bytes of a file holding `tensors` (in this order) and `metadata`.
    public static func encode(_ tensors: [SafeTensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header = "{"
        var entries: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append("\(JSONText.string(t.name)):{\"dtype\":\"\(t.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.data.count)]}")
            offset += t.data.count
        }
        header += entries.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // pad with spaces, as the reference writer
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        for t in tensors { out += t.data }
        return out
    }

    /// Parses and validates a whole file's bytes. `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (tensors: [SafeTensor], metadata: [String: String]) {
        func bad(_ reason: String) -> SafeTensorsError { .malformed(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw bad("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        let n = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(maxHeaderBytes) else { throw bad("header length \(n) exceeds \(maxHeaderBytes) bytes") }
        guard n <= UInt64(bytes.count - 8) else { throw bad("header length \(n) runs past the end of the file (\(bytes.count) bytes)") }
        let headerEnd = 8 + Int(n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]), options: []) } catch {
            throw bad("header is not JSON")
        }
        guard let object = json as? [String: Any] else { throw bad("header is not a JSON object") }
        let dataLength = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var parsed: [(name: String, dtype: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw bad("__metadata__ value of '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw bad("entry '\(name)' is not an object") }
            guard let dtype = entry["dtype"] as? String, let size = dtypeSizes[dtype] else {
                throw bad("tensor '\(name)' has a missing or unknown dtype")
            }
            guard let shapeAny = entry["shape"] as? [Any], let offsetsAny = entry["data_offsets"] as? [Any],
                  offsetsAny.count == 2 else { throw bad("tensor '\(name)' lacks shape or a [begin, end] data_offsets") }
            let shape = try shapeAny.map { v -> Int in
                guard let d = intValue(v), d >= 0, d <= Int(Int32.max) else { throw bad("tensor '\(name)' has an invalid dimension") }
                return d
            }
            guard let begin = intValue(offsetsAny[0]), let end = intValue(offsetsAny[1]),
                  begin >= 0, begin <= end, end <= dataLength else {
                throw bad("tensor '\(name)' has data_offsets outside the \(dataLength) data bytes")
            }
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= dataLength else { throw bad("tensor '\(name)' shape \(shape) is larger than the file") }
                elements = product
            }
            guard elements * size == end - begin else {
                throw bad("tensor '\(name)' shape \(shape) × \(dtype) needs \(elements * size) bytes, offsets give \(end - begin)")
            }
            parsed.append((name, dtype, shape, begin, end))
        }
        // The data must be covered exactly once: no overlaps, no holes, nothing left over.
        parsed.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for p in parsed {
            guard p.begin == cursor else {
                throw bad(p.begin < cursor ? "tensor '\(p.name)' overlaps another tensor" : "a gap of unused bytes precedes '\(p.name)'")
            }
            cursor = p.end
        }
        guard cursor == dataLength else { throw bad("\(dataLength - cursor) trailing bytes belong to no tensor") }
        let tensors = parsed.map { p in
            SafeTensor(name: p.name, dtype: p.dtype, shape: p.shape, data: Array(bytes[(headerEnd + p.begin)..<(headerEnd + p.end)]))
        }
        return (tensors, metadata)
    }

    /// Writes `tensors` to `url` atomically: a temporary file in the same folder, flushed, then renamed,
    /// so a crash leaves either the old file or the new one, never half of one.
    public static func write(_ tensors: [SafeTensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(Data(encode(tensors, metadata: metadata)), to: url)
    }

    /// Reads and validates `url`.
    public static func read(_ url: URL) throws -> (tensors: [SafeTensor], metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafeTensorsError.unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        return try decode([UInt8](data), path: url.path)
    }

    private static func intValue(_ v: Any) -> Int? {
        // JSON numbers arrive as NSNumber; accept only exact integers within Int's range.
        guard let n = v as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

}
