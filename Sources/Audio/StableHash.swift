import Foundation

/// FNV-1a, 64 bit: a fixed, platform-independent hash for cache keys (not for security).
public enum StableHash {
    /// The 64-bit FNV-1a hash of `bytes`.
    public static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    /// 16 lowercase hex digits of the FNV-1a hash of `data`.
    public static func hex(of data: Data) -> String {
        let h = fnv1a(data)
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// 16 lowercase hex digits of the FNV-1a hash of the UTF-8 bytes of `string`.
    public static func hex(of string: String) -> String { hex(of: Data(string.utf8)) }
}
