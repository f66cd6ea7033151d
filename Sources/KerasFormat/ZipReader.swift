import CZip
import Foundation

/// A zip archive in memory, read by libzip, which bounds every read by the archive's bytes: ZIPFoundation
/// 0.9.20 (gcnn's writer) loops forever reading an entry whose recorded size runs past the end of a file, and
/// traps doing so in memory (both found by `testKerasImportFuzz`).
final class ZipReader {
    private let archive: OpaquePointer

    /// Opens `bytes` (copied); nil when libzip does not read them as a consistent zip archive.
    init?(bytes: [UInt8]) {
        var error = zip_error_t()
        zip_error_init(&error)
        defer { zip_error_fini(&error) }
        guard let copy = malloc(max(bytes.count, 1)) else { return nil }
        bytes.withUnsafeBytes { if let base = $0.baseAddress { copy.copyMemory(from: base, byteCount: $0.count) } }
        guard let source = zip_source_buffer_create(copy, zip_uint64_t(bytes.count), 1, &error) else {
            free(copy)
            return nil
        }
        guard let archive = zip_open_from_source(source, ZIP_RDONLY, &error) else {
            zip_source_free(source)
            return nil
        }
        self.archive = archive
    }

    deinit { zip_discard(archive) }

    enum Failure: Error {
        /// The entry is larger than the caller's limit.
        case tooLarge
        /// libzip cannot read the entry (damaged data, a wrong checksum, an unsupported method).
        case unreadable
    }

    /// The bytes of entry `name`, or nil when the archive has none.
    func entry(_ name: String, limit: Int) throws(Failure) -> [UInt8]? {
        let index = zip_name_locate(archive, name, 0)
        guard index >= 0 else { return nil }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        guard zip_stat_index(archive, zip_uint64_t(index), 0, &stat) == 0, stat.valid & UInt64(ZIP_STAT_SIZE) != 0 else {
            throw .unreadable
        }
        guard stat.size <= UInt64(limit) else { throw .tooLarge }
        guard let file = zip_fopen_index(archive, zip_uint64_t(index), 0) else { throw .unreadable }
        defer { zip_fclose(file) }
        let size = Int(stat.size)
        // One byte more than recorded: data longer than its recorded size is damage, not truncation.
        var out = [UInt8](repeating: 0, count: size + 1)
        var total = 0
        while total <= size {
            let n = out.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress! + total, zip_uint64_t(size + 1 - total)) }
            guard n >= 0 else { throw .unreadable }
            if n == 0 { break }
            total += Int(n)
        }
        guard total == size else { throw .unreadable }
        out.removeLast()
        return out
    }
}
