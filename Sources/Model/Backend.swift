/// The ops the network and the trainer are written against, implemented twice: `OpenCLBackend`
/// (hand-written kernels on any OpenCL device) and `ReferenceBackend` (plain, obviously correct Swift,
/// the oracle of every kernel).
///
/// Conventions, for every op:
/// - Tensors are `Float`, NCHW, row-major; weights in PyTorch's layouts (conv `outC×inC×kh×kw`,
///   dense `out×in`).
/// - Ops are enqueued in order and may run asynchronously; `read` and `finish` wait.
/// - Outputs are overwritten, never accumulated into (gradients included), unless a doc says otherwise.
/// - `offset`s and `count`s are in elements.
public protocol Backend: AnyObject {
    /// A device-resident array of `Float`.
    associatedtype Buffer
    /// A device-resident array of `Int32` (sample indices).
    associatedtype IndexBuffer

    /// Human-readable name of the device this backend runs on.
    var deviceName: String { get }

    // MARK: Memory
    /// A new buffer of `count` elements, contents unspecified. `label` names it in errors.
    func makeBuffer(count: Int, label: String) throws -> Buffer
    /// A new buffer holding `values`.
    func makeBuffer(_ values: [Float], label: String) throws -> Buffer
    /// Copies `values` into `buffer` starting at element `offset`.
    func write(_ values: [Float], to buffer: Buffer, offset: Int) throws
    /// Waits for queued work, then copies `count` elements from `offset`.
    func read(_ buffer: Buffer, offset: Int, count: Int) throws -> [Float]
    /// Sets `count` elements from `offset` to `value`.
    func fill(_ buffer: Buffer, value: Float, offset: Int, count: Int) throws
    /// A new index buffer holding `values`.
    func makeIndexBuffer(_ values: [Int32], label: String) throws -> IndexBuffer
    /// Copies `values` into `buffer` starting at element `offset`.
    func write(_ values: [Int32], to buffer: IndexBuffer, offset: Int) throws
    /// Waits until every enqueued op has completed.
    func finish() throws

    // MARK: Data movement
    /// `destination[r, :] = source[indices[indexOffset + r], :]` for `r < rows`, rows of `rowLength`
    /// elements: a shuffled batch gathered from a dataset that stays on the device.
    func gatherRows(source: Buffer, rowLength: Int, indices: IndexBuffer, indexOffset: Int, rows: Int,
                    into destination: Buffer) throws

    // MARK: Convolution kh×kw, stride 1, zero padding
    /// `output = conv(input, weight) + bias`, then ReLU if `relu`:
    /// `out[b,oc,oy,ox] = bias[oc] + Σ W[oc,ic,ky,kx]·X[b,ic,oy+ky−top,ox+kx−left]`, X zero outside the input
    /// (`shape.padding`; `Conv2DShape.output` gives the output's size).
    func conv2dForward(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                       shape: Conv2DShape, relu: Bool) throws
    /// `gradInput = ∂L/∂input` of the unpadded input (the correlation of `gradOutput` with the flipped kernel,
    /// restricted to the input's positions).
    func conv2dBackwardData(gradOutput: Buffer, weight: Buffer, gradInput: Buffer, shape: Conv2DShape) throws
    /// `gradWeight = ∂L/∂weight`, `gradBias = ∂L/∂bias`, summed over the batch (padding taps contribute 0).
    func conv2dBackwardWeights(input: Buffer, gradOutput: Buffer, gradWeight: Buffer, gradBias: Buffer,
                               shape: Conv2DShape) throws
    /// In place: `gradient[i] = output[i] > 0 ? gradient[i] : 0` (ReLU's derivative, from its output).
    func reluBackward(output: Buffer, gradient: Buffer, count: Int) throws

    // MARK: Max pool (any `PoolShape`; 2×2 / 2 in the paper network)
    /// `output` = the maximum of each window.
    func maxPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws
    /// Routes each output gradient to the first maximum of its window (row-major scan, as PyTorch: a later
    /// element wins only if strictly greater or NaN), summing where overlapping windows (stride < size)
    /// share an input; input positions in no window (dropped last rows/columns included) get 0.
    func maxPoolBackward(input: Buffer, gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws

    // MARK: Batch normalisation over channels
    /// Normalises with the batch's mean and biased variance; stores them as `saveMean` and
    /// `saveInvStd = 1/√(var + ε)` (per channel) for the backward pass, and updates the running
    /// statistics per `config`.
    func batchNormTrainingForward(input: Buffer, output: Buffer, gamma: Buffer, beta: Buffer,
                                  runningMean: Buffer, runningVariance: Buffer,
                                  saveMean: Buffer, saveInvStd: Buffer,
                                  shape: Shape4, config: BatchNormConfig) throws
    /// Normalises with the running statistics.
    func batchNormInferenceForward(input: Buffer, output: Buffer, gamma: Buffer, beta: Buffer,
                                   runningMean: Buffer, runningVariance: Buffer,
                                   shape: Shape4, config: BatchNormConfig) throws
    /// Gradients of a training-mode forward pass.
    func batchNormBackward(input: Buffer, gradOutput: Buffer, gamma: Buffer,
                           saveMean: Buffer, saveInvStd: Buffer,
                           gradInput: Buffer, gradGamma: Buffer, gradBeta: Buffer, shape: Shape4) throws

    // MARK: Dense
    /// `output[b, o] = Σᵢ input[b, i]·weight[o, i] + bias[o]`.
    func denseForward(input: Buffer, weight: Buffer, bias: Buffer, output: Buffer,
                      batch: Int, inFeatures: Int, outFeatures: Int) throws
    /// Gradients of `denseForward`; `gradInput` may be nil when nothing upstream needs it.
    func denseBackward(input: Buffer, weight: Buffer, gradOutput: Buffer,
                       gradInput: Buffer?, gradWeight: Buffer, gradBias: Buffer,
                       batch: Int, inFeatures: Int, outFeatures: Int) throws

    // MARK: Losses (computed from logits, stably)
    /// Sigmoid + binary cross-entropy. `logits`, `labels` (0 or 1): `batch` elements. Writes each
    /// sample's loss and probability to `losses[resultOffset + b]`, `probabilities[resultOffset + b]`,
    /// and `gradLogits = ∂(mean loss)/∂logits = w[y]·(σ(z) − y)/batch`, where `w = classWeights` (2 values,
    /// one per label; nil: all 1). The losses written are unweighted.
    func sigmoidBinaryCrossEntropy(logits: Buffer, labels: Buffer, classWeights: Buffer?, batch: Int, gradLogits: Buffer,
                                   losses: Buffer, probabilities: Buffer, resultOffset: Int) throws
    /// Softmax + cross-entropy. `logits`: `batch×classes`; `labels`: class indices stored as Float.
    /// Writes each sample's loss to `losses[resultOffset + b]`, its class probabilities to
    /// `probabilities[(resultOffset + b)·classes ..< … + classes]`, and `gradLogits = w[y]·(p − onehot)/batch`,
    /// where `w = classWeights` (`classes` values; nil: all 1). The losses written are unweighted.
    func softmaxCrossEntropy(logits: Buffer, labels: Buffer, classWeights: Buffer?, batch: Int, classes: Int,
                             gradLogits: Buffer, losses: Buffer, probabilities: Buffer, resultOffset: Int) throws

    // MARK: Optimiser
    /// One Adam step (`step` counts from 1) on `count` parameters, with bias correction, in place on
    /// `parameter`, `m` and `v`.
    func adamStep(parameter: Buffer, gradient: Buffer, m: Buffer, v: Buffer, count: Int,
                  step: Int, config: AdamConfig) throws
    /// One AdamW step: `w ← w·(1 − lr·weightDecay)` (decoupled weight decay, lr from `config`), then
    /// `adamStep`'s update with the same gradient.
    func adamWStep(parameter: Buffer, gradient: Buffer, m: Buffer, v: Buffer, count: Int,
                   step: Int, config: AdamConfig, weightDecay: Float) throws
    /// One SGD step (`SGDConfig`'s torch.optim.SGD form) in place on `parameter` and the momentum buffer
    /// `momentum` (read and written only when `config.momentum` is not 0).
    func sgdStep(parameter: Buffer, gradient: Buffer, momentum: Buffer, count: Int, config: SGDConfig) throws

    // MARK: Average pool (any `PoolShape`)
    /// `output` = the mean of each window (its sum over `sizeH·sizeW`).
    func avgPoolForward(input: Buffer, output: Buffer, shape: PoolShape) throws
    /// gradInput[p] = Σ over windows containing p of gradOutput/(sizeH·sizeW); 0 elsewhere.
    func avgPoolBackward(gradOutput: Buffer, gradInput: Buffer, shape: PoolShape) throws

    // MARK: Elementwise
    /// `target[i] += addend[i]` for `i < count` (synchronised batch norm corrects ∂L/∂x with it).
    func addInPlace(_ addend: Buffer, to target: Buffer, count: Int) throws

    // MARK: ReLU
    /// output[i] = max(input[i], 0); output may be input (in place). NaN stays NaN.
    func reluForward(input: Buffer, output: Buffer, count: Int) throws

    // MARK: Dropout (mask: `DropoutMask`)
    /// Inverted dropout: output[i] = keep(i) ? input[i]·(1/(1−rate)) : 0, with keep(i) from Philox
    /// (`DropoutMask.keep`). `rate` in [0, 1]; output may be input.
    func dropoutForward(input: Buffer, output: Buffer, count: Int, rate: Float, key: DropoutKey) throws
    /// gradInput[i] = keep(i) ? gradOutput[i]·(1/(1−rate)) : 0 (the same mask, recomputed from the key).
    func dropoutBackward(gradOutput: Buffer, gradInput: Buffer, count: Int, rate: Float, key: DropoutKey) throws

    // MARK: Data augmentation (random numbers: `AugmentationDraws`, drawn on the host once per epoch)
    /// Random crops with a per-window `top_db` floor: for `r < rows`, `s = starts[indices[indexOffset + r]]`,
    /// `window[m, t] = source[s + m·rowStride + t]` (`m < mels`, `t < frames`), and
    /// `destination[r, m, t] = max(window[m, t], peak − topDB)`, `peak` the window's maximum (as `power_to_db`
    /// floors a clip computed alone; `topDB = .infinity`: no floor).
    func cropWindows(source: Buffer, rowStride: Int, starts: IndexBuffer, indices: IndexBuffer, indexOffset: Int,
                     rows: Int, mels: Int, frames: Int, topDB: Float, into destination: Buffer) throws
    /// SpecAugment masking in place (Park et al. 2019) of `rows` spectrograms `mels × frames`: row `r`'s masks
    /// are `masks[k·(2·(frequencyMasks + timeMasks)) …]` with `k = indices[indexOffset + r]`: first
    /// `frequencyMasks` pairs (first band, bands), then `timeMasks` pairs (first frame, frames). Writes each
    /// row's mean before masking to `rowMeans[r]` and sets every masked value to it.
    func maskSpectrograms(_ data: Buffer, rows: Int, mels: Int, frames: Int, masks: IndexBuffer, indices: IndexBuffer,
                          indexOffset: Int, frequencyMasks: Int, timeMasks: Int, rowMeans: Buffer) throws
    /// Mixup (Zhang et al. 2018) within a batch, `λ = lambdas[lambdaIndex]`, `p = partners[partnerOffset + r]`:
    /// `output[r, :] = λ·input[r, :] + (1 − λ)·input[p, :]` over `rowLength` values, and the targets:
    /// `classes == 1`: `targets[r] = λ·labels[r] + (1 − λ)·labels[p]`; else `labels` are class indices and
    /// `targets[r, c] = λ·[labels[r] = c] + (1 − λ)·[labels[p] = c]` (`rows × classes`).
    func mixBatch(input: Buffer, labels: Buffer, rows: Int, rowLength: Int, classes: Int, partners: IndexBuffer,
                  partnerOffset: Int, lambdas: Buffer, lambdaIndex: Int, output: Buffer, targets: Buffer) throws
    /// Softmax + cross-entropy against soft targets (`batch × classes`, each row summing to 1):
    /// `loss = −Σ_c t_c·log p_c`, written as `softmaxCrossEntropy` writes its results, and
    /// `gradLogits = (p − t)/batch`.
    func softmaxCrossEntropySoft(logits: Buffer, targets: Buffer, batch: Int, classes: Int, gradLogits: Buffer,
                                 losses: Buffer, probabilities: Buffer, resultOffset: Int) throws
}

extension Backend {
    /// `sigmoidBinaryCrossEntropy` without class weights.
    public func sigmoidBinaryCrossEntropy(logits: Buffer, labels: Buffer, batch: Int, gradLogits: Buffer,
                                          losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try sigmoidBinaryCrossEntropy(logits: logits, labels: labels, classWeights: nil, batch: batch, gradLogits: gradLogits,
                                      losses: losses, probabilities: probabilities, resultOffset: resultOffset)
    }

    /// `softmaxCrossEntropy` without class weights.
    public func softmaxCrossEntropy(logits: Buffer, labels: Buffer, batch: Int, classes: Int, gradLogits: Buffer,
                                    losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try softmaxCrossEntropy(logits: logits, labels: labels, classWeights: nil, batch: batch, classes: classes,
                                gradLogits: gradLogits, losses: losses, probabilities: probabilities, resultOffset: resultOffset)
    }
}
