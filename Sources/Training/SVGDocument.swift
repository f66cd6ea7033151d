import Foundation

/// A minimal SVG writer for gcnn's pictures (learning curves, confusion matrices, heatmaps): plain text,
/// viewable in any browser, no dependencies.
public struct SVGDocument {
    public let width: Double, height: Double
    private var body: [String] = []

    public init(width: Double, height: Double) { self.width = width; self.height = height }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        body.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(fill)\"" +
                    (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>")
    }

    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#888", width: Double = 1) {
        body.append("<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"/>")
    }

    public mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double = 2, dashed: Bool = false) {
        let p = points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
        body.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\"" +
                    (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>")
    }

    public mutating func circle(x: Double, y: Double, r: Double, fill: String) {
        body.append("<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" fill=\"\(fill)\"/>")
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ s: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              fill: String = "#222", bold: Bool = false, rotate: Double? = nil) {
        let r = rotate.map { " transform=\"rotate(\(f($0)) \(f(x)) \(f(y)))\"" } ?? ""
        body.append("<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\"" +
                    (bold ? " font-weight=\"bold\"" : "") + r + ">\(escape(s))</text>")
    }

    public var rendered: String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body.joined(separator: "\n") + "\n</svg>\n"
    }

    private func f(_ x: Double) -> String { String(format: "%.2f", x) }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A colour of the viridis-like ramp for `t` in 0…1 (interpolated from five of viridis' anchor colours).
    public static func ramp(_ t: Double) -> String {
        let anchors: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(anchors.count - 1)
        let i = min(Int(x), anchors.count - 2), u = x - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        func c(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * u).rounded()) }
        return String(format: "#%02x%02x%02x", c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }
}
