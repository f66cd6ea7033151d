/// The shape and training hyper-parameters of `PaperCNN`: Conv k×k×filters + ReLU → BatchNorm →
/// MaxPool 2×2 → Conv k×k×filters + ReLU → MaxPool 2×2 → Flatten → Dense(classes).
public struct PaperCNNConfig: Equatable, Sendable {
    /// Input height (mel bands) and width (frames) of one single-channel example.
    public var inputHeight: Int
    public var inputWidth: Int
    /// Feature maps of both convolutions.
    public var filters: Int
    /// Side of both square kernels.
    public var kernel: Int
    /// 1: one logit, sigmoid + binary cross-entropy (labels 0/1). N > 1: N logits, softmax +
    /// cross-entropy (labels are class indices stored as `Float`).
    public var classes: Int
    public var batchNorm: BatchNormConfig
    public var adam: AdamConfig
    /// The largest batch `trainStep`/`evaluate` accept; activations are allocated for it.
    public var maxBatch: Int

    /// Defaults: the paper's binary network on 64×173 log-mel clips, Keras' BatchNorm and Adam, batch 32.
    public init(inputHeight: Int = 64, inputWidth: Int = 173, filters: Int = 64, kernel: Int = 5,
                classes: Int = 1, batchNorm: BatchNormConfig = .keras, adam: AdamConfig = AdamConfig(),
                maxBatch: Int = 32) {
        self.inputHeight = inputHeight; self.inputWidth = inputWidth; self.filters = filters
        self.kernel = kernel; self.classes = classes; self.batchNorm = batchNorm; self.adam = adam
        self.maxBatch = maxBatch
    }

    // MARK: Layer shapes for a batch of `n`

    public func conv1(batch n: Int) -> Conv2DShape {
        Conv2DShape(input: Shape4(n: n, c: 1, h: inputHeight, w: inputWidth), outChannels: filters, kernel: kernel)
    }
    public func pool1(batch n: Int) -> PoolShape { PoolShape(input: conv1(batch: n).output) }
    public func conv2(batch n: Int) -> Conv2DShape {
        Conv2DShape(input: pool1(batch: n).output, outChannels: filters, kernel: kernel)
    }
    public func pool2(batch n: Int) -> PoolShape { PoolShape(input: conv2(batch: n).output) }

    /// Elements of one input example.
    public var inputCount: Int { inputHeight * inputWidth }
    /// Features after Flatten (C, H, W order): 33 280 = 64×13×40 for the paper's network.
    public var flattenFeatures: Int {
        let p = pool2(batch: 1).output
        return p.c * p.h * p.w
    }

    /// Throws `PaperCNNError` unless every layer has a positive output.
    public func validate() throws {
        guard filters > 0, kernel > 0, classes > 0, maxBatch > 0 else {
            throw PaperCNNError.invalidConfiguration(
                "filters \(filters), kernel \(kernel), classes \(classes) and maxBatch \(maxBatch) must be positive")
        }
        let c1 = conv1(batch: 1).output, c2 = conv2(batch: 1).output, p2 = pool2(batch: 1).output
        guard c1.h > 0, c1.w > 0, c2.h > 0, c2.w > 0, p2.h > 0, p2.w > 0 else {
            throw PaperCNNError.inputTooSmall(height: inputHeight, width: inputWidth,
                                              minimum: 3 * kernel + 1)
        }
    }
}

/// A `PaperCNN` cannot be built or run as asked.
public enum PaperCNNError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case inputTooSmall(height: Int, width: Int, minimum: Int)
    case batchOutOfRange(batch: Int, maxBatch: Int)

    public var description: String {
        switch self {
        case let .invalidConfiguration(why):
            return "invalid network configuration: \(why)"
        case let .inputTooSmall(height, width, minimum):
            return "input \(height)×\(width) is too small for the network: both sides must be at least "
                + "\(minimum) so that every convolution and pooling has an output"
        case let .batchOutOfRange(batch, maxBatch):
            return "batch of \(batch) examples is outside 1...\(maxBatch); raise maxBatch in the configuration"
        }
    }
}
