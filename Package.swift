// swift-tools-version:6.1
import PackageDescription

/// gcnn: a GPU-accelerated trainer for the small genre-classification CNNs of music informatics.
/// Data path, top-down: audio file → samples → log-mel clips (Audio) → batches on a device
/// (Model over CLRuntime + Kernels) → metrics, checkpoints, pictures (Model, CLI).
let package = Package(
    name: "gcnn",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "gcnn", targets: ["CLI"]),
        .library(name: "GCNNModel", targets: ["Model"]),
        .library(name: "GCNNAudio", targets: ["Audio"]),
        .library(name: "GCNNKeras", targets: ["KerasFormat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // System libraries from Debian (see README and .ci/run for the packages).
        .systemLibrary(name: "COpenCL", pkgConfig: "OpenCL",
                       providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSamplerate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),

        // Open MPI, loaded at run time (dlopen): no link-time MPI, so gcnn runs with or without it.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),
        // The ranks of `mpirun -np N gcnn …`: MPI_COMM_WORLD as a `ReplicaGroup`.
        .target(name: "Cluster", dependencies: ["CMPI", "Model"]),

        // Swift over the OpenCL C API.
        .target(name: "CLRuntime", dependencies: ["COpenCL"]),

        // Embeds a target's `cl/` and `Data/` files into its binary (kernels and shipped data survive a moved binary).
        .executableTarget(name: "EmbedFilesTool", path: "Sources/EmbedFilesTool"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["EmbedFilesTool"]),

        // Hand-written OpenCL C kernels.
        .target(name: "Kernels", exclude: ["cl"], plugins: ["EmbedFiles"]),

        // Tensors, the Backend protocol and its two implementations, the network, training; `Data/` holds the
        // architecture presets (JSON).
        .target(name: "Model", dependencies: ["CLRuntime", "Kernels"], exclude: ["Data"], plugins: ["EmbedFiles"]),

        // Decoding, resampling, log-mel features, clips, datasets, feature cache, synthetic corpus, pictures.
        .target(name: "Audio", dependencies: ["CFFTW", "CSndfile", "CSamplerate", "CPNG"]),

        // Keras models in and out: full-model HDF5 (Keras 2), .keras archives (Keras 3), weights-only HDF5.
        // Reads an HDF5 file in a child process (libhdf5 crashes and loops on some damaged files).
        .target(name: "CHDF5Reader", dependencies: ["CHDF5"]),
        .target(name: "KerasFormat", dependencies: ["Model", "CHDF5", "CHDF5Reader", "CZip", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),

        // Tasks, splits, the training loop, run folders, experiments: the stage between features and reports.
        .target(name: "Training", dependencies: ["Model", "Audio", "KerasFormat"], exclude: ["Data"], plugins: ["EmbedFiles"]),

        // ONNX's `onnx.proto` as Swift (generated once by scripts/generate-onnx-proto.sh, committed).
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["README.md"]),
        // A checkpoint as an ONNX model (`gcnn export onnx`).
        .target(name: "ONNXExport", dependencies: [
            "Model", "ONNXProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),

        // The `gcnn` command: parses and reports, nothing else.
        .executableTarget(name: "CLI", dependencies: [
            "Model", "Audio", "CLRuntime", "Training", "KerasFormat", "ONNXExport", "Cluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "CLRuntimeTests", dependencies: ["CLRuntime", "Kernels"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "CLRuntime"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AudioTests", dependencies: ["Audio"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Model", "KerasFormat"]),
        .testTarget(name: "CLITests", dependencies: ["CLI"]),
        .testTarget(name: "ONNXExportTests", dependencies: [
            "ONNXExport", "ONNXProto", "Model", "Training", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "KerasFormatTests", dependencies: ["KerasFormat", "Model", "Training"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
