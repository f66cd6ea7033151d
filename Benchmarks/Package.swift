// swift-tools-version:6.1
import PackageDescription

/// gcnn's benchmarks: a separate package so the root build and CI do not compile them.
/// Run: `Benchmarks/features.sh` (or `swift run -c release --package-path Benchmarks features-benchmark`).
let package = Package(
    name: "gcnn-benchmarks",
    dependencies: [.package(name: "gcnn", path: "..")],
    targets: [
        .executableTarget(name: "features-benchmark",
                          dependencies: [.product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FeaturesBenchmark"),
        .executableTarget(name: "fftw-wisdom",
                          dependencies: [.product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FFTWWisdom"),
    ],
    swiftLanguageModes: [.v5]
)
