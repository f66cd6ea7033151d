/// A tensor a layer trains, with its gradient and Adam's moments on the device.
public struct Trainable<B: Backend> {
    public let spec: TensorSpec
    public let value: B.Buffer
    public let gradient: B.Buffer
    public let m: B.Buffer
    public let v: B.Buffer
    public var name: String { spec.name }
    public var count: Int { spec.count }
}

/// What a forward pass needs besides its input.
struct ForwardPass {
    var batch: Int
    var training: Bool
    /// The Adam step this training pass computes gradients for (keys dropout masks).
    var step: Int
    var seed: UInt64
    /// Set in a pass that re-estimates batch norm's running statistics (`Network.accumulateBatchNormStatistics`):
    /// batch-norm layers normalise with batch statistics and fold them in with this momentum (Keras' sense);
    /// every other layer runs as at inference.
    var statisticsMomentum: Float? = nil
    /// Set in a data-parallel training pass: batch-norm layers normalise with the statistics of the global
    /// batch (synchronised batch norm). `batch` is then this replica's share, possibly 0.
    var replicas: ReplicaStep? = nil
}

/// One layer of a `Network`: its tensors, forward and backward passes, written against `Backend`
/// (Darknet's habit: one file per layer kind). Subclasses allocate their outputs for `maxBatch` examples.
class Layer<B: Backend> {
    let backend: B
    let resolved: ResolvedLayer
    let maxBatch: Int
    /// Trained tensors, in `state_dict` order.
    var trainables: [Trainable<B>] = []
    /// The input of the last forward pass (the backward pass reads it).
    var lastInput: B.Buffer?
    /// The layer's output for `maxBatch` examples (nil for a layer that passes its input on).
    private let outputBuffer: B.Buffer?
    /// ∂L/∂input for `maxBatch` examples, where a layer before it trains.
    var gradInput: B.Buffer?

    /// Allocates the output (unless `passesInputOn`) and, if `needsInputGradient`, ∂L/∂input; with
    /// `parameters`, the first `trainableCount` of the layer's tensors (all by default) become trainables.
    init(backend: B, resolved: ResolvedLayer, maxBatch: Int, passesInputOn: Bool = false, needsInputGradient: Bool = false,
         parameters: ParameterSet? = nil, adam: AdamState? = nil, trainableCount: Int? = nil) throws {
        self.backend = backend; self.resolved = resolved; self.maxBatch = maxBatch
        let label = Self.label(resolved)
        outputBuffer = passesInputOn ? nil
            : try backend.makeBuffer(count: maxBatch * resolved.output.count, label: "\(label) output")
        if needsInputGradient {
            gradInput = try backend.makeBuffer(count: maxBatch * resolved.input.count, label: "\(label) input gradient")
        }
        if let parameters {
            trainables = try resolved.tensors.prefix(trainableCount ?? resolved.tensors.count)
                .map { try makeTrainable($0, parameters, adam) }
        }
    }

    /// The output buffer (layers that compute one).
    var output: B.Buffer {
        guard let outputBuffer else { preconditionFailure("\(layerLabel) passes its input on and has no output buffer") }
        return outputBuffer
    }

    /// Computes the output of `input` and returns the buffer holding it (possibly `input` itself).
    func forward(_ input: B.Buffer, _ pass: ForwardPass) throws -> B.Buffer { fatalError("\(Self.self).forward") }

    /// Given ∂L/∂output in `gradOutput` (which it may overwrite), writes the gradients of its trainables and
    /// returns the buffer holding ∂L/∂input, or nil when `needInput` is false.
    func backward(_ gradOutput: B.Buffer, batch: Int, needInput: Bool) throws -> B.Buffer? {
        fatalError("\(Self.self).backward")
    }

    /// Every tensor of the layer (trainables and buffers such as running statistics), in `state_dict` order.
    func state() throws -> [NamedTensor] {
        try trainables.map { try download($0.value, $0.spec) }
    }

    // MARK: Helpers for subclasses

    func makeTrainable(_ spec: TensorSpec, _ parameters: ParameterSet, _ adam: AdamState?) throws -> Trainable<B> {
        let values = try parameters.values(of: spec.name, shape: spec.shape)
        let m = try adam.map { try $0.m.values(of: spec.name, shape: spec.shape) } ?? Initializers.zeros(spec.count)
        let v = try adam.map { try $0.v.values(of: spec.name, shape: spec.shape) } ?? Initializers.zeros(spec.count)
        return Trainable(spec: spec,
                         value: try backend.makeBuffer(values, label: spec.name),
                         gradient: try backend.makeBuffer(count: spec.count, label: "gradient of \(spec.name)"),
                         m: try backend.makeBuffer(m, label: "Adam m of \(spec.name)"),
                         v: try backend.makeBuffer(v, label: "Adam v of \(spec.name)"))
    }

    var layerLabel: String { Self.label(resolved) }

    /// The layer's name, or its position and type: how its buffers are labelled in errors.
    private static func label(_ resolved: ResolvedLayer) -> String {
        resolved.spec.name ?? "layer \(resolved.index + 1) (\(resolved.spec.typeName))"
    }

    func download(_ buffer: B.Buffer, _ spec: TensorSpec) throws -> NamedTensor {
        NamedTensor(name: spec.name, shape: spec.shape, values: try backend.read(buffer, offset: 0, count: spec.count))
    }

    func input() -> B.Buffer {
        guard let lastInput else { preconditionFailure("\(layerLabel): backward before forward") }
        return lastInput
    }
}
