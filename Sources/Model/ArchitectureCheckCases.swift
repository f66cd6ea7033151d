extension BackendCheckCases {
    /// Every op a training step and an inference pass of `architecture` run, at its layers' shapes for a batch
    /// of `n`: derived from the spec, so `gcnn check` covers whatever network is trained.
    public static func cases(for architecture: ResolvedArchitecture, batch n: Int) -> [any BackendCheckCase] {
        var cases: [any BackendCheckCase] = []
        var seed: UInt64 = 1
        func next() -> UInt64 { defer { seed += 1 }; return seed }
        let firstTrainable = architecture.firstTrainableIndex
        var reluBackwardCounts = Set<Int>()
        var largestTensor = 0
        for layer in architecture.layers {
            let input = layer.input.batch(n)
            let needsInputGradient = layer.index > firstTrainable
            largestTensor = max(largestTensor, layer.tensors.map(\.count).max() ?? 0)
            switch layer.spec {
            case .conv2d(let s):
                let conv = s.shape(input: input)
                cases.append(Conv2DForwardCase(conv, relu: s.relu, seed: next()))
                if needsInputGradient { cases.append(Conv2DBackwardDataCase(conv, seed: next())) }
                cases.append(Conv2DBackwardWeightsCase(conv, seed: next()))
                if s.relu, reluBackwardCounts.insert(conv.output.count).inserted {
                    cases.append(ReluBackwardCase(count: conv.output.count, seed: next()))
                }
            case .batchnorm:
                cases.append(BatchNormForwardCase(input, config: .keras, training: true, seed: next()))
                cases.append(BatchNormForwardCase(input, config: .keras, training: false, seed: next()))
                cases.append(BatchNormBackwardCase(input, seed: next()))
            case .relu:
                cases.append(ReluForwardCase(count: input.count, inPlace: false, seed: next()))
                if needsInputGradient, reluBackwardCounts.insert(input.count).inserted {
                    cases.append(ReluBackwardCase(count: input.count, seed: next()))
                }
            case .maxpool(let w), .avgpool(let w):
                cases += poolCases(w.shape(input: input), average: layer.spec.typeName == "avgpool", backward: needsInputGradient)
            case .globalmaxpool, .globalavgpool:
                cases += poolCases(.global(input: input), average: layer.spec.typeName == "globalavgpool",
                                   backward: needsInputGradient)
            case .dropout(let rate):
                let key = DropoutKey(seed: 7, layer: UInt32(layer.index), step: 1)
                cases.append(DropoutCase(count: input.count, rate: rate, key: key, backward: false, seed: next()))
                if needsInputGradient {
                    cases.append(DropoutCase(count: input.count, rate: rate, key: key, backward: true, seed: next()))
                }
            case .flatten:
                break
            case .dense(let s):
                let out = layer.output.count
                cases.append(DenseCase(batch: n, inFeatures: layer.input.count, outFeatures: out, backward: false, seed: next()))
                cases.append(DenseCase(batch: n, inFeatures: layer.input.count, outFeatures: out, backward: true,
                                       withGradInput: needsInputGradient, seed: next()))
                if s.relu {
                    cases.append(ReluForwardCase(count: n * out, inPlace: true, seed: next()))
                    if reluBackwardCounts.insert(n * out).inserted { cases.append(ReluBackwardCase(count: n * out, seed: next())) }
                }
            }
            func poolCases(_ pool: PoolShape, average: Bool, backward: Bool) -> [any BackendCheckCase] {
                var list: [any BackendCheckCase] = []
                if average {
                    list.append(AvgPoolCase(pool, backward: false, seed: next()))
                    if backward { list.append(AvgPoolCase(pool, backward: true, seed: next())) }
                } else {
                    list.append(MaxPoolCase(pool, backward: false, seed: next()))
                    if backward { list.append(MaxPoolCase(pool, backward: true, seed: next())) }
                }
                return list
            }
        }
        cases.append(LossCase(batch: n, classes: 1, resultOffset: 0, seed: next()))
        cases.append(LossCase(batch: n, classes: 10, resultOffset: 0, seed: next()))
        cases.append(AdamCase(count: largestTensor, step: 3, placement: .keras, seed: next()))
        let clip = architecture.input.count
        cases.append(GatherRowsCase(sourceRows: 3 * n, rowLength: clip, rows: n, indexOffset: n, seed: next()))
        return cases
    }
}
