/// A `ReferenceBackend` tensor: `count` `Float`s in host memory, owned by this object.
///
/// The storage is a manually allocated block rather than a Swift `Array` so that the ops can hand
/// raw pointers of several buffers to `DispatchQueue.concurrentPerform` without copy-on-write or
/// exclusivity traps. `values` returns a copy as `[Float]`.
public final class ReferenceBuffer {
    /// Names the buffer in precondition messages.
    public let label: String
    /// Number of elements.
    public let count: Int
    let base: UnsafeMutablePointer<Float>

    /// A buffer of `count` elements set to NaN, so that an op which forgets to write part of its
    /// output poisons everything downstream instead of passing with stale zeros.
    init(count: Int, label: String) {
        precondition(count >= 0, "makeBuffer: '\(label)' has a negative element count \(count)")
        self.label = label
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: .nan, count: Swift.max(count, 1))
    }

    deinit { base.deallocate() }

    /// A copy of the contents.
    public var values: [Float] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A `ReferenceBackend` index array (`Int32` sample indices) in host memory.
public final class ReferenceIndexBuffer {
    /// Names the buffer in precondition messages.
    public let label: String
    /// The indices.
    public internal(set) var values: [Int32]

    init(_ values: [Int32], label: String) {
        self.label = label
        self.values = values
    }

    /// Number of elements.
    public var count: Int { values.count }
}
