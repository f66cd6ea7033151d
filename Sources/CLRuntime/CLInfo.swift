import COpenCL

/// The two shapes of `clGet*Info` answers gcnn reads: a C string and a fixed-size scalar.
enum CLInfo {
    /// Reads a NUL-terminated string through `query(size, buffer, sizeReturned)`.
    static func string(_ function: String,
                       _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32) throws -> String {
        var size = 0
        try CLError.check(query(0, nil, &size), function)
        guard size > 0 else { return "" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        try bytes.withUnsafeMutableBytes { raw in
            try CLError.check(query(size, raw.baseAddress, nil), function)
        }
        let text = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads one value of type `T` through `query(size, buffer, sizeReturned)`.
    static func scalar<T>(_ function: String, _ type: T.Type, zero: T,
                          _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32) throws -> T {
        var value = zero
        try withUnsafeMutableBytes(of: &value) { raw in
            try CLError.check(query(MemoryLayout<T>.size, raw.baseAddress, nil), function)
        }
        return value
    }

    /// Reads an array of `T` through `query(size, buffer, sizeReturned)`.
    static func array<T>(_ function: String, _ type: T.Type, zero: T,
                         _ query: (Int, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?) -> Int32) throws -> [T] {
        var size = 0
        try CLError.check(query(0, nil, &size), function)
        let count = size / MemoryLayout<T>.stride
        guard count > 0 else { return [] }
        var values = [T](repeating: zero, count: count)
        try values.withUnsafeMutableBytes { raw in
            try CLError.check(query(raw.count, raw.baseAddress, nil), function)
        }
        return values
    }
}
