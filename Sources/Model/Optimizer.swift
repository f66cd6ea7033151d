/// Which update rule a `Network` applies after each backward pass.
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    /// Adam (`AdamConfig`, either ε placement); the seed's.
    case adam
    /// AdamW: Adam with decoupled weight decay, `w ← w·(1 − lr·λ)` before the Adam update
    /// (torch.optim.AdamW; keras.optimizers.AdamW with the Keras ε placement).
    case adamw
    /// SGD with optional momentum, Nesterov momentum and L2 weight decay, in torch.optim.SGD's form.
    case sgd
}

/// The optimiser of a `Network` besides the learning rate and Adam's β and ε (which `AdamConfig` holds).
/// Weight decay applies to every trainable tensor, biases and batch-norm γ/β included (PyTorch's default
/// for one parameter group).
public struct OptimizerSettings: Equatable, Sendable, Codable {
    public var kind: OptimizerKind
    /// λ: decoupled for AdamW, added to the gradient (`g + λ·w`) for SGD; must be 0 for Adam.
    public var weightDecay: Float
    /// SGD's momentum μ (0: plain SGD).
    public var momentum: Float
    /// SGD's Nesterov momentum (needs μ > 0).
    public var nesterov: Bool

    public init(kind: OptimizerKind = .adam, weightDecay: Float = 0, momentum: Float = 0, nesterov: Bool = false) {
        self.kind = kind; self.weightDecay = weightDecay; self.momentum = momentum; self.nesterov = nesterov
    }

    /// Why these settings cannot be used, naming the option, or nil.
    public var problem: String? {
        guard weightDecay >= 0, weightDecay.isFinite else { return "--weight-decay must be a non-negative number" }
        guard momentum >= 0, momentum < 1 else { return "--momentum must be in [0, 1)" }
        switch kind {
        case .adam:
            if weightDecay != 0 { return "--weight-decay applies to --optimizer adamw (decoupled) or sgd, not adam" }
            if momentum != 0 || nesterov { return "--momentum and --nesterov apply to --optimizer sgd" }
        case .adamw:
            if momentum != 0 || nesterov { return "--momentum and --nesterov apply to --optimizer sgd" }
        case .sgd:
            if nesterov && momentum == 0 { return "--nesterov needs --momentum above 0 (as torch.optim.SGD)" }
        }
        return nil
    }
}

/// One SGD step's hyper-parameters, torch.optim.SGD's (dampening 0):
/// `g ← g + λ·w; b ← μ·b + g; g ← nesterov ? g + μ·b : b; w ← w − lr·g` (b starts at 0, so the first
/// step's buffer is the gradient, as torch's).
public struct SGDConfig: Equatable, Sendable {
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
    }
}
