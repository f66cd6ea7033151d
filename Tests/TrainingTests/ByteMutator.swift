import Foundation

/// Deterministic structure-unaware mutations of valid files, for the bounded fuzz tests: bit flips,
/// byte overwrites, inserts and deletes, truncation, 1/2/4/8-byte length fields (either endianness)
/// overwritten with extreme values, decimal numbers in text headers replaced by extreme ones, and
/// splices of one seed into another. Same seed, same sequence of inputs on every machine.
struct ByteMutator {
    private var state: UInt64
    let seeds: [[UInt8]]

    init(seed: UInt64, seeds: [[UInt8]]) {
        precondition(!seeds.isEmpty && seeds.allSatisfy { !$0.isEmpty })
        state = seed
        self.seeds = seeds
    }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB2_6111_49EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    static let extremes: [UInt64] = [0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                     0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000,
                                     UInt64.max, UInt64.max - 7, 100_000_001]
    static let extremeNumbers = ["-1", "0", "-0", "1e308", "-1e308", "1.5", "9223372036854775807", "9223372036854775808",
                                 "-9223372036854775808", "18446744073709551616", "4294967296", "2147483648", "99999999999",
                                 "1e-7", "NaN", "null", "true", "\"\"", "[]", "{}"]

    /// One mutant: 1 to 4 stacked mutations of a random seed.
    mutating func mutant() -> [UInt8] {
        var b = seeds[below(seeds.count)]
        for _ in 0...below(4) { mutate(&b) }
        return b
    }

    mutating func mutate(_ b: inout [UInt8]) {
        if b.isEmpty { b = [UInt8(truncatingIfNeeded: next())]; return }
        switch below(10) {
        case 0:  // flip 1 to 8 bits
            for _ in 0...below(8) { b[below(b.count)] ^= UInt8(1) << UInt8(below(8)) }
        case 1:  // overwrite bytes
            for _ in 0...below(4) { b[below(b.count)] = [0, 0xFF, 0x7F, 0x80, UInt8(truncatingIfNeeded: next())][below(5)] }
        case 2:  // insert bytes
            let at = below(b.count + 1)
            b.insert(contentsOf: (0...below(16)).map { _ in UInt8(truncatingIfNeeded: next()) }, at: at)
        case 3:  // delete a range
            let at = below(b.count), n = min(b.count - at, 1 + below(16))
            b.removeSubrange(at..<(at + n))
        case 4:  // truncate
            b.removeSubrange(below(b.count)...)
        case 5, 6:  // overwrite a length-like field with an extreme value
            let width = [1, 2, 4, 8][below(4)]
            guard b.count >= width else { return }
            // Header fields live near the start: bias the position there half the time.
            let at = below(2) == 0 ? below(min(b.count - width + 1, 64)) : below(b.count - width + 1)
            var v = Self.extremes[below(Self.extremes.count)]
            if below(4) == 0 { v = UInt64(bitPattern: -Int64(below(1_000)) - 1) }  // small negatives
            let bigEndian = below(2) == 0
            for k in 0..<width { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(bigEndian ? width - 1 - k : k))) }
        case 7:  // replace a decimal number in a text header with an extreme token
            let digits = b.indices.filter { b[$0] >= 0x30 && b[$0] <= 0x39 && ($0 == 0 || !(b[$0 - 1] >= 0x30 && b[$0 - 1] <= 0x39)) }
            guard !digits.isEmpty else { return }
            let at = digits[below(digits.count)]
            var end = at
            while end < b.count, b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
            b.replaceSubrange(at..<end, with: Array(Self.extremeNumbers[below(Self.extremeNumbers.count)].utf8))
        case 8:  // splice: the head of this input, the tail of another seed
            let other = seeds[below(seeds.count)]
            b = Array(b.prefix(below(b.count + 1))) + Array(other.suffix(below(other.count + 1)))
        default:  // duplicate a range elsewhere
            let at = below(b.count), n = min(b.count - at, 1 + below(32))
            let piece = Array(b[at..<(at + n)])
            b.insert(contentsOf: piece, at: below(b.count + 1))
        }
    }
}
