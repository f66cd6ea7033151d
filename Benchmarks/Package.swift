// swift-tools-version:6.1
import PackageDescription

/// gcnn's benchmarks: a separate package so the root build and CI do not compile them.
/// Run: `Benchmarks/features.sh` (or `swift run -c release --package-path Benchmarks features-benchmark`);
/// per-kernel GFLOP/s: `Benchmarks/kernels.sh` (ordo-one/benchmark's `swift package benchmark --target KernelBenchmarks`);
/// whole epochs against Keras and PyTorch: `Benchmarks/epoch.sh`.
let package = Package(
    name: "gcnn-benchmarks",
    dependencies: [
        .package(name: "gcnn", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(name: "features-benchmark",
                          dependencies: [.product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FeaturesBenchmark"),
        .executableTarget(name: "fftw-wisdom",
                          dependencies: [.product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FFTWWisdom"),
        // ordo-one/benchmark finds benchmark targets by their folder's parent being named `Benchmarks`.
        .executableTarget(name: "KernelBenchmarks",
                          dependencies: [.product(name: "GCNNModel", package: "gcnn"),
                                         .product(name: "Benchmark", package: "benchmark")],
                          path: "KernelBenchmarks",
                          plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v5]
)
