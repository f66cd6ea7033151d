// TEMPORARY: stand-ins for ops being written on other branches; removed when they merge.
public struct Padding2D: Equatable, Hashable, Sendable {
    public var top: Int, left: Int, bottom: Int, right: Int
    public init(top: Int, left: Int, bottom: Int, right: Int) { self.top = top; self.left = left; self.bottom = bottom; self.right = right }
    public static let zero = Padding2D(top: 0, left: 0, bottom: 0, right: 0)
    public static func same(kernelH: Int, kernelW: Int) -> Padding2D {
        Padding2D(top: (kernelH - 1) / 2, left: (kernelW - 1) / 2, bottom: kernelH - 1 - (kernelH - 1) / 2, right: kernelW - 1 - (kernelW - 1) / 2)
    }
}
extension Conv2DShape {
    public init(input: Shape4, outChannels: Int, kernelH: Int, kernelW: Int, padding: Padding2D = .zero) {
        precondition(kernelH == kernelW && padding == .zero, "pending: square valid only")
        self.init(input: input, outChannels: outChannels, kernel: kernelH)
    }
}
extension PoolShape {
    public init(input: Shape4, sizeH: Int, sizeW: Int, strideH: Int, strideW: Int) { fatalError("pending") }
    public static func global(input: Shape4) -> PoolShape { fatalError("pending") }
}
public struct DropoutKey: Equatable, Sendable {
    public var seed: UInt64; public var layer: UInt32; public var step: UInt64
    public init(seed: UInt64, layer: UInt32, step: UInt64) { self.seed = seed; self.layer = layer; self.step = step }
}
extension Backend {
    public func avgPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws { fatalError("pending") }
    public func avgPoolBackward(gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws { fatalError("pending") }
    public func reluForward(input: Buffer, output: Buffer, count: Int) throws { fatalError("pending") }
    public func dropoutForward(input: Buffer, output: Buffer, count: Int, rate: Float, key: DropoutKey) throws { fatalError("pending") }
    public func dropoutBackward(gradOutput: Buffer, gradInput: Buffer, count: Int, rate: Float, key: DropoutKey) throws { fatalError("pending") }
}
extension Architecture {
    public var jsonText: String { precondition(self == .paper, "pending"); return "paper" }
    public static func parse(_ text: String, source: String) throws -> Architecture {
        guard text == "paper" else { throw ArchitectureError(source: source, message: "pending") }
        return .paper
    }
    public static func preset(named name: String) -> Architecture? { name == "paper" ? .paper : nil }
}
public struct ReluForwardCase: BackendCheckCase {
    public let op = "relu forward", shape = "", tolerance = CheckTolerance.exact
    public init(count: Int, seed: UInt64) {}
    public func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double) { fatalError("pending") }
}
public struct DropoutCase: BackendCheckCase {
    public let op = "dropout", shape = "", tolerance = CheckTolerance.exact
    public init(count: Int, rate: Float, backward: Bool, seed: UInt64) {}
    public func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double) { fatalError("pending") }
}
public struct AvgPoolCase: BackendCheckCase {
    public let op = "avgpool", shape = "", tolerance = CheckTolerance.exact
    public init(_ pool: PoolShape, backward: Bool, seed: UInt64) {}
    public func run<B: Backend>(on backend: B) throws -> (outputs: [[Float]], milliseconds: Double) { fatalError("pending") }
}
