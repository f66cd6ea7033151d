import Foundation
import FuzzModel
import FuzzSupport
import Model

/// One fuzz input: safetensors bytes must parse (and survive re-encoding unchanged) or throw
/// `SafeTensorsError`; a parse is then read as a model checkpoint, and a checkpoint that loads must build
/// the network on the reference backend, as `predict` and `evaluate` do.
func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    do {
        let (tensors, metadata) = try SafeTensors.decode(bytes, path: "fuzz-input")
        let again = try SafeTensors.decode(SafeTensors.encode(tensors, metadata: metadata), path: "fuzz-input")
        if again.tensors != tensors || again.metadata != metadata { fatalError("re-encoding changed the file") }
        try buildNetwork(try ModelCheckpoint.decode(bytes, path: "fuzz-input"))
    } catch is SafeTensorsError {
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

SeedWriter.writeIfAsked({
    var rng = RandomGenerator(seed: 3)
    let config = NetworkConfig.paper(inputHeight: 16, inputWidth: 21, filters: 2, maxBatch: 2)
    let parameters = try Network<ReferenceBackend>.initialParameters(config: config, rng: &rng)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gcnn-fuzz-seed-\(getpid()).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try ModelCheckpoint.write(parameters, config: config, labels: ["metal", "jazz"], to: url)
    return [
        "checkpoint.safetensors": [UInt8](try Data(contentsOf: url)),
        "mixed.safetensors": SafeTensors.encode([SafeTensor(name: "a", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
                                                 SafeTensor(name: "n", shape: [], int64s: [42])], metadata: ["format": "pt"]),
        "empty.safetensors": SafeTensors.encode([]),
    ]
})
FuzzDriver.run { data, size in fuzzSafeTensors(data, size) }
