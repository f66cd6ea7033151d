import Foundation

extension ResolvedArchitecture {
    /// The layer table of `gcnn arch show`: one row per layer (output shape, trained parameters, forward
    /// FLOPs of one clip), then the totals; with `tensors`, each layer's tensors (PyTorch names and shapes)
    /// under it.
    public func tableLines(tensors showTensors: Bool = false) -> [String] {
        let header = "#".rightAligned(4) + "  " + "layer".leftAligned(44) + "output".leftAligned(14)
            + "params".rightAligned(12) + "FLOPs".rightAligned(16)
        var lines = [header]
        for layer in layers {
            lines.append("\(layer.index + 1)".rightAligned(4) + "  " + layer.spec.summary.leftAligned(44)
                         + layer.output.description.leftAligned(14) + layer.parameterCount.groupedDigits.rightAligned(12)
                         + layer.forwardFLOPs.groupedDigits.rightAligned(16))
            if showTensors {
                for t in layer.tensors {
                    let shape = t.shape.isEmpty ? "scalar" : t.shape.map(String.init).joined(separator: "×")
                    lines.append("      " + ("  " + t.name).leftAligned(44) + shape.leftAligned(14)
                                 + (t.trainable ? "" : "(buffer)").rightAligned(12))
                }
            }
        }
        lines.append("      " + "total".leftAligned(44) + output.description.leftAligned(14)
                     + parameterCount.groupedDigits.rightAligned(12) + forwardFLOPs.groupedDigits.rightAligned(16))
        return lines
    }

    /// The network's output: the head's features.
    public var output: ActivationShape { layers.last?.output ?? input }

    /// `140 609 parameters, 0.45 GFLOP per clip`.
    public var costSummary: String {
        "\(parameterCount.groupedDigits) parameters, \(Self.flopsText(forwardFLOPs)) per clip (forward)"
    }

    /// FLOPs in MFLOP or GFLOP with three significant digits.
    public static func flopsText(_ flops: Int) -> String {
        let x = Double(flops)
        if x >= 1e9 { return String(format: "%.3g GFLOP", x / 1e9) }
        if x >= 1e6 { return String(format: "%.3g MFLOP", x / 1e6) }
        return "\(flops.groupedDigits) FLOP"
    }
}

extension Int {
    /// Decimal digits in groups of three separated by spaces (`140 609`), as the docs write counts.
    public var groupedDigits: String {
        let digits = String(magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(" ") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + out
    }
}
