import Audio
import Foundation
import FuzzSupport

/// One fuzz input: `.npy` bytes must parse to a consistent array or throw `NPYError`; anything else
/// (a trap, another error) stops the fuzzer with the input saved.
func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    do {
        let a = try NPY.decode(Data(bytes), path: "fuzz-input")
        if a.values.count != a.shape.reduce(1, *) { fatalError("inconsistent array \(a.shape), \(a.values.count) values") }
    } catch is NPYError {
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

SeedWriter.writeIfAsked({
    var out = [String: [UInt8]]()
    for shape in [[3], [2, 3, 4], [0], [], [1, 64, 173]] {
        let n = shape.reduce(1, *)
        out["shape-\(shape.map(String.init).joined(separator: "x")).npy"] =
            NPY.header(shape: shape) + (0..<n).flatMap { i in withUnsafeBytes(of: Float(i) * 0.5 - 1) { Array($0) } }
    }
    return out
})
FuzzDriver.run { data, size in fuzzNPY(data, size) }
