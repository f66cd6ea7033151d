import Foundation
import Model
import XCTest

/// Bounded fuzzing of the architecture-file parser, as `ParserFuzzTests` does for the other parsers: every
/// mutant of a preset's text parses to an architecture whose canonical text reads back equal, or is
/// refused with one `ArchitectureError` line naming the source. The longer run is `Fuzz/run.sh arch`.
extension ParserFuzzTests {
    static func architectureSeeds() -> [[UInt8]] {
        Architecture.presetNames.compactMap(Architecture.preset(named:)).map { Array($0.jsonText.utf8) }
            + [Array(#"{"input": [16, 21], "layers": [{"type": "conv2d", "filters": 3, "kernel": [3, 2], "padding": "same", "activation": "relu"}, {"type": "avgpool", "size": [2, 3], "stride": 1}, {"type": "globalavgpool"}, {"type": "dropout", "rate": 0.25}, {"type": "flatten"}, {"type": "dense", "units": 5, "activation": "relu"}, {"type": "dense"}]}"#.utf8)]
    }

    static func parseArchitecture(_ b: [UInt8]) throws {
        let a = try Architecture.parse(b, source: source)
        let again = try Architecture.parse(a.jsonText, source: source)
        guard again == a else { throw ParseInvariant.broken("architecture round trip: \(a.jsonText)") }
        let r = try a.resolved(classes: 3, source: source)
        guard r.parameterCount >= 0, r.forwardFLOPs >= 0 else { throw ParseInvariant.broken("architecture cost") }
    }

    func testArchitectureParserFuzz() {
        // Many mutants of a text format still parse (a changed digit is a valid width), so fewer are refused.
        _ = fuzz("architecture", seeds: Self.architectureSeeds(), iterations: 2_500, seed: 0xA4C4, minRefused: 0.3,
             isTyped: { $0 is ArchitectureError }, parse: Self.parseArchitecture)
    }
}
