import ArgumentParser
import Model

extension KernelVariantChoice: ExpressibleByArgument {}

/// `--kernels auto|tiled|cpu` for commands that build an OpenCL backend.
struct KernelOptions: ParsableArguments {
    @Option(help: "The kernel family on an OpenCL device: auto (the device type's: cpu on CPU devices, tiled elsewhere), tiled (local-memory tiles, the GPU kernels) or cpu (register blocks, no local memory); forced on any device.")
    var kernels: KernelVariantChoice = .auto
}
