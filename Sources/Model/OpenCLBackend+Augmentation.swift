import CLRuntime

/// Data augmentation's ops (augment.cl) and the soft-target loss (loss_soft.cl): the same kernels in both
/// variants (the per-row reductions are work-groups of `reduceWorkGroup` items).
extension OpenCLBackend {
    /// Kernels of these ops (both variants, same names).
    static let augmentationKernelNames = ["crop_windows", "mask_spectrograms", "mix_batch", "softmax_ce_soft"]
    /// The ones launched as one work-group of `reduceWorkGroup` items per row.
    static let augmentationReductionKernelNames = ["crop_windows", "mask_spectrograms"]

    private func checkSlots(_ indices: IndexBuffer, _ indexOffset: Int, _ rows: Int) throws {
        guard indexOffset >= 0, rows >= 0 else { throw CLError.invalidArgument("negative index offset \(indexOffset) or rows \(rows)") }
        try require(indices, indexOffset + rows, "indices")
    }

    public func cropWindows(source: Buffer, rowStride: Int, starts: IndexBuffer, indices: IndexBuffer, indexOffset: Int,
                            rows: Int, mels: Int, frames: Int, topDB: Float, into destination: Buffer) throws {
        guard mels > 0, frames > 0, rowStride >= frames, topDB >= 0 else {
            throw CLError.invalidArgument("cropWindows: mels \(mels), frames \(frames), rowStride \(rowStride), topDB \(topDB)")
        }
        try checkSlots(indices, indexOffset, rows)
        try require(destination, rows * mels * frames, "destination")
        let r = config.reduceWorkGroup
        try run("crop_windows", global: [rows * r], local: [r],
                source, rowStride, starts, indices, indexOffset, mels, frames, topDB, destination)
    }

    public func maskSpectrograms(_ data: Buffer, rows: Int, mels: Int, frames: Int, masks: IndexBuffer, indices: IndexBuffer,
                                 indexOffset: Int, frequencyMasks: Int, timeMasks: Int, rowMeans: Buffer) throws {
        guard mels > 0, frames > 0, frequencyMasks >= 0, timeMasks >= 0 else {
            throw CLError.invalidArgument("maskSpectrograms: mels \(mels), frames \(frames), masks \(frequencyMasks)+\(timeMasks)")
        }
        try checkSlots(indices, indexOffset, rows)
        try require(data, rows * mels * frames, "data"); try require(rowMeans, rows, "rowMeans")
        let r = config.reduceWorkGroup
        try run("mask_spectrograms", global: [rows * r], local: [r],
                data, mels, frames, masks, indices, indexOffset, frequencyMasks, timeMasks, rowMeans)
    }

    public func mixBatch(input: Buffer, labels: Buffer, rows: Int, rowLength: Int, classes: Int, partners: IndexBuffer,
                         partnerOffset: Int, lambdas: Buffer, lambdaIndex: Int, output: Buffer, targets: Buffer) throws {
        guard rows >= 0, rowLength >= 0, classes >= 1, lambdaIndex >= 0 else {
            throw CLError.invalidArgument("mixBatch: rows \(rows), rowLength \(rowLength), classes \(classes), lambda \(lambdaIndex)")
        }
        try checkSlots(partners, partnerOffset, rows)
        try require(input, rows * rowLength, "input"); try require(labels, rows, "labels")
        try require(lambdas, lambdaIndex + 1, "lambdas")
        try require(output, rows * rowLength, "output"); try require(targets, rows * classes, "targets")
        let global = [max(rowLength, classes), rows]
        try run("mix_batch", global: global, local: config.variant == .cpu ? cpuLocal(global) : nil,
                arguments: [input, labels, rows, rowLength, classes, partners, partnerOffset, lambdas, lambdaIndex,
                            output, targets])
    }

    public func softmaxCrossEntropySoft(logits: Buffer, targets: Buffer, batch: Int, classes: Int, gradLogits: Buffer,
                                        losses: Buffer, probabilities: Buffer, resultOffset: Int) throws {
        try require(logits, batch * classes, "logits"); try require(targets, batch * classes, "targets")
        try require(gradLogits, batch * classes, "gradLogits")
        try require(losses, resultOffset + batch, "losses")
        try require(probabilities, (resultOffset + batch) * classes, "probabilities")
        try run("softmax_ce_soft", global: [batch],
                logits, targets, batch, classes, gradLogits, losses, probabilities, resultOffset)
    }
}
