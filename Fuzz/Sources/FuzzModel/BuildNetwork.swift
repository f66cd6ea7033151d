import Model

/// What predict/evaluate do with a loaded checkpoint: build its network, on the reference backend at batch
/// 1. Networks large enough to be slow to allocate are valid, merely big: only small ones are built.
public func buildNetwork(_ loaded: ModelCheckpoint.Loaded) throws {
    var config = loaded.config
    config.maxBatch = 1
    let activations = try config.resolved().layers.reduce(config.inputCount) { $0 + $1.output.count }
    if activations <= 1 << 20 {
        _ = try Network(backend: ReferenceBackend(), config: config, parameters: loaded.parameters)
    }
}
