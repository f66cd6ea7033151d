/// Adam's state for every trainable tensor: enough, with the parameters, to resume training exactly.
public struct AdamState: Equatable, Sendable {
    /// Adam steps taken (the next step is `step + 1`).
    public var step: Int
    /// First moments, named as the parameters they belong to.
    public var m: ParameterSet
    /// Second moments, named as the parameters they belong to.
    public var v: ParameterSet

    public init(step: Int, m: ParameterSet, v: ParameterSet) {
        self.step = step; self.m = m; self.v = v
    }
}
