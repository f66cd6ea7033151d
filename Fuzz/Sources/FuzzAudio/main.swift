import Audio
import Foundation
import FuzzSupport

/// libsndfile reads paths: each input is written to this file (per process) and decoded from there.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-audio-\(getpid()).wav").path

/// One fuzz input: audio bytes must decode to finite, non-empty mono samples at a positive rate, or
/// throw `AudioDecodeError` naming the file.
func fuzzAudio(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        fatalError("\(path): cannot write the fuzz input")
    }
    do {
        let d = try AudioDecoder.decode(path)
        if d.sampleRate <= 0 || d.channels <= 0 || d.samples.isEmpty || !d.samples.allSatisfy(\.isFinite) {
            fatalError("inconsistent decode: \(d.sampleRate) Hz, \(d.channels) channels, \(d.samples.count) samples")
        }
    } catch let e as AudioDecodeError {
        if !e.description.hasPrefix(path) { fatalError("error does not name the file: \(e)") }
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

SeedWriter.writeIfAsked({
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-seeds-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let x = (0..<1_200).map { 0.5 * sinf(Float($0) * 0.03) }
    var out = [String: [UInt8]]()
    for (name, format, channels) in [("pcm16-stereo.wav", AudioFileFormat.wav16, 2), ("float.wav", .wavFloat, 1),
                                     ("pcm16.au", .au16, 1), ("pcm16.flac", .flac16, 2), ("pcm16.aiff", .aiff16, 1),
                                     ("ulaw.wav", .wavULaw, 1), ("pcm24.wav", .wav24, 3), ("pcm16.caf", .caf16, 1)] {
        let path = dir.appendingPathComponent(name).path
        try AudioFileWriter.write(Array(x.prefix(x.count / channels * channels)), sampleRate: 22_050, channels: channels,
                                  format: format, to: path)
        out[name] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    return out
})
FuzzDriver.run { data, size in fuzzAudio(data, size) }
