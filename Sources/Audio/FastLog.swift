/// A fast 10·log10(x) for positive, finite, normal floats, written as straight-line scalar code so
/// that loops over arrays of it are vectorised by the compiler.
///
/// x = 2^e · m with m in [√½, √2); ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, by its odd
/// series to s¹¹ (truncation < 1e-9 relative). The result is within a few float ulps of
/// 10·log10f(x): below 1e-5 dB for every input between 1e-10 and 1e10 (tested).
public enum FastLog {
    @inline(__always)
    public static func decibels(_ x: Float) -> Float {
        let bits = x.bitPattern
        let big = (bits & 0x007F_FFFF) > 0x0035_04F3  // mantissa above √2 (0x3FB504F3)
        let e = Int32(bitPattern: bits >> 23) - 127 + (big ? 1 : 0)
        let m = Float(bitPattern: (bits & 0x007F_FFFF) | (big ? 0x3F00_0000 : 0x3F80_0000))
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p: Float = 1.0 / 11
        p = p * s2 + 1.0 / 9
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        // 10·log10(x) = 10·log10(2)·e + (10 / ln 10)·ln m
        return Float(e) * 3.010_299_956_639_812 + (2 * s * p) * 4.342_944_819_032_518
    }
}
