import CPNG
import Foundation

/// Errors of writing PNG files.
public enum PNGWriteError: Error, CustomStringConvertible, Equatable {
    case failed(path: String, reason: String)
    public var description: String {
        switch self {
        case let .failed(path, reason): return "\(path): cannot write PNG: \(reason)"
        }
    }
}

/// Writes 8-bit RGB PNG files with libpng's simplified API (`png_image_write_to_file`).
public enum PNGWriter {
    /// Writes `image` to `path` atomically (a temporary file renamed into place).
    public static func write(_ image: RGBImage, to path: String) throws {
        let tmp = path + ".partial-\(getpid())"
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = UInt32(PNG_FORMAT_RGB)
        let ok = image.pixels.withUnsafeBytes { buf in
            png_image_write_to_file(&png, tmp, 0, buf.baseAddress, Int32(image.width * 3), nil)
        }
        let message = withUnsafeBytes(of: &png.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        png_image_free(&png)
        guard ok != 0 else {
            unlink(tmp)
            throw PNGWriteError.failed(path: path, reason: message.isEmpty ? "libpng failed" : message)
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PNGWriteError.failed(path: path, reason: reason)
        }
    }
}
