import CHDF5
import Foundation

/// What went wrong reading or writing HDF5, as one line (libhdf5's own error stack is silenced).
struct HDF5Failure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Serialises every use of libhdf5 (Debian's serial build is not thread-safe), silences its error stack, and
/// bounds its time: libhdf5 (1.10.8 here, 1.14.6 too) can loop forever on a damaged file (found by
/// `testKerasImportFuzz`: a vlen string attribute whose global-heap reference is mutated), and a C call cannot be
/// interrupted. Each use runs on its own thread; one that does not finish within `timeLimit` seconds is
/// reported in one line and leaves the library marked stuck, so later uses fail at once instead of waiting
/// on its lock (the `gcnn` process exits after reporting, which ends the stuck thread). A stuck use that
/// does finish after all (libhdf5 is slow, not looping) frees the library again.
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    private static let state = NSLock()
    nonisolated(unsafe) private static var stuck = false
    private static let ready: Bool = gcnn_h5_init() >= 0

    /// Seconds one use of libhdf5 may take: `GCNN_HDF5_SECONDS`, default 60 (real models take milliseconds).
    static var timeLimit: Double {
        Double(ProcessInfo.processInfo.environment["GCNN_HDF5_SECONDS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 60
    }

    /// Runs `body` holding the library; every `HDF5Node` must be created and released inside it.
    static func with<T>(_ body: @escaping () throws -> T) throws -> T {
        state.lock()
        let isStuck = stuck
        state.unlock()
        guard !isStuck else { throw HDF5Failure("libhdf5 is still stuck in an earlier damaged file; run gcnn again for this one") }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            lock.lock()
            defer {
                lock.unlock()
                state.lock()
                box.finished = true
                if box.abandoned { stuck = false }
                state.unlock()
                done.signal()
            }
            guard ready, gcnn_h5_quiet_thread() >= 0 else { box.result = .failure(HDF5Failure("libhdf5 did not initialise")); return }
            box.result = Result { try body() }
        }
        thread.stackSize = 16 << 20
        thread.start()
        let limit = timeLimit
        if done.wait(timeout: .now() + limit) != .success {
            state.lock()
            let finished = box.finished
            if !finished {
                box.abandoned = true
                stuck = true
            }
            state.unlock()
            if !finished {
                throw HDF5Failure("libhdf5 did not finish reading it within \(Int(limit)) s: the HDF5 structure is damaged (libhdf5 loops on some damaged files)")
            }
            done.wait()
        }
        guard let result = box.result else { throw HDF5Failure("libhdf5 did not initialise") }
        return try result.get()
    }

    /// Waits up to `seconds` for a use that ran past the time limit to finish; true when the library is free.
    static func waitUntilFree(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            state.lock()
            let isStuck = stuck
            state.unlock()
            if !isStuck { return true }
            if Date() >= deadline { return false }
            usleep(50_000)
        }
    }
}

/// The result of work on another thread.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
    /// Set (under `HDF5Library.state`) when the thread is done, and when the caller gave up waiting.
    var finished = false, abandoned = false
}

/// An open HDF5 file or group (closed when released).
final class HDF5Node {
    enum Kind { case file, group }
    let id: hid_t
    let kind: Kind
    /// The node's path inside the file, for messages.
    let path: String
    /// Keeps a group's file open while the group lives.
    private let parent: HDF5Node?

    private init(id: hid_t, kind: Kind, path: String, parent: HDF5Node?) {
        self.id = id; self.kind = kind; self.path = path; self.parent = parent
    }

    deinit {
        switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        }
    }

    /// Opens an HDF5 file from its bytes (read-only; the library keeps its own copy).
    static func open(bytes: [UInt8]) throws -> HDF5Node {
        guard bytes.count >= 8, bytes.starts(with: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) || hasSignatureLater(bytes) else {
            throw HDF5Failure(bytes.isEmpty ? "the file is empty" : "not an HDF5 file (no HDF5 signature)")
        }
        let id = bytes.withUnsafeBytes { gcnn_h5_open_image($0.baseAddress, $0.count) }
        guard id >= 0 else { throw HDF5Failure("libhdf5 cannot open it (truncated or damaged HDF5)") }
        let file = HDF5Node(id: id, kind: .file, path: "/", parent: nil)
        let root = H5Gopen2(id, "/", gcnn_h5p_default())
        guard root >= 0 else { throw HDF5Failure("libhdf5 cannot open its root group (damaged HDF5)") }
        return HDF5Node(id: root, kind: .group, path: "/", parent: file)
    }

    /// HDF5 allows a user block: the signature may also start at 512, 1024, 2048, … bytes.
    private static func hasSignatureLater(_ bytes: [UInt8]) -> Bool {
        var offset = 512
        while offset + 8 <= bytes.count {
            if bytes[offset..<offset + 8].elementsEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]) { return true }
            offset *= 2
        }
        return false
    }

    /// A new, empty file in memory (its root group); `imageBytes` returns the file.
    static func create() throws -> HDF5Node {
        let id = gcnn_h5_create_image()
        guard id >= 0 else { throw HDF5Failure("libhdf5 cannot create a file in memory") }
        let file = HDF5Node(id: id, kind: .file, path: "/", parent: nil)
        let root = H5Gopen2(id, "/", gcnn_h5p_default())
        guard root >= 0 else { throw HDF5Failure("libhdf5 cannot open the new file's root group") }
        return HDF5Node(id: root, kind: .group, path: "/", parent: file)
    }

    /// The bytes of the in-memory file this root group belongs to.
    func imageBytes() throws -> [UInt8] {
        var file: HDF5Node = self
        while let p = file.parent { file = p }
        var pointer: UnsafeMutableRawPointer?
        let size = gcnn_h5_image(file.id, &pointer)
        guard size > 0, let pointer else { throw HDF5Failure("libhdf5 cannot produce the file's bytes") }
        defer { free(pointer) }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: size))
    }

    private func childPath(_ name: String) -> String { path == "/" ? "/\(name)" : "\(path)/\(name)" }

    enum ChildKind { case none, group, dataset }

    /// What `name` (a link name or a relative path) is in this group.
    func child(_ name: String) throws -> ChildKind {
        switch gcnn_h5_child_kind(id, name) {
        case 0: return .none
        case 1: return .group
        case 2: return .dataset
        default:
            // A path whose intermediate parts are missing is reported by libhdf5 as an error: treat as absent.
            if name.contains("/") {
                var sofar: [Substring] = []
                for part in name.split(separator: "/") {
                    sofar.append(part)
                    if gcnn_h5_child_kind(id, sofar.joined(separator: "/")) == 0 { return .none }
                }
            }
            throw HDF5Failure("\(childPath(name)) is neither a group nor a dataset, or cannot be read")
        }
    }

    /// The group `name` (a link name or relative path).
    func group(_ name: String) throws -> HDF5Node {
        let g = H5Gopen2(id, name, gcnn_h5p_default())
        guard g >= 0 else { throw HDF5Failure("cannot open group \(childPath(name))") }
        return HDF5Node(id: g, kind: .group, path: childPath(name), parent: self)
    }

    /// The group `name`, created.
    func createGroup(_ name: String) throws -> HDF5Node {
        let p = gcnn_h5p_default()
        let g = H5Gcreate2(id, name, p, p, p)
        guard g >= 0 else { throw HDF5Failure("cannot create group \(childPath(name))") }
        return HDF5Node(id: g, kind: .group, path: childPath(name), parent: self)
    }

    /// The names of this group's links, in name order.
    func childNames() throws -> [String] {
        let count = gcnn_h5_link_count(id)
        guard count >= 0, count <= 1_000_000 else { throw HDF5Failure("cannot list group \(path)") }
        return try (0..<count).map { i in
            var name: UnsafeMutablePointer<CChar>?
            guard gcnn_h5_link_name(id, hsize_t(i), &name) == 0, let name else { throw HDF5Failure("cannot list group \(path)") }
            defer { free(name) }
            return String(cString: name)
        }
    }

    /// The string attribute `name` (a scalar or an array of strings), or nil if the node has none.
    func strings(attribute name: String, maxBytes: Int = 64 << 20) throws -> [String]? {
        var out: UnsafeMutablePointer<CChar>?
        var length = 0
        let count = gcnn_h5_read_string_attribute(id, name, &out, &length, maxBytes)
        switch count {
        case -2: return nil
        case -3: throw HDF5Failure("attribute '\(name)' of \(path) is not a string")
        case ..<0: throw HDF5Failure("cannot read attribute '\(name)' of \(path)")
        default: break
        }
        guard let out else { return [] }
        defer { free(out) }
        let bytes = UnsafeRawBufferPointer(start: out, count: length)
        var strings: [String] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0 {
            strings.append(String(decoding: bytes[start..<i], as: UTF8.self))
            start = i + 1
        }
        guard strings.count == Int(count) else { throw HDF5Failure("cannot read attribute '\(name)' of \(path)") }
        return strings
    }

    /// Writes a scalar UTF-8 string attribute.
    func setString(attribute name: String, _ value: String) throws {
        guard gcnn_h5_write_string_attribute(id, name, value) >= 0 else {
            throw HDF5Failure("cannot write attribute '\(name)' of \(path)")
        }
    }

    /// Reads dataset `name` as float32 with its shape; refuses non-float data and sizes beyond `maxValues`.
    func floats(_ name: String, maxValues: Int) throws -> (shape: [Int], values: [Float]) {
        let d = H5Dopen2(id, name, gcnn_h5p_default())
        guard d >= 0 else { throw HDF5Failure("cannot open dataset \(childPath(name))") }
        defer { H5Dclose(d) }
        var dims = [hsize_t](repeating: 0, count: 8)
        var isFloat: Int32 = 0
        let rank = gcnn_h5_dataset_shape(d, &dims, &isFloat)
        guard rank >= 0 else { throw HDF5Failure("cannot read the shape of dataset \(childPath(name))") }
        guard isFloat != 0 else { throw HDF5Failure("dataset \(childPath(name)) does not hold floating-point numbers") }
        let shape = dims.prefix(Int(rank)).map { Int(clamping: $0) }
        var count = 1
        for side in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: side)
            guard !overflow, p <= maxValues else {
                throw HDF5Failure("dataset \(childPath(name)) of shape \(shape) is larger than any layer gcnn imports")
            }
            count = p
        }
        var values = [Float](repeating: 0, count: count)
        if count > 0 {
            guard values.withUnsafeMutableBufferPointer({ gcnn_h5_read_floats(d, $0.baseAddress) }) >= 0 else {
                throw HDF5Failure("cannot read dataset \(childPath(name)) (truncated or damaged)")
            }
        }
        return (shape, values)
    }

    /// Writes a float32 dataset `name` of `shape` (empty: a scalar).
    func write(floats values: [Float], shape: [Int], as name: String) throws {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        let dims = shape.map { hsize_t($0) }
        let status = dims.withUnsafeBufferPointer { d in
            values.withUnsafeBufferPointer { v in gcnn_h5_write_floats(id, name, Int32(shape.count), d.baseAddress, v.baseAddress) }
        }
        guard status >= 0 else { throw HDF5Failure("cannot write dataset \(childPath(name))") }
    }
}
