/// A batch of feature maps in NCHW layout (PyTorch's), row-major, `Float` elements.
public struct Shape4: Equatable, Hashable, CustomStringConvertible, Sendable {
    public var n: Int, c: Int, h: Int, w: Int
    public init(n: Int, c: Int, h: Int, w: Int) { self.n = n; self.c = c; self.h = h; self.w = w }
    /// Number of elements.
    public var count: Int { n * c * h * w }
    public var description: String { "\(n)×\(c)×\(h)×\(w)" }
}

/// Zero padding of a convolution's input, in rows/columns per side.
public struct Padding2D: Equatable, Hashable, Sendable {
    public var top: Int, left: Int, bottom: Int, right: Int
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }
    /// No padding ("valid").
    public static let zero = Padding2D(top: 0, left: 0, bottom: 0, right: 0)
    /// Keras' / PyTorch's "same" at stride 1: total k−1 per axis, top/left = total/2, the extra row/column at the bottom/right.
    public static func same(kernelH: Int, kernelW: Int) -> Padding2D {
        let (h, w) = (kernelH - 1, kernelW - 1)
        return Padding2D(top: h / 2, left: w / 2, bottom: h - h / 2, right: w - w / 2)
    }
}

/// A convolution kh×kw, stride 1, with zero padding: input `n×inC×h×w`, weight `outC×inC×kh×kw` (PyTorch's
/// layout), bias `outC`, output `n×outC×(h+top+bottom−kh+1)×(w+left+right−kw+1)`;
/// `out[b,oc,oy,ox] = bias[oc] + Σ W[oc,ic,ky,kx]·X[b,ic,oy+ky−top,ox+kx−left]`, X zero outside the input.
public struct Conv2DShape: Equatable, Hashable, CustomStringConvertible, Sendable {
    public var input: Shape4
    public var outChannels: Int
    public var kernelH: Int
    public var kernelW: Int
    public var padding: Padding2D
    /// A square `kernel`×`kernel` convolution without padding ("valid").
    public init(input: Shape4, outChannels: Int, kernel: Int = 5) {
        self.init(input: input, outChannels: outChannels, kernelH: kernel, kernelW: kernel)
    }
    public init(input: Shape4, outChannels: Int, kernelH: Int, kernelW: Int, padding: Padding2D = .zero) {
        self.input = input; self.outChannels = outChannels
        self.kernelH = kernelH; self.kernelW = kernelW; self.padding = padding
    }
    public var output: Shape4 {
        Shape4(n: input.n, c: outChannels, h: input.h + padding.top + padding.bottom - kernelH + 1,
               w: input.w + padding.left + padding.right - kernelW + 1)
    }
    /// Elements of the weight tensor.
    public var weightCount: Int { outChannels * input.c * kernelH * kernelW }
    /// Multiply-accumulates of one forward pass (padding taps included).
    public var macs: Int { output.count * input.c * kernelH * kernelW }
    /// The padding as text: "valid", "same", or "pad top,left,bottom,right".
    public var paddingText: String {
        if padding == .zero { return "valid" }
        if padding == .same(kernelH: kernelH, kernelW: kernelW) { return "same" }
        return "pad \(padding.top),\(padding.left),\(padding.bottom),\(padding.right)"
    }
    public var description: String {
        let text = "conv\(kernelH)x\(kernelW) \(input) → \(output)"
        return padding == .zero ? text : "conv\(kernelH)x\(kernelW) \(paddingText) \(input) → \(output)"
    }
}

/// A pooling window over each plane: size sizeH×sizeW, strides strideH/strideW; windows that would cross
/// the bottom/right edge are dropped (floor, as Keras "valid" and PyTorch's default).
public struct PoolShape: Equatable, Hashable, CustomStringConvertible, Sendable {
    public var input: Shape4
    public var sizeH: Int, sizeW: Int, strideH: Int, strideW: Int
    /// 2×2 windows, stride 2 (odd last rows and columns dropped).
    public init(input: Shape4) { self.init(input: input, sizeH: 2, sizeW: 2, strideH: 2, strideW: 2) }
    public init(input: Shape4, sizeH: Int, sizeW: Int, strideH: Int, strideW: Int) {
        self.input = input; self.sizeH = sizeH; self.sizeW = sizeW; self.strideH = strideH; self.strideW = strideW
    }
    /// One window over the whole plane: global pooling, output n×c×1×1 (= [N, C]).
    public static func global(input: Shape4) -> PoolShape {
        PoolShape(input: input, sizeH: input.h, sizeW: input.w, strideH: max(input.h, 1), strideW: max(input.w, 1))
    }
    /// `(h − sizeH)/strideH + 1` rows (0 if `h < sizeH`), the same for columns.
    public var output: Shape4 {
        func extent(_ size: Int, _ window: Int, _ stride: Int) -> Int {
            size < window || stride < 1 ? 0 : (size - window) / stride + 1
        }
        return Shape4(n: input.n, c: input.c, h: extent(input.h, sizeH, strideH), w: extent(input.w, sizeW, strideW))
    }
    /// The paper network's 2×2 windows at stride 2, which have dedicated kernels.
    var isTwoByTwoStrideTwo: Bool { sizeH == 2 && sizeW == 2 && strideH == 2 && strideW == 2 }
    /// Whether some input lies in more than one window (a stride below the size, with two windows or more).
    var windowsOverlap: Bool {
        let o = output
        return (strideH < sizeH && o.h > 1) || (strideW < sizeW && o.w > 1)
    }
    public var description: String { "pool\(sizeH)x\(sizeW)/\(strideH)x\(strideW) \(input) → \(output)" }
}

/// Batch normalisation over channels (axis 1 of NCHW), Keras' semantics by default.
public struct BatchNormConfig: Equatable, Sendable {
    /// Keras' momentum: `running = running·momentum + batch·(1 − momentum)` (PyTorch's momentum is 1 − this).
    public var momentum: Float
    public var epsilon: Float
    /// Keras updates the running variance with the biased batch variance; PyTorch with the unbiased one
    /// (`· m/(m−1)`, m = n·h·w). Normalisation always uses the biased variance.
    public var unbiasedRunningVariance: Bool
    public init(momentum: Float = 0.99, epsilon: Float = 1e-3, unbiasedRunningVariance: Bool = false) {
        self.momentum = momentum; self.epsilon = epsilon; self.unbiasedRunningVariance = unbiasedRunningVariance
    }
    /// Keras' `BatchNormalization()` defaults.
    public static let keras = BatchNormConfig()
    /// PyTorch's `BatchNorm2d(momentum=0.01, eps=1e-3)`: the same layer with PyTorch's variance rule.
    public static let pytorch = BatchNormConfig(unbiasedRunningVariance: true)
}

/// Where Adam's ε enters the update.
public enum AdamEpsilonPlacement: String, Sendable, Codable {
    /// Keras: `w −= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m/(√v + ε)`.
    case keras
    /// PyTorch: `w −= lr/(1−β1ᵗ) · m/(√v/√(1−β2ᵗ) + ε)`.
    case pytorch
}

/// Adam's hyper-parameters (defaults: the seed's).
public struct AdamConfig: Equatable, Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var placement: AdamEpsilonPlacement
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                placement: AdamEpsilonPlacement = .keras) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2
        self.epsilon = epsilon; self.placement = placement
    }
}
