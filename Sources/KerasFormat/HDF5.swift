import CHDF5
import Foundation

/// What went wrong reading or writing HDF5, as one line (libhdf5's own error stack is silenced).
struct HDF5Failure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Serialises every use of libhdf5 in this process (Debian's serial build is not thread-safe) and silences its
/// error stack. Only files gcnn writes are handled in this process: files it reads are read by
/// `HDF5Snapshot` in a child process, as libhdf5 (1.10.8 here, 1.14.6 too) crashes or loops forever on some
/// damaged files (found by `testKerasImportFuzz`: vlen string attributes whose global-heap references are
/// mutated), and neither can be stopped inside a process.
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    private static let ready: Bool = gcnn_h5_init() >= 0

    /// Seconds one read of a file may take: `GCNN_HDF5_SECONDS`, default 60 (real models take milliseconds).
    static var timeLimit: Double {
        Double(ProcessInfo.processInfo.environment["GCNN_HDF5_SECONDS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 60
    }

    /// Runs `body` holding the library; every `HDF5Node` must be created and released inside it.
    static func with<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard ready, gcnn_h5_quiet_thread() >= 0 else { throw HDF5Failure("libhdf5 did not initialise") }
        return try body()
    }
}

/// An HDF5 file gcnn writes, or one of its groups (closed when released).
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

    /// The group `name`, created.
    func createGroup(_ name: String) throws -> HDF5Node {
        let p = gcnn_h5p_default()
        let g = H5Gcreate2(id, name, p, p, p)
        guard g >= 0 else { throw HDF5Failure("cannot create group \(childPath(name))") }
        return HDF5Node(id: g, kind: .group, path: childPath(name), parent: self)
    }

    /// Writes a scalar UTF-8 string attribute.
    func setString(attribute name: String, _ value: String) throws {
        guard gcnn_h5_write_string_attribute(id, name, value) >= 0 else {
            throw HDF5Failure("cannot write attribute '\(name)' of \(path)")
        }
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
