import Foundation

/// Errors of reading and writing NumPy `.npy` files.
public enum NPYError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case malformedHeader(path: String, reason: String)
    case unsupportedType(path: String, descr: String)
    case fortranOrder(path: String)
    case sizeMismatch(path: String, shape: [Int], expectedBytes: Int, actualBytes: Int)
    case writeFailed(path: String, reason: String)

    public var description: String { line.oneLine }

    private var line: String {
        switch self {
        case let .cannotOpen(path, reason): return "\(path): cannot open .npy file: \(reason)"
        case let .malformedHeader(path, reason): return "\(path): not a valid .npy file: \(reason)"
        case let .unsupportedType(path, descr):
            return "\(path): array type '\(descr)' is not supported; gcnn reads float32 ('<f4'): save with arr.astype('<f4')"
        case let .fortranOrder(path):
            return "\(path): array is in Fortran order; save a C-ordered array (np.ascontiguousarray)"
        case let .sizeMismatch(path, shape, expected, actual):
            return "\(path): shape \(shape) needs \(expected) data bytes but the file holds \(actual) (truncated or padded file)"
        case let .writeFailed(path, reason): return "\(path): cannot write .npy file: \(reason)"
        }
    }
}

/// A float32 array read from a `.npy` file, C order.
public struct NPYArray: Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

/// NumPy's `.npy` format (format spec versions 1.0–3.0) for little-endian float32 (`'<f4'`) arrays
/// in C order: the magic `\x93NUMPY`, a version, a header length, a Python-literal header dict
/// padded with spaces and a newline to a multiple of 64 bytes, then the raw values.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The header dict text for a float32 C-order array of `shape`, as numpy writes it.
    static func headerDict(shape: [Int]) -> String {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
    }

    /// The full header (magic through padding) for `shape`: version 1.0, or 2.0 if the dict is huge.
    public static func header(shape: [Int]) -> [UInt8] {
        var dict = Array(headerDict(shape: shape).utf8)
        let v1 = dict.count + 1 + 10 < 65_536
        let prefix = v1 ? 10 : 12
        let total = (prefix + dict.count + 1 + 63) / 64 * 64
        dict += [UInt8](repeating: 0x20, count: total - prefix - dict.count - 1) + [0x0A]
        var out = magic + (v1 ? [1, 0] : [2, 0])
        let len = dict.count
        out += v1 ? [UInt8(len & 0xFF), UInt8(len >> 8)]
                  : [UInt8(len & 0xFF), UInt8((len >> 8) & 0xFF), UInt8((len >> 16) & 0xFF), UInt8(len >> 24)]
        return out + dict
    }

    /// Writes `values` with `shape` to `path` atomically (a temporary file renamed into place).
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let tmp = path + ".partial-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        guard let f = fopen(tmp, "wb") else {
            throw NPYError.writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        let head = header(shape: shape)
        var ok = fwrite(head, 1, head.count, f) == head.count
        ok = ok && values.withUnsafeBufferPointer { b in
            // Little-endian hosts (x86-64, arm64) store float32 exactly as '<f4'.
            b.isEmpty || fwrite(b.baseAddress, 4, b.count, f) == b.count
        }
        ok = (fclose(f) == 0) && ok
        guard ok, rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw NPYError.writeFailed(path: path, reason: reason)
        }
    }

    /// Reads a float32 C-order `.npy` file, validating its header and size.
    public static func read(_ path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            let reason = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
                ? (isDir.boolValue ? "it is a directory" : "unreadable") : "no such file"
            throw NPYError.cannotOpen(path: path, reason: reason)
        }
        return try decode(data, path: path)
    }

    /// Parses `.npy` bytes; `path` only names the source in errors.
    public static func decode(_ data: Data, path: String = "<data>") throws -> NPYArray {
        let bytes = [UInt8](data.prefix(12))
        func bad(_ reason: String) -> NPYError { .malformedHeader(path: path, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw bad("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, prefix: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            prefix = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("file ends inside the header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            prefix = 12
        default: throw bad("unknown format version \(major).\(bytes[7])")
        }
        guard data.count >= prefix + headerLength else {
            throw bad("header claims \(headerLength) bytes but the file has \(data.count - prefix) after the prefix")
        }
        let start = data.startIndex
        guard let text = String(data: data[(start + prefix)..<(start + prefix + headerLength)], encoding: .utf8) else {
            throw bad("header is not text")
        }
        let dict = try parseHeader(text, path: path)
        guard dict.descr == "<f4" else { throw NPYError.unsupportedType(path: path, descr: dict.descr) }
        guard !dict.fortranOrder else { throw NPYError.fortranOrder(path: path) }
        var count = 1
        for d in dict.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p < Int.max / 4 else { throw bad("shape \(dict.shape) is impossibly large") }
            count = p
        }
        let available = data.count - prefix - headerLength
        guard available == count * 4 else {
            throw NPYError.sizeMismatch(path: path, shape: dict.shape, expectedBytes: count * 4, actualBytes: available)
        }
        var values = [Float](repeating: 0, count: count)
        _ = values.withUnsafeMutableBytes { dst in
            data.copyBytes(to: dst, from: (start + prefix + headerLength)..<data.endIndex)
        }
        return NPYArray(shape: dict.shape, values: values)
    }

    /// The three keys of a header dict, parsed strictly from its Python-literal text.
    static func parseHeader(_ text: String, path: String) throws -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func bad(_ reason: String) -> NPYError { .malformedHeader(path: path, reason: reason) }
        var s = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard s.hasPrefix("{"), s.hasSuffix("}") else { throw bad("header is not a dict: \(text.prefix(80))") }
        s = s.dropFirst().dropLast()
        var descr: String?, fortran: Bool?, shape: [Int]?

        func skipSpace() { while let c = s.first, c == " " { s.removeFirst() } }
        func quoted() throws -> String {
            guard let q = s.first, q == "'" || q == "\"" else { throw bad("expected a quoted string at \(s.prefix(20))") }
            s.removeFirst()
            guard let end = s.firstIndex(of: q) else { throw bad("unterminated string") }
            let v = String(s[..<end])
            s = s[s.index(after: end)...]
            return v
        }
        while true {
            skipSpace()
            if s.isEmpty { break }
            let key = try quoted()
            skipSpace()
            guard s.first == ":" else { throw bad("expected ':' after '\(key)'") }
            s.removeFirst()
            skipSpace()
            switch key {
            case "descr": descr = try quoted()
            case "fortran_order":
                if s.hasPrefix("False") { fortran = false; s = s.dropFirst(5) }
                else if s.hasPrefix("True") { fortran = true; s = s.dropFirst(4) }
                else { throw bad("fortran_order must be True or False") }
            case "shape":
                guard s.first == "(", let close = s.firstIndex(of: ")") else { throw bad("shape must be a tuple") }
                let inner = s[s.index(after: s.startIndex)..<close]
                s = s[s.index(after: close)...]
                let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                var dims = [Int]()
                for (i, p) in parts.enumerated() {
                    if p.isEmpty && i == parts.count - 1 && i > 0 { continue }  // trailing comma
                    if p.isEmpty && parts.count == 1 { continue }  // ()
                    guard let d = Int(p), d >= 0 else { throw bad("shape entry '\(p)' is not a non-negative integer") }
                    dims.append(d)
                }
                shape = dims
            default: throw bad("unexpected key '\(key)'")
            }
            skipSpace()
            if s.first == "," { s.removeFirst() } else { skipSpace(); guard s.isEmpty else { throw bad("expected ',' in header") } }
        }
        guard let descr else { throw bad("header lacks 'descr'") }
        guard let fortran else { throw bad("header lacks 'fortran_order'") }
        guard let shape else { throw bad("header lacks 'shape'") }
        return (descr, fortran, shape)
    }
}
