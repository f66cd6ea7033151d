import CHDF5Reader
import Foundation

/// An HDF5 file gcnn reads, as read by libhdf5 in a child process (`gcnn_h5_snapshot`): every group's links,
/// every object's attributes as strings, every float dataset's values. A file on which libhdf5 crashes or
/// loops is refused in one line and leaves this process and its libhdf5 untouched.
final class HDF5Snapshot {
    struct Link {
        var name: String
        /// 1 a group, 2 a dataset, -1 neither or unreadable.
        var kind: Int32
        var target: Int
    }

    struct Attribute {
        /// The string count, -3 not a string, -1 unreadable.
        var result: Int64
        var bytes: [UInt8]
    }

    struct Dataset {
        /// nil: the shape could not be read.
        var shape: [Int]?
        var isFloat = false
        /// 1 read, 0 not read (too large), -1 the read failed.
        var state: Int32 = 0
        var values: [Float] = []
    }

    struct Object {
        /// nil: not a group, or a group whose links could not be listed.
        var links: [Link]?
        var attributes: [String: Attribute] = [:]
        var attributesComplete = true
        var dataset: Dataset?
    }

    private(set) var objects: [Object] = []
    /// Most values read for one float dataset (`maxValues(fileBytes:)` of the file).
    let maxValues: Int

    private init(maxValues: Int) { self.maxValues = maxValues }

    /// Most values gcnn reads for one dataset of a `fileBytes`-byte file: what the file can hold uncompressed
    /// (Keras stores weights contiguous and uncompressed), at most 1 GiB of floats.
    static func maxValues(fileBytes: Int) -> Int { min(1 << 28, fileBytes / 4 + 1) }

    /// Reads `bytes` (an HDF5 file) in a child process, which may take `HDF5Library.timeLimit` seconds; returns
    /// the root group. One float dataset may hold `maxValues(fileBytes:)` values, all of them `maxTotalValues`.
    static func read(bytes: [UInt8], maxTotalValues: Int = 1 << 28) throws -> HDF5Group {
        guard bytes.count >= 8, bytes.starts(with: signature) || hasSignatureLater(bytes) else {
            throw HDF5Failure(bytes.isEmpty ? "the file is empty" : "not an HDF5 file (no HDF5 signature)")
        }
        let limit = HDF5Library.timeLimit, maxValues = maxValues(fileBytes: bytes.count)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var detail: Int32 = 0
        let status = try HDF5Library.with {
            bytes.withUnsafeBytes {
                gcnn_h5_snapshot($0.baseAddress, $0.count, UInt64(maxValues), UInt64(maxTotalValues), limit, &out, &size, &detail)
            }
        }
        defer { free(out) }
        switch UInt32(status) {
        case GCNN_H5_SNAPSHOT_OK.rawValue: break
        case GCNN_H5_SNAPSHOT_TIMED_OUT.rawValue:
            throw HDF5Failure("libhdf5 did not finish reading it within \(Int(limit)) s: the HDF5 structure is damaged (libhdf5 loops on some damaged files)")
        case GCNN_H5_SNAPSHOT_CRASHED.rawValue:
            throw HDF5Failure("libhdf5 crashed reading it (signal \(detail)): the HDF5 structure is damaged")
        case GCNN_H5_SNAPSHOT_FAILED.rawValue:
            switch Int(detail) {
            case Int(GCNN_H5_READER_CANNOT_OPEN): throw HDF5Failure("libhdf5 cannot open it (truncated or damaged HDF5)")
            case Int(GCNN_H5_READER_NO_ROOT): throw HDF5Failure("libhdf5 cannot open its root group (damaged HDF5)")
            case Int(GCNN_H5_READER_OUT_OF_MEMORY): throw HDF5Failure("there is not enough memory to read it")
            default: throw HDF5Failure("the HDF5 reader process failed (exit code \(detail))")
            }
        default:
            throw HDF5Failure("cannot start the HDF5 reader process: \(String(cString: strerror(detail)))")
        }
        guard let out else { throw HDF5Failure("the HDF5 reader process returned nothing") }
        let snapshot = HDF5Snapshot(maxValues: maxValues)
        try snapshot.decode(UnsafeRawBufferPointer(start: out, count: size))
        return HDF5Group(snapshot: snapshot, id: 0, path: "/")
    }

    private static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// HDF5 allows a user block: the signature may also start at 512, 1024, 2048, … bytes.
    private static func hasSignatureLater(_ bytes: [UInt8]) -> Bool {
        var offset = 512
        while offset + 8 <= bytes.count {
            if bytes[offset..<offset + 8].elementsEqual(signature) { return true }
            offset *= 2
        }
        return false
    }

    /// Builds the objects from the reader's record stream (`gcnn_h5_reader.h`).
    private func decode(_ stream: UnsafeRawBufferPointer) throws {
        var reader = StreamReader(bytes: stream)
        func object(_ id: UInt32) throws -> Int {
            guard id < 1 << 20 else { throw reader.damaged }
            let i = Int(id)
            if i >= objects.count { objects.append(contentsOf: repeatElement(Object(), count: i + 1 - objects.count)) }
            return i
        }
        objects = [Object()]
        while true {
            switch Int32(try reader.u8()) {
            case Int32(GCNN_H5_RECORD_GROUP):
                let g = try object(try reader.u32())
                let count = Int(try reader.u32())
                if objects[g].links == nil { objects[g].links = [] }
                objects[g].links!.reserveCapacity(min(count, 1 << 16))
            case Int32(GCNN_H5_RECORD_LINK):
                let g = try object(try reader.u32())
                let name = try reader.string()
                let kind = try reader.i32()
                let target = try object(try reader.u32())
                if objects[g].links == nil { objects[g].links = [] }
                objects[g].links!.append(Link(name: name, kind: kind, target: target))
            case Int32(GCNN_H5_RECORD_ATTRIBUTE):
                let o = try object(try reader.u32())
                let name = try reader.string()
                let result = try reader.i64()
                objects[o].attributes[name] = Attribute(result: result, bytes: try reader.bytes())
            case Int32(GCNN_H5_RECORD_ATTRIBUTES_INCOMPLETE):
                objects[try object(try reader.u32())].attributesComplete = false
            case Int32(GCNN_H5_RECORD_DATASET):
                let d = try object(try reader.u32())
                var dataset = Dataset()
                let rank = try reader.i32()
                if rank >= 0 {
                    guard rank <= 8 else { throw reader.damaged }
                    dataset.shape = try (0..<rank).map { _ in Int(clamping: try reader.u64()) }
                    dataset.isFloat = try reader.i32() != 0
                    if dataset.isFloat {
                        dataset.state = try reader.i32()
                        if dataset.state == 1 { dataset.values = try reader.floats(Int(clamping: try reader.u64())) }
                    }
                }
                objects[d].dataset = dataset
            case Int32(GCNN_H5_RECORD_GROUP_UNLISTABLE):
                objects[try object(try reader.u32())].links = nil
            case Int32(GCNN_H5_RECORD_END):
                return
            default:
                throw reader.damaged
            }
        }
    }
}

/// Native-endian reads from the reader's stream; running out is a damaged stream.
private struct StreamReader {
    let stream: UnsafeRawBufferPointer
    var at = 0
    let damaged = HDF5Failure("the HDF5 reader process returned a damaged snapshot; please report this file")

    init(bytes: UnsafeRawBufferPointer) { stream = bytes }

    private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= stream.count - at else { throw damaged }
        defer { at += n }
        return UnsafeRawBufferPointer(rebasing: stream[at..<at + n])
    }
    mutating func u8() throws -> UInt8 { try take(1)[0] }
    mutating func u32() throws -> UInt32 { try take(4).loadUnaligned(as: UInt32.self) }
    mutating func i32() throws -> Int32 { try take(4).loadUnaligned(as: Int32.self) }
    mutating func i64() throws -> Int64 { try take(8).loadUnaligned(as: Int64.self) }
    mutating func u64() throws -> UInt64 { try take(8).loadUnaligned(as: UInt64.self) }
    mutating func bytes() throws -> [UInt8] { [UInt8](try take(Int(try u32()))) }
    mutating func string() throws -> String { String(decoding: try bytes(), as: UTF8.self) }
    mutating func floats(_ count: Int) throws -> [Float] {
        let (n, overflow) = count.multipliedReportingOverflow(by: 4)
        guard !overflow else { throw damaged }
        let raw = try take(n)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            initialized = count
        }
    }
}

/// A group of an `HDF5Snapshot`: what gcnn reads of an HDF5 file, with libhdf5's failures as `HDF5Failure`s.
struct HDF5Group {
    let snapshot: HDF5Snapshot
    let id: Int
    /// The group's path inside the file, for messages.
    let path: String

    enum ChildKind { case none, group, dataset }

    private var object: HDF5Snapshot.Object { snapshot.objects[id] }

    private func childPath(_ name: String) -> String { path == "/" ? "/\(name)" : "\(path)/\(name)" }

    /// The link `name` (a link name or a relative path) leads to: nil when a part is missing.
    private func resolve(_ name: String) throws -> HDF5Snapshot.Link? {
        var current = id
        var found: HDF5Snapshot.Link?
        for part in name.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if let f = found, f.kind != 1 {
                throw HDF5Failure("\(childPath(name)) is neither a group nor a dataset, or cannot be read")
            }
            let o = snapshot.objects[current]
            guard let links = o.links else {
                throw HDF5Failure("\(childPath(name)) is neither a group nor a dataset, or cannot be read")
            }
            guard let link = links.first(where: { $0.name == part }) else { return nil }
            found = link
            current = link.target
        }
        return found
    }

    /// What `name` (a link name or a relative path) is in this group.
    func child(_ name: String) throws -> ChildKind {
        guard let link = try resolve(name) else { return .none }
        switch link.kind {
        case 1: return .group
        case 2: return .dataset
        default: throw HDF5Failure("\(childPath(name)) is neither a group nor a dataset, or cannot be read")
        }
    }

    /// The group `name` (a link name or relative path).
    func group(_ name: String) throws -> HDF5Group {
        guard let link = try? resolve(name), link.kind == 1 else { throw HDF5Failure("cannot open group \(childPath(name))") }
        return HDF5Group(snapshot: snapshot, id: link.target, path: childPath(name))
    }

    /// The names of this group's links, in name order.
    func childNames() throws -> [String] {
        guard let links = object.links else { throw HDF5Failure("cannot list group \(path)") }
        return links.map(\.name)
    }

    /// The string attribute `name` (a scalar or an array of strings), or nil if the group has none.
    func strings(attribute name: String) throws -> [String]? {
        guard let attribute = object.attributes[name] else {
            if !object.attributesComplete { throw HDF5Failure("cannot read attribute '\(name)' of \(path)") }
            return nil
        }
        switch attribute.result {
        case -3: throw HDF5Failure("attribute '\(name)' of \(path) is not a string")
        case ..<0: throw HDF5Failure("cannot read attribute '\(name)' of \(path)")
        default: break
        }
        let strings = attribute.bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }
        guard strings.count == Int(attribute.result) else { throw HDF5Failure("cannot read attribute '\(name)' of \(path)") }
        return strings
    }

    /// Dataset `name` as float32 with its shape; refuses non-float data and sizes beyond the snapshot's `maxValues`.
    func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let link = try? resolve(name), link.kind == 2, let dataset = snapshot.objects[link.target].dataset else {
            throw HDF5Failure("cannot open dataset \(childPath(name))")
        }
        guard let shape = dataset.shape else { throw HDF5Failure("cannot read the shape of dataset \(childPath(name))") }
        guard dataset.isFloat else { throw HDF5Failure("dataset \(childPath(name)) does not hold floating-point numbers") }
        var count = 1
        for side in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: side)
            guard !overflow, p <= snapshot.maxValues else {
                throw HDF5Failure("dataset \(childPath(name)) of shape \(shape) is larger than any layer gcnn imports")
            }
            count = p
        }
        switch dataset.state {
        case 1 where dataset.values.count == count: return (shape, dataset.values)
        case 0: throw HDF5Failure("dataset \(childPath(name)) of shape \(shape) is larger than any layer gcnn imports")
        default: throw HDF5Failure("cannot read dataset \(childPath(name)) (truncated or damaged)")
        }
    }
}
