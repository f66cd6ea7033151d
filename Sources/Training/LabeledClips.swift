/// Feature clips with their class labels, on the host: `count` clips of `clipLength` floats each
/// (`64 × 173` log-mel values for the paper), row-major.
public struct LabeledClips: Equatable, Sendable {
    public var features: [Float]
    public var labels: [Int]
    public var clipLength: Int
    public var count: Int { labels.count }

    public init(features: [Float], labels: [Int], clipLength: Int) {
        precondition(features.count == labels.count * clipLength, "features must hold labels.count clips of clipLength")
        self.features = features; self.labels = labels; self.clipLength = clipLength
    }

    /// The clips at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledClips {
        var f: [Float] = []
        f.reserveCapacity(indices.count * clipLength)
        for i in indices { f.append(contentsOf: features[(i * clipLength)..<((i + 1) * clipLength)]) }
        return LabeledClips(features: f, labels: indices.map { labels[$0] }, clipLength: clipLength)
    }
}
