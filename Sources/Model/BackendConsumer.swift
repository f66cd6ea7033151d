/// Work written once for any `Backend` (training, evaluation, prediction), run on the backend a
/// `--device` word selects. Swift has no generic closures, hence a protocol with a generic method.
public protocol BackendConsumer {
    associatedtype Output
    func consume<B: Backend>(_ backend: B, device: DeviceSelection) throws -> Output
}

extension DeviceSelection {
    /// Builds the backend this selection names (`cpu`: `ReferenceBackend`; otherwise an `OpenCLBackend` on
    /// the resolved device with the kernel family `kernels` picks and the device's tuning, `notice` receiving the
    /// one-line note when `gpu` fell back) and runs `consumer` on it.
    /// `buildLog`, when given, receives the OpenCL kernels' build report (`OpenCLBackend.buildReport`).
    /// `gpuOrdinal`: which GPU `gpu` means (`resolve(gpuOrdinal:)`).
    public func run<C: BackendConsumer>(_ consumer: C, kernels: KernelVariantChoice = .auto, notice: (String) -> Void = { _ in },
                                        buildLog: ((String) -> Void)? = nil, gpuOrdinal: Int = 0) throws -> C.Output {
        try kernels.check(with: self)
        guard let (device, note) = try resolve(gpuOrdinal: gpuOrdinal) else { return try consumer.consume(ReferenceBackend(), device: self) }
        if let note { notice(note) }
        let backend = try OpenCLBackend(tunedFor: device, base: kernels.config(for: device))
        buildLog?(backend.buildReport)
        return try consumer.consume(backend, device: self)
    }
}
