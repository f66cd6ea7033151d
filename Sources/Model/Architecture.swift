/// A network as a value: a named sequence of layers over one-channel `inputHeight × inputWidth` clips
/// (mel bands × frames). `Network` builds any architecture; the `paper` preset is Mersy & Lyk's CNN.
///
/// The JSON form (`docs/architectures.md`) is read by `Architecture.parse` and written by `jsonText`.
/// Every layer that holds tensors has a name (defaults `conv1, conv2, …`, `bn1, …`, `fc1, …` by order of
/// appearance per kind), which prefixes its tensors' PyTorch names (`conv1.weight`, `bn1.running_var`, …).
public struct Architecture: Equatable, Sendable {
    /// The architecture's name (a preset's name, or the file's `name`).
    public var name: String
    /// Mel bands and frames of one input clip.
    public var inputHeight: Int
    public var inputWidth: Int
    /// The layers in order; the last is a `dense` without `units` (the task sets them).
    public var layers: [LayerSpec]

    public init(name: String, inputHeight: Int, inputWidth: Int, layers: [LayerSpec]) {
        self.name = name; self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.layers = layers
    }

    /// The momentum (Keras' sense) of each batch-norm layer, in order.
    public var batchNormMomenta: [Float] {
        layers.compactMap { if case .batchnorm(let s) = $0 { s.momentum } else { nil } }
    }

    /// The same architecture with every batch-norm layer's momentum (Keras' sense) set to `momentum`.
    public func withBatchNormMomentum(_ momentum: Float) -> Architecture {
        var copy = self
        copy.layers = layers.map { layer in
            guard case .batchnorm(var spec) = layer else { return layer }
            spec.momentum = momentum
            return .batchnorm(spec)
        }
        return copy
    }
}

/// One layer of an `Architecture`, with every default filled in.
public enum LayerSpec: Equatable, Sendable {
    case conv2d(Conv2DLayerSpec)
    case batchnorm(BatchNormLayerSpec)
    case relu
    case maxpool(PoolWindow)
    case avgpool(PoolWindow)
    case globalmaxpool
    case globalavgpool
    /// Inverted dropout with drop probability `rate` in [0, 1).
    case dropout(rate: Float)
    case flatten
    case dense(DenseLayerSpec)

    /// The `type` of the JSON form.
    public var typeName: String {
        switch self {
        case .conv2d: "conv2d"
        case .batchnorm: "batchnorm"
        case .relu: "relu"
        case .maxpool: "maxpool"
        case .avgpool: "avgpool"
        case .globalmaxpool: "globalmaxpool"
        case .globalavgpool: "globalavgpool"
        case .dropout: "dropout"
        case .flatten: "flatten"
        case .dense: "dense"
        }
    }

    /// The layer's tensor-name prefix, for layers that hold tensors.
    public var name: String? {
        switch self {
        case .conv2d(let s): s.name
        case .batchnorm(let s): s.name
        case .dense(let s): s.name
        default: nil
        }
    }

    /// A short human description: `conv2d conv1 5×5×64 valid relu`, `maxpool 2×2`, …
    public var summary: String {
        switch self {
        case .conv2d(let s):
            return "conv2d \(s.name) \(s.kernelH)×\(s.kernelW)×\(s.filters) \(s.padding.rawValue)" + (s.relu ? " relu" : "")
        case .batchnorm(let s): return "batchnorm \(s.name)"
        case .relu: return "relu"
        case .maxpool(let p): return "maxpool \(p.summary)"
        case .avgpool(let p): return "avgpool \(p.summary)"
        case .globalmaxpool: return "globalmaxpool"
        case .globalavgpool: return "globalavgpool"
        case .dropout(let rate): return "dropout \(rate)"
        case .flatten: return "flatten"
        case .dense(let s):
            return "dense \(s.name)" + (s.units.map { " \($0)" } ?? " (head)") + (s.relu ? " relu" : "")
        }
    }
}

/// Zero padding of a convolution: none, or Keras' "same" (output as large as the input at stride 1).
public enum ConvPadding: String, Equatable, Sendable, CaseIterable {
    case valid, same
}

public struct Conv2DLayerSpec: Equatable, Sendable {
    public var name: String
    public var filters: Int
    public var kernelH: Int, kernelW: Int
    public var padding: ConvPadding
    /// ReLU fused after the convolution (`"activation": "relu"`).
    public var relu: Bool
    public init(name: String, filters: Int, kernelH: Int, kernelW: Int, padding: ConvPadding = .valid, relu: Bool = false) {
        self.name = name; self.filters = filters; self.kernelH = kernelH; self.kernelW = kernelW
        self.padding = padding; self.relu = relu
    }

    /// The backend's shape of this convolution on a batch `input`.
    public func shape(input: Shape4) -> Conv2DShape {
        Conv2DShape(input: input, outChannels: filters, kernelH: kernelH, kernelW: kernelW,
                    padding: padding == .same ? .same(kernelH: kernelH, kernelW: kernelW) : .zero)
    }
}

public struct BatchNormLayerSpec: Equatable, Sendable {
    public var name: String
    /// Keras' sense: `running = running·momentum + batch·(1 − momentum)`.
    public var momentum: Float
    public var epsilon: Float
    public init(name: String, momentum: Float = 0.99, epsilon: Float = 1e-3) {
        self.name = name; self.momentum = momentum; self.epsilon = epsilon
    }
}

public struct DenseLayerSpec: Equatable, Sendable {
    public var name: String
    /// Output features; nil for the head, whose units the task sets.
    public var units: Int?
    public var relu: Bool
    public init(name: String, units: Int?, relu: Bool = false) {
        self.name = name; self.units = units; self.relu = relu
    }
}

/// A pooling window and its strides.
public struct PoolWindow: Equatable, Sendable {
    public var sizeH: Int, sizeW: Int, strideH: Int, strideW: Int
    public init(sizeH: Int, sizeW: Int, strideH: Int, strideW: Int) {
        self.sizeH = sizeH; self.sizeW = sizeW; self.strideH = strideH; self.strideW = strideW
    }
    /// `size×size`, stride `size`.
    public init(size: Int) { self.init(sizeH: size, sizeW: size, strideH: size, strideW: size) }
    public var summary: String {
        "\(sizeH)×\(sizeW)" + (strideH == sizeH && strideW == sizeW ? "" : " stride \(strideH)×\(strideW)")
    }

    /// The backend's shape of this pooling on a batch `input`.
    public func shape(input: Shape4) -> PoolShape {
        PoolShape(input: input, sizeH: sizeH, sizeW: sizeW, strideH: strideH, strideW: strideW)
    }
}

// MARK: Shape inference

/// The shape of one example between layers: feature maps (C, H, W) or a feature vector.
public enum ActivationShape: Equatable, Sendable, CustomStringConvertible {
    case maps(c: Int, h: Int, w: Int)
    case features(Int)

    /// Elements of one example.
    public var count: Int {
        switch self {
        case let .maps(c, h, w): c * h * w
        case let .features(f): f
        }
    }

    /// A batch of `n` examples as NCHW (features as `n×f×1×1`).
    public func batch(_ n: Int) -> Shape4 {
        switch self {
        case let .maps(c, h, w): Shape4(n: n, c: c, h: h, w: w)
        case let .features(f): Shape4(n: n, c: f, h: 1, w: 1)
        }
    }

    public var description: String {
        switch self {
        case let .maps(c, h, w): "\(c)×\(h)×\(w)"
        case let .features(f): "\(f)"
        }
    }
}

/// A tensor a layer holds, in PyTorch's `state_dict` name and layout.
public struct TensorSpec: Equatable, Sendable {
    public enum Role: Equatable, Sendable {
        /// Glorot-uniform with these fans (Keras' default kernel initialiser).
        case kernel(fanIn: Int, fanOut: Int)
        case zeros, ones
        /// Batch norm's running statistics (not trained by Adam).
        case runningMean, runningVariance
        /// `num_batches_tracked` (int64 scalar).
        case batchCount
    }
    public var name: String
    public var shape: [Int]
    public var role: Role
    /// Whether Adam updates it.
    public var trainable: Bool {
        switch role {
        case .kernel, .zeros, .ones: true
        case .runningMean, .runningVariance, .batchCount: false
        }
    }
    public var count: Int { shape.reduce(1, *) }
}

/// One layer of a resolved architecture: its spec, input and output shapes, tensors and cost.
public struct ResolvedLayer: Equatable, Sendable {
    /// 0-based position in `Architecture.layers`.
    public var index: Int
    public var spec: LayerSpec
    public var input: ActivationShape
    public var output: ActivationShape
    /// Tensors in `state_dict` order.
    public var tensors: [TensorSpec]
    /// Floating-point operations of one example's forward pass (a multiply-add counts 2).
    public var forwardFLOPs: Int
    /// Trained parameters (the elements of trainable tensors).
    public var parameterCount: Int { tensors.filter(\.trainable).reduce(0) { $0 + $1.count } }
}

/// An architecture with every shape inferred for a head of `classes` outputs.
public struct ResolvedArchitecture: Equatable, Sendable {
    public var architecture: Architecture
    /// 1: one logit, sigmoid + BCE; N > 1: N logits, softmax + CE.
    public var classes: Int
    public var layers: [ResolvedLayer]

    public var input: ActivationShape { .maps(c: 1, h: architecture.inputHeight, w: architecture.inputWidth) }
    /// Every tensor of every layer, in `state_dict` order.
    public var tensors: [TensorSpec] { layers.flatMap(\.tensors) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    public var forwardFLOPs: Int { layers.reduce(0) { $0 + $1.forwardFLOPs } }
    /// The first layer that holds tensors: layers after it need ∂L/∂input, it and those before do not.
    public var firstTrainableIndex: Int { layers.firstIndex { !$0.tensors.isEmpty } ?? layers.count }
}

/// An architecture that cannot be built as written; the message names the source, the layer and the fix.
public struct ArchitectureError: Error, Equatable, CustomStringConvertible {
    /// The file or preset the architecture came from.
    public var source: String
    /// 0-based layer index, when one layer is at fault.
    public var layer: Int?
    /// The layer's summary (`maxpool 2×2`), when known.
    public var layerSummary: String?
    public var message: String

    public init(source: String, layer: Int? = nil, layerSummary: String? = nil, message: String) {
        self.source = source; self.layer = layer; self.layerSummary = layerSummary; self.message = message
    }

    public var description: String {
        var where_ = source
        if let layer {
            where_ += ": layer \(layer + 1)"
            if let layerSummary { where_ += " (\(layerSummary))" }
        }
        return "\(where_): \(message)"
    }
}

extension Architecture {
    /// Infers every layer's shapes and tensors for a head of `classes` outputs; `source` names the
    /// architecture in errors. Throws `ArchitectureError` for a layer that gets too small an input, a dense
    /// layer in the wrong place, or a last layer that is not a unit-less dense layer.
    public func resolved(classes: Int, source: String? = nil) throws -> ResolvedArchitecture {
        let source = source ?? "architecture '\(name)'"
        func fail(_ i: Int?, _ message: String) -> ArchitectureError {
            ArchitectureError(source: source, layer: i, layerSummary: i.map { layers[$0].summary }, message: message)
        }
        guard classes >= 1 else { throw fail(nil, "the head needs at least 1 output, not \(classes)") }
        guard inputHeight >= 1, inputWidth >= 1 else {
            throw fail(nil, "input \(inputHeight)×\(inputWidth) must be at least 1×1")
        }
        guard inputHeight <= Self.maxInputSide, inputWidth <= Self.maxInputSide,
              inputHeight * inputWidth <= Self.maxActivationElements else {
            throw fail(nil, "input \(inputHeight)×\(inputWidth) is too large: at most \(Self.maxInputSide) per side and \(Self.maxActivationElements) values")
        }
        guard let last = layers.last, case .dense(let head) = last, head.units == nil else {
            throw fail(layers.isEmpty ? nil : layers.count - 1,
                       "the last layer must be a dense layer without \"units\" (the task sets its outputs); add {\"type\": \"dense\"} at the end")
        }
        var names = Set<String>()
        var shape = ActivationShape.maps(c: 1, h: inputHeight, w: inputWidth)
        var resolved: [ResolvedLayer] = []
        // Sizes that overflow are refused with the rest: products are checked, each layer's cost is bounded.
        func product(_ factors: Int...) -> Int? {
            var p = 1
            for f in factors {
                let (r, overflow) = p.multipliedReportingOverflow(by: f)
                if overflow { return nil }
                p = r
            }
            return p
        }
        for (i, layer) in layers.enumerated() {
            if let name = layer.name {
                guard names.insert(name).inserted else { throw fail(i, "the name '\(name)' is used twice; give each layer its own name") }
            }
            let input = shape
            var tensors: [TensorSpec] = []
            var flops = 0
            func maps(_ what: String) throws -> (c: Int, h: Int, w: Int) {
                guard case let .maps(c, h, w) = input else {
                    throw fail(i, "\(what) needs feature maps, but gets \(input.count) features (after a dense, flatten or global pooling); move it before them")
                }
                return (c, h, w)
            }
            switch layer {
            case .conv2d(let s):
                let (c, h, w) = try maps("a convolution")
                guard (1...7).contains(s.kernelH), (1...7).contains(s.kernelW) else {
                    throw fail(i, "kernel \(s.kernelH)×\(s.kernelW) is outside 1…7; use a kernel of 1 to 7 per side")
                }
                guard s.filters >= 1, s.filters <= Self.maxChannels else {
                    throw fail(i, "filters must be in 1…\(Self.maxChannels), not \(s.filters)")
                }
                let (oh, ow) = s.padding == .same ? (h, w) : (h - s.kernelH + 1, w - s.kernelW + 1)
                guard oh >= 1, ow >= 1 else {
                    throw fail(i, "gets a \(h)×\(w) input, smaller than its \(s.kernelH)×\(s.kernelW) kernel; use \"padding\": \"same\", a smaller kernel, or fewer pooling layers before it")
                }
                shape = .maps(c: s.filters, h: oh, w: ow)
                let k2 = s.kernelH * s.kernelW
                tensors = [TensorSpec(name: "\(s.name).weight", shape: [s.filters, c, s.kernelH, s.kernelW],
                                      role: .kernel(fanIn: c * k2, fanOut: s.filters * k2)),
                           TensorSpec(name: "\(s.name).bias", shape: [s.filters], role: .zeros)]
                flops = product(2, shape.count, c, k2).map { $0 > Int.max - shape.count ? Int.max : $0 + (s.relu ? shape.count : 0) } ?? Int.max
            case .batchnorm(let s):
                let c: Int
                switch input {
                case let .maps(channels, _, _): c = channels
                case let .features(f): c = f
                }
                guard s.momentum >= 0, s.momentum <= 1, s.epsilon > 0 else {
                    throw fail(i, "momentum \(s.momentum) must be in [0, 1] and epsilon \(s.epsilon) positive")
                }
                tensors = [TensorSpec(name: "\(s.name).weight", shape: [c], role: .ones),
                           TensorSpec(name: "\(s.name).bias", shape: [c], role: .zeros),
                           TensorSpec(name: "\(s.name).running_mean", shape: [c], role: .runningMean),
                           TensorSpec(name: "\(s.name).running_var", shape: [c], role: .runningVariance),
                           TensorSpec(name: "\(s.name).num_batches_tracked", shape: [], role: .batchCount)]
                flops = 2 * input.count
            case .relu:
                flops = input.count
            case .maxpool(let p), .avgpool(let p):
                let (c, h, w) = try maps("pooling")
                guard p.sizeH >= 1, p.sizeW >= 1, p.strideH >= 1, p.strideW >= 1 else {
                    throw fail(i, "size and stride must be at least 1")
                }
                guard h >= p.sizeH, w >= p.sizeW else {
                    throw fail(i, "gets a \(h)×\(w) input, smaller than its \(p.sizeH)×\(p.sizeW) window; use a smaller size or fewer layers that shrink the input before it")
                }
                shape = .maps(c: c, h: (h - p.sizeH) / p.strideH + 1, w: (w - p.sizeW) / p.strideW + 1)
                flops = product(shape.count, p.sizeH, p.sizeW) ?? Int.max
            case .globalmaxpool, .globalavgpool:
                let (c, h, w) = try maps("global pooling")
                shape = .features(c)
                flops = c * h * w
            case .dropout(let rate):
                guard rate >= 0, rate < 1 else { throw fail(i, "rate \(rate) must be in [0, 1)") }
                flops = input.count
            case .flatten:
                shape = .features(input.count)
            case .dense(let s):
                let inFeatures = input.count
                let isHead = i == layers.count - 1
                guard isHead || s.units != nil else {
                    throw fail(i, "only the last layer may leave out \"units\"; give this dense layer \"units\"")
                }
                let out = s.units ?? classes
                guard out >= 1, out <= Self.maxChannels else { throw fail(i, "units must be in 1…\(Self.maxChannels), not \(out)") }
                if isHead, s.relu { throw fail(i, "the head takes no activation (the task applies sigmoid or softmax); remove \"activation\"") }
                shape = .features(out)
                tensors = [TensorSpec(name: "\(s.name).weight", shape: [out, inFeatures],
                                      role: .kernel(fanIn: inFeatures, fanOut: out)),
                           TensorSpec(name: "\(s.name).bias", shape: [out], role: .zeros)]
                flops = 2 * inFeatures * out + (s.relu ? out : 0)
            }
            guard shape.count <= Self.maxActivationElements else {
                throw fail(i, "its output of \(shape.count) values per clip is more than \(Self.maxActivationElements); use fewer filters, more pooling or a smaller input")
            }
            guard flops <= Self.maxLayerFLOPs else {
                throw fail(i, "needs more than \(Self.maxLayerFLOPs) FLOPs per clip; use fewer filters, more pooling or a smaller input")
            }
            resolved.append(ResolvedLayer(index: i, spec: layer, input: input, output: shape, tensors: tensors,
                                          forwardFLOPs: flops))
        }
        return ResolvedArchitecture(architecture: self, classes: classes, layers: resolved)
    }
}

extension Architecture {
    /// Most values one layer may output per clip (1 GiB of floats).
    public static let maxActivationElements = 1 << 28
    /// Most forward FLOPs one layer may need per clip.
    public static let maxLayerFLOPs = 1 << 50
}

extension Architecture {
    /// The paper's layer sequence at another input size, width or kernel (small networks for tests, and
    /// checkpoints written before architectures were data).
    public static func paperVariant(inputHeight: Int, inputWidth: Int, filters: Int = 64, kernel: Int = 5) -> Architecture {
        var architecture = Architecture.paper
        architecture.inputHeight = inputHeight; architecture.inputWidth = inputWidth
        architecture.layers = architecture.layers.map { layer in
            guard case .conv2d(var s) = layer else { return layer }
            s.filters = filters; s.kernelH = kernel; s.kernelW = kernel
            return .conv2d(s)
        }
        return architecture
    }
}
