import Audio
import Foundation
import FuzzSupport

/// A cache array of the paper's clip size with 10 rows, as `FeatureCache` reads it.
let cachedArray = NPYArray(shape: [10, 64, 173], values: [Float](repeating: 1, count: 10 * 64 * 173))

/// One fuzz input: feature-cache manifest bytes must decode, pass the row check and give in-bounds rows
/// for every reused track, or throw `FeatureCacheError`.
func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    do {
        let m = try FeatureManifest.decode(Data(bytes), path: "fuzz-input")
        guard m.mels == 64, m.frames == 173 else { return 0 }  // FeatureCache ignores other clip sizes
        try m.checkRows(arrayRows: 10, path: "fuzz-input")
        for e in m.tracks where e.firstRow != nil {
            let rows = cachedArray.values[m.valueRange(of: e)]
            if rows.count != e.clips * 64 * 173 { fatalError("row range of \(e.id) is wrong") }
        }
    } catch is FeatureCacheError {
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

SeedWriter.writeIfAsked({
    let entries = [
        FeatureManifest.Entry(id: "blues/a.wav", genre: "blues", size: 1_000, mtimeNanoseconds: 1_700_000_000_000_000_000,
                              firstRow: 0, clips: 3, skipped: nil),
        FeatureManifest.Entry(id: "blues/b.wav", genre: "blues", size: 12, mtimeNanoseconds: 5, firstRow: nil, clips: 0,
                              skipped: "/data/blues/b.wav: cannot decode audio: Format not recognised."),
        FeatureManifest.Entry(id: "metal/c.wav", genre: "metal", size: 2_000, mtimeNanoseconds: 7, firstRow: 3, clips: 7, skipped: nil),
    ]
    let m = FeatureManifest(parameters: .paper, root: "/data", array: "features-0123abcd.npy", mels: 64, frames: 173, tracks: entries)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return ["manifest.json": [UInt8](try encoder.encode(m))]
})
FuzzDriver.run { data, size in fuzzManifest(data, size) }
