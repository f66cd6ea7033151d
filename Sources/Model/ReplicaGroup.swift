/// The processes of a data-parallel run, each holding a replica of the network on its own device (ranks
/// `0..<size`). A network whose `replicas` is set synchronises batch norm's batch statistics through it, and
/// a trainer sums gradients and per-clip results through it. Every call is collective: each rank makes the
/// same calls in the same order.
public protocol ReplicaGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `values` on every rank by their elementwise sum over the ranks, added in rank order
    /// ((v₀ + v₁) + v₂ …), so every rank gets the same sums and a rerun the same bits.
    func sum(_ values: inout [Float]) throws
    func sum(_ values: inout [Double]) throws
    /// Replaces `values` on every rank by rank `root`'s (the same count on every rank).
    func broadcast(_ values: inout [Double], root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
}

/// How a global batch of `rows` examples is split over `size` replicas: rank r takes the contiguous rows
/// `[r·rows/size, (r+1)·rows/size)` of the single-process batch, so every rank knows its share without
/// communication and the shares of a batch smaller than `size` may be empty.
public struct ReplicaShare: Equatable, Sendable {
    /// First row of the global batch this rank takes, and how many.
    public var offset: Int
    public var rows: Int

    public init(rows: Int, rank: Int, size: Int) {
        precondition(size >= 1 && rank >= 0 && rank < size && rows >= 0, "rank \(rank) of \(size), \(rows) rows")
        let start = rank * rows / size, end = (rank + 1) * rows / size
        offset = start
        self.rows = end - start
    }
}

/// What a data-parallel training step tells the network: the replicas, and the rows of the global batch
/// (this rank's share and the whole), which weight each replica's batch statistics and gradients.
public struct ReplicaStep: Sendable {
    public let group: ReplicaGroup
    public let localRows: Int
    public let globalRows: Int
    public init(group: ReplicaGroup, localRows: Int, globalRows: Int) {
        self.group = group; self.localRows = localRows; self.globalRows = globalRows
    }
    /// This replica's share of the global mean loss: its gradients (of its local mean loss) are scaled by it.
    public var weight: Double { Double(localRows) / Double(globalRows) }
}
