import Foundation
import Model

/// The pictures of a run folder: learning curves and the final confusion matrix (SVG), and the text form
/// of the matrix.
public enum RunPictures {
    /// Loss and accuracy per epoch, training (solid) and validation (dashed).
    public static func learningCurves(_ history: [EpochRecord], title: String) -> String {
        var svg = SVGDocument(width: 760, height: 320)
        svg.text(title, x: 380, y: 22, size: 15, anchor: .middle, bold: true)
        let panels: [(String, KeyPath<EpochRecord, Double>, KeyPath<EpochRecord, Double>, Double)] = [
            ("loss", \.train_loss, \.val_loss, 0), ("accuracy", \.train_acc, \.val_acc, 380),
        ]
        for (name, trainKey, valKey, x0) in panels {
            let left = x0 + 55, top = 45.0, w = 300.0, h = 220.0
            let values = history.flatMap { [$0[keyPath: trainKey], $0[keyPath: valKey]] }.filter(\.isFinite)
            let lo = 0.0
            var hi = name == "accuracy" ? 1.0 : (values.max() ?? 1) * 1.05
            if hi <= lo { hi = lo + 1 }
            svg.rect(x: left, y: top, width: w, height: h, fill: "none", stroke: "#bbb")
            for k in 0...4 {
                let v = lo + (hi - lo) * Double(k) / 4, y = top + h - h * Double(k) / 4
                svg.line(x1: left, y1: y, x2: left + w, y2: y, stroke: "#eee")
                svg.text(String(format: "%.2f", v), x: left - 6, y: y + 4, size: 10, anchor: .end)
            }
            let n = max(history.count, 1)
            func px(_ i: Int) -> Double { n == 1 ? left + w / 2 : left + w * Double(i) / Double(n - 1) }
            func py(_ v: Double) -> Double { top + h - h * (v - lo) / (hi - lo) }
            for (i, r) in history.enumerated() {
                svg.text("\(r.epoch)", x: px(i), y: top + h + 15, size: 10, anchor: .middle)
            }
            svg.text("epoch", x: left + w / 2, y: top + h + 32, size: 11, anchor: .middle)
            svg.text(name, x: left - 40, y: top + h / 2, size: 11, anchor: .middle, rotate: -90)
            for (key, colour, dashed) in [(trainKey, "#1f77b4", false), (valKey, "#d62728", true)] {
                let pts = history.enumerated().compactMap { i, r -> (Double, Double)? in
                    let v = r[keyPath: key]; return v.isFinite ? (px(i), py(v)) : nil
                }
                if pts.count > 1 { svg.polyline(pts, stroke: colour, dashed: dashed) }
                for p in pts { svg.circle(x: p.0, y: p.1, r: 3, fill: colour) }
            }
            svg.line(x1: left + 10, y1: top + 12, x2: left + 30, y2: top + 12, stroke: "#1f77b4", width: 2)
            svg.text("train", x: left + 34, y: top + 16, size: 10)
            svg.line(x1: left + 80, y1: top + 12, x2: left + 100, y2: top + 12, stroke: "#d62728", width: 2)
            svg.text("validation", x: left + 104, y: top + 16, size: 10)
        }
        return svg.rendered
    }

    /// The confusion matrix as aligned text (rows: truth, columns: prediction).
    public static func confusionText(_ counts: [[Int]], labels: [String]) -> String {
        let width = max(8, (labels.map(\.count).max() ?? 0) + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var out = pad("truth\\pred") + labels.map(pad).joined() + "\n"
        for (i, row) in counts.enumerated() {
            out += pad(i < labels.count ? labels[i] : "\(i)") + row.map { pad(String($0)) }.joined() + "\n"
        }
        return out
    }

    /// The confusion matrix as a heatmap (colour: share of the true class), counts written in each cell.
    public static func confusionSVG(_ counts: [[Int]], labels: [String], title: String) -> String {
        let n = counts.count, cell = n > 4 ? 44.0 : 90.0, left = 110.0, top = 60.0
        var svg = SVGDocument(width: left + cell * Double(n) + 30, height: top + cell * Double(n) + 60)
        svg.text(title, x: svg.width / 2, y: 24, size: 14, anchor: .middle, bold: true)
        for (i, row) in counts.enumerated() {
            let total = max(row.reduce(0, +), 1)
            svg.text(i < labels.count ? labels[i] : "\(i)", x: left - 8, y: top + cell * (Double(i) + 0.5) + 4, size: 11, anchor: .end)
            for (j, c) in row.enumerated() {
                let share = Double(c) / Double(total)
                svg.rect(x: left + cell * Double(j), y: top + cell * Double(i), width: cell, height: cell, fill: SVGDocument.ramp(share), stroke: "white")
                svg.text("\(c)", x: left + cell * (Double(j) + 0.5), y: top + cell * (Double(i) + 0.5) + 4, size: 11,
                         anchor: .middle, fill: share > 0.6 ? "#222" : "white")
            }
        }
        for j in 0..<n {
            svg.text(j < labels.count ? labels[j] : "\(j)", x: left + cell * (Double(j) + 0.5), y: top - 8, size: 11, anchor: .middle)
        }
        svg.text("predicted", x: left + cell * Double(n) / 2, y: top + cell * Double(n) + 24, size: 11, anchor: .middle)
        svg.text("true", x: 16, y: top + cell * Double(n) / 2, size: 11, anchor: .middle, rotate: -90)
        return svg.rendered
    }
}
