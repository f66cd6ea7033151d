import Foundation

/// Audio files assembled byte by byte (not through libsndfile), so a test knows every header field and
/// every stored sample, and can make the header lie: RIFF/WAVE and Sun `.au` with any encoding, chunk
/// sizes and truncation.
enum HandBuiltAudio {
    /// A WAVE `fmt ` encoding: the format tag and bits per sample.
    enum WAVEncoding {
        case pcm(bits: Int)  // 8 (unsigned), 16, 24, 32 (signed)
        case float32, float64, muLaw, aLaw

        var tag: UInt16 {
            switch self {
            case .pcm: return 1
            case .float32, .float64: return 3
            case .aLaw: return 6
            case .muLaw: return 7
            }
        }
        var bytesPerSample: Int {
            switch self {
            case let .pcm(bits): return bits / 8
            case .float32: return 4
            case .float64: return 8
            case .muLaw, .aLaw: return 1
            }
        }
    }

    /// A Sun/NeXT `.au` encoding code.
    enum AUEncoding: UInt32 {
        case muLaw = 1, pcm8 = 2, pcm16 = 3, pcm24 = 4, pcm32 = 5, float32 = 6, float64 = 7, aLaw = 27
        var bytesPerSample: Int {
            switch self {
            case .muLaw, .pcm8, .aLaw: return 1
            case .pcm16: return 2
            case .pcm24: return 3
            case .pcm32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    static func be32(_ v: UInt32) -> [UInt8] { le32(v).reversed() }

    /// A WAVE file of `data` (already-encoded samples). `riffSize`/`dataSize` override the true sizes (to
    /// lie); `extraChunks` go between `fmt ` and `data`.
    static func wav(_ encoding: WAVEncoding, channels: Int, sampleRate: Int, data: [UInt8],
                    riffSize: UInt32? = nil, dataSize: UInt32? = nil, extraChunks: [UInt8] = []) -> [UInt8] {
        let block = encoding.bytesPerSample * channels
        var fmt = le16(encoding.tag) + le16(UInt16(channels)) + le32(UInt32(sampleRate))
        fmt += le32(UInt32(sampleRate * block)) + le16(UInt16(block)) + le16(UInt16(encoding.bytesPerSample * 8))
        if encoding.tag != 1 { fmt += le16(0) }  // cbSize: non-PCM fmt chunks are 18 bytes
        var body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt + extraChunks
        body += Array("data".utf8) + le32(dataSize ?? UInt32(data.count)) + data
        if data.count % 2 == 1 { body.append(0) }
        return Array("RIFF".utf8) + le32(riffSize ?? UInt32(body.count)) + body
    }

    /// A Sun `.au` file (big-endian samples); `dataSize` overrides the true size (`0xFFFFFFFF`: unknown).
    static func au(_ encoding: AUEncoding, channels: Int, sampleRate: Int, data: [UInt8], dataSize: UInt32? = nil) -> [UInt8] {
        Array(".snd".utf8) + be32(24) + be32(dataSize ?? UInt32(data.count)) + be32(encoding.rawValue)
            + be32(UInt32(sampleRate)) + be32(UInt32(channels)) + data
    }

    /// Little-endian bytes of signed integer samples `n` of `bits` (8-bit WAVE is unsigned, offset 128).
    static func pcmLE(_ n: [Int32], bits: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(n.count * bits / 8)
        for v in n {
            let u = bits == 8 ? UInt32(bitPattern: v + 128) : UInt32(bitPattern: v)
            for b in 0..<(bits / 8) { out.append(UInt8((u >> (8 * b)) & 0xFF)) }
        }
        return out
    }

    static func float32LE(_ x: [Float]) -> [UInt8] { x.flatMap { le32($0.bitPattern) } }
    static func float64LE(_ x: [Double]) -> [UInt8] {
        x.flatMap { v in (0..<8).map { UInt8((v.bitPattern >> (8 * $0)) & 0xFF) } }
    }

    /// ITU-T G.711 µ-law code → 16-bit linear value (the standard decoding table).
    static func muLawToLinear(_ code: UInt8) -> Int32 {
        let u = ~code
        var t = (Int32(u & 0x0F) << 3) + 0x84
        t <<= Int32((u & 0x70) >> 4)
        return (u & 0x80) != 0 ? 0x84 - t : t - 0x84
    }

    /// ITU-T G.711 A-law code → 16-bit linear value (the standard decoding table).
    static func aLawToLinear(_ code: UInt8) -> Int32 {
        let a = code ^ 0x55
        var t = Int32(a & 0x0F) << 4
        let segment = Int32((a & 0x70) >> 4)
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default: t += 0x108; t <<= segment - 1
        }
        return (a & 0x80) != 0 ? t : -t
    }

    /// A deterministic spread of signed `bits`-bit integers covering the full range, extremes included.
    static func integerRamp(count: Int, bits: Int) -> [Int32] {
        let lo = -(Int64(1) << (bits - 1)), hi = (Int64(1) << (bits - 1)) - 1
        return (0..<count).map { i in
            if i == 0 { return Int32(lo) }
            if i == 1 { return Int32(hi) }
            let span = hi - lo + 1
            return Int32(lo + (Int64(i) &* 2_654_435_761) % span)
        }
    }

    static func write(_ bytes: [UInt8], to url: URL) throws { try Data(bytes).write(to: url) }
}
