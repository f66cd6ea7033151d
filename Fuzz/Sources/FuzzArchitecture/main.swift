import Foundation
import FuzzSupport
import Model

/// One fuzz input: architecture-file bytes must parse to an architecture whose canonical text reads back
/// equal and that resolves for a 3-class head, or throw one `ArchitectureError` line naming the source.
func fuzzArchitecture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzDriver.bytes(data, size)
    do {
        let a = try Architecture.parse(bytes, source: "fuzz-input")
        if try Architecture.parse(a.jsonText, source: "fuzz-input") != a { fatalError("round trip changed: \(a.jsonText)") }
        _ = try a.resolved(classes: 3, source: "fuzz-input")
    } catch let e as ArchitectureError {
        FuzzDriver.requireOneLine(e)
    } catch {
        fatalError("untyped error \(type(of: error)): \(error)")
    }
    return 0
}

SeedWriter.writeIfAsked({
    var out = [String: [UInt8]]()
    for name in Architecture.presetNames {
        out["\(name).json"] = Array(Architecture.preset(named: name)!.jsonText.utf8)
    }
    out["every-type.json"] = Array(#"{"input": [16, 21], "layers": [{"type": "conv2d", "filters": 3, "kernel": [3, 2], "padding": "same", "activation": "relu"}, {"type": "batchnorm", "momentum": 0.9}, {"type": "relu"}, {"type": "maxpool", "size": 2, "stride": 1}, {"type": "avgpool", "size": [2, 3]}, {"type": "globalmaxpool"}, {"type": "dropout", "rate": 0.25}, {"type": "flatten"}, {"type": "dense", "units": 5, "activation": "relu"}, {"type": "dense"}]}"#.utf8)
    return out
})
FuzzDriver.run { data, size in fuzzArchitecture(data, size) }
