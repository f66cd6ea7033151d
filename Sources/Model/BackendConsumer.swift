/// Work written once for any `Backend` (training, evaluation, prediction), run on the backend a
/// `--device` word selects. Swift has no generic closures, hence a protocol with a generic method.
public protocol BackendConsumer {
    associatedtype Output
    func consume<B: Backend>(_ backend: B, device: DeviceSelection) throws -> Output
}

extension DeviceSelection {
    /// Builds the backend this selection names (`cpu`: `ReferenceBackend`; otherwise an `OpenCLBackend` on
    /// the resolved device with the kernel family `kernels` picks, `notice` receiving the one-line note when `gpu`
    /// fell back) and runs `consumer` on it.
    public func run<C: BackendConsumer>(_ consumer: C, kernels: KernelVariantChoice = .auto,
                                        notice: (String) -> Void = { _ in }) throws -> C.Output {
        try kernels.check(with: self)
        guard let (device, note) = try resolve() else { return try consumer.consume(ReferenceBackend(), device: self) }
        if let note { notice(note) }
        return try consumer.consume(try OpenCLBackend(device: device, config: kernels.config(for: device)), device: self)
    }
}
