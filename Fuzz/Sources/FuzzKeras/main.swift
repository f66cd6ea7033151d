import Foundation
import FuzzModel
import FuzzSupport
import KerasFormat

/// One fuzz input: Keras file bytes (HDF5 or a `.keras` archive) must import, with a network that builds,
/// or be refused with one `KerasError` line; anything else (a trap, another error) stops the fuzzer with the
/// input saved. libhdf5 reads in a child process (`GCNN_HDF5_SECONDS`, 2 s here), so its own crashes and
/// loops are refusals.
func fuzzKeras(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    do {
        try buildNetwork(try KerasImport.decode(bytes, path: "fuzz-input").checkpoint)
    } catch let error as KerasError {
        FuzzDriver.requireOneLine(error)
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

setenv("GCNN_HDF5_SECONDS", "2", 1)
SeedWriter.writeIfAsked({
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Tests/KerasFormatTests/Fixtures")
    var out = [String: [UInt8]]()
    for name in ["global_max_k2.h5", "paper_k3.keras", "every_layer_k2.h5", "branches.keras", "Metal, Jazz.hdf5"] {
        out[name] = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
    return out
})
FuzzDriver.run { data, size in fuzzKeras(data, size) }
