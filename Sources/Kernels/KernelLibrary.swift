/// The hand-written OpenCL C sources of gcnn, embedded into the binary at build time from
/// `Sources/Kernels/cl/*.cl` by the `EmbedKernels` build plugin.
public enum KernelLibrary {
    /// File names of every embedded kernel source, sorted.
    public static var fileNames: [String] { embeddedFiles.keys.sorted() }

    /// The text of one embedded file (e.g. `"conv2d.cl"`), or nil if there is no such file.
    public static func source(named name: String) -> String? { embeddedFiles[name] }
}
