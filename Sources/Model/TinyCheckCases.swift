extension BackendCheckCases {
    /// `tiny()`'s convolutions (see there).
    public static let tinyConvShapes: [Conv2DShape] = {
        return [
            convShape(1, 2, 6, 9, out: 3, 5, 5),
            convShape(1, 2, 7, 10, out: 7, 3, 3, same: true),
            convShape(1, 2, 3, 5, out: 67, 1, 1),
            convShape(1, 66, 2, 3, out: 2, 1, 1),
            convShape(1, 16, 3, 3, out: 64, 1, 1),
            convShape(1, 1, 3, 19, out: 1, 7, 7, same: true),
            convShape(2, 1, 5, 7, out: 2, 4, 4, same: true),
            convShape(1, 2, 9, 5, out: 3, 7, 2),
            convShape(2, 2, 3, 4, out: 3, 2, 3, padding: Padding2D(top: 3, left: 4, bottom: 0, right: 2)),
            convShape(2, 2, 5, 6, out: 3, 3, 4, padding: Padding2D(top: 2, left: 0, bottom: 1, right: 3)),
        ]
    }()

    /// Every op at small shapes that still reach each kernel's edge cases, for `gcnn check --tiny` under a slow
    /// device simulator (oclgrind): both kernel variants of every op in minutes.
    ///
    /// Convolutions: GEMM tiles crossed in every dimension (more than 64 output or input channels, more than 64
    /// positions, reductions off the 16-step tile) and exactly filled (64 channels, 16 reduction steps); split
    /// weight-gradient reductions; 1×1 to 7×7, non-square and even kernels; valid, "same", asymmetric padding and
    /// padding wider than the kernel; partial CPU channel blocks, x tails and the clamped tail loads. Pools 2×2/2,
    /// overlapping, with dropped edges and global; batch norm over maps (more positions per channel than a
    /// reduction work-group) and over features; dense with more inputs than a work-group; every optimiser, the
    /// weighted and soft-target losses and the augmentation ops.
    public static func tiny() -> [any BackendCheckCase] {
        var cases: [any BackendCheckCase] = []
        for (index, shape) in tinyConvShapes.enumerated() {
            let seed = UInt64(500 + 3 * index)
            cases += [Conv2DForwardCase(shape, relu: index % 2 == 0, seed: seed),
                      Conv2DBackwardDataCase(shape, seed: seed + 1), Conv2DBackwardWeightsCase(shape, seed: seed + 2)]
        }
        let maps = Shape4(n: 3, c: 3, h: 5, w: 7), wide = Shape4(n: 3, c: 2, h: 9, w: 11)
        let features = Shape4(n: 5, c: 9, h: 1, w: 1)
        let pools = [PoolShape(input: maps), PoolShape(input: wide, sizeH: 3, sizeW: 3, strideH: 2, strideW: 2),
                     PoolShape(input: maps, sizeH: 3, sizeW: 2, strideH: 3, strideW: 2), PoolShape.global(input: maps)]
        for (index, pool) in pools.enumerated() {
            let seed = UInt64(540 + 4 * index)
            cases += [MaxPoolCase(pool, backward: false, seed: seed), MaxPoolCase(pool, backward: true, seed: seed + 1),
                      AvgPoolCase(pool, backward: false, seed: seed + 2), AvgPoolCase(pool, backward: true, seed: seed + 3)]
        }
        for (index, shape) in [maps, wide, features].enumerated() {
            let seed = UInt64(560 + 4 * index)
            cases += [BatchNormForwardCase(shape, config: .keras, training: true, seed: seed),
                      BatchNormForwardCase(shape, config: .pytorch, training: true, seed: seed + 1),
                      BatchNormForwardCase(shape, config: .keras, training: false, seed: seed + 2),
                      BatchNormBackwardCase(shape, seed: seed + 3)]
        }
        return cases + lossesAndOptimisers(seed: 588) + [
            ReluForwardCase(count: 1261, inPlace: false, seed: 580), ReluForwardCase(count: 1261, inPlace: true, seed: 581),
            ReluBackwardCase(count: 1261, seed: 582), AddInPlaceCase(count: 1261, seed: 606),
            DropoutCase(count: 1261, rate: 0.3, key: DropoutKey(seed: 7, layer: 2, step: 11), backward: false, seed: 583),
            DropoutCase(count: 1261, rate: 0.5, key: DropoutKey(seed: 0xDEAD_BEEF_0123, layer: 5, step: 1 << 33),
                        backward: true, seed: 584),
            DenseCase(batch: 3, inFeatures: 300, outFeatures: 3, backward: false, seed: 585),
            DenseCase(batch: 3, inFeatures: 300, outFeatures: 3, backward: true, seed: 586),
            DenseCase(batch: 3, inFeatures: 37, outFeatures: 5, backward: true, withGradInput: false, seed: 587),
            CropWindowsCase(tracks: 3, trackFrames: 29, rows: 5, mels: 7, frames: 13, topDB: 80, indexOffset: 2, seed: 600),
            CropWindowsCase(tracks: 2, trackFrames: 13, rows: 3, mels: 5, frames: 13, topDB: .infinity, indexOffset: 0, seed: 601),
            MaskSpectrogramsCase(rows: 5, mels: 7, frames: 13, frequencyMasks: 2, timeMasks: 3, seed: 602),
            MixBatchCase(rows: 5, rowLength: 37, classes: 1, seed: 603),
            MixBatchCase(rows: 5, rowLength: 3, classes: 10, seed: 604),
            SoftTargetLossCase(batch: 5, classes: 10, resultOffset: 2, seed: 605),
        ]
    }
}
