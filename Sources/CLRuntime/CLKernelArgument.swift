/// A value that can be bound as a kernel argument: a `DeviceBuffer`, an `Int32`/`Int` (`int`) or a `Float`.
public protocol CLKernelArgument {
    func bind(to kernel: CLKernel, at index: Int) throws
}

extension DeviceBuffer: CLKernelArgument {
    public func bind(to kernel: CLKernel, at index: Int) throws { try kernel.set(index, self) }
}

extension Int32: CLKernelArgument {
    public func bind(to kernel: CLKernel, at index: Int) throws { try kernel.set(index, self) }
}

extension Int: CLKernelArgument {
    public func bind(to kernel: CLKernel, at index: Int) throws { try kernel.set(index, int: self) }
}

extension Float: CLKernelArgument {
    public func bind(to kernel: CLKernel, at index: Int) throws { try kernel.set(index, self) }
}

extension CLKernel {
    /// Binds `arguments` to positions 0, 1, 2, … in order.
    public func bind(_ arguments: any CLKernelArgument...) throws {
        for (index, argument) in arguments.enumerated() { try argument.bind(to: self, at: index) }
    }
}
