import Foundation
import XCTest

/// A minimal RIFF/WAVE reader for the synth tests (independent of the code under test).
struct SynthWAV {
    var sampleRate: Int
    var channels: Int
    var bitsPerSample: Int
    var formatTag: Int
    var samples: [Int16]

    init(url: URL) throws {
        let d = try Data(contentsOf: url)
        func u32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
        guard d.count >= 12, String(decoding: d[0..<4], as: UTF8.self) == "RIFF",
              String(decoding: d[8..<12], as: UTF8.self) == "WAVE" else {
            throw NSError(domain: "SynthWAV", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(url.path): not RIFF/WAVE"])
        }
        var o = 12
        var rate = 0, ch = 0, bits = 0, tag = 0
        var pcm: [Int16] = []
        while o + 8 <= d.count {
            let id = String(decoding: d[o..<(o + 4)], as: UTF8.self), size = u32(o + 4)
            if id == "fmt " {
                tag = u16(o + 8); ch = u16(o + 10); rate = u32(o + 12); bits = u16(o + 22)
            } else if id == "data" {
                let n = min(size, d.count - o - 8) / 2
                pcm = (0..<n).map { Int16(bitPattern: UInt16(u16(o + 8 + 2 * $0))) }
            }
            o += 8 + size + (size & 1)
        }
        sampleRate = rate; channels = ch; bitsPerSample = bits; formatTag = tag; samples = pcm
    }
}

func synthTemporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("gcnn-synth-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
