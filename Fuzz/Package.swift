// swift-tools-version:6.1
import PackageDescription

/// libFuzzer is linked into the fuzz targets only; each has its own `main` that calls libFuzzer's
/// `LLVMFuzzerRunDriver`. Coverage instrumentation of every module (gcnn's included) comes from the build
/// flags in `run.sh`: `-sanitize=address` with `-sanitize-coverage=...`, not `-sanitize=fuzzer`, which would
/// also link libFuzzer's `main` into the build plugin's tool and fail.
let fuzzerMain: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

/// libFuzzer targets for gcnn's parsers of outside bytes: a separate package so the root build and CI do
/// not compile them. Build and run: `Fuzz/run.sh <target> [seconds]` (see docs/fuzzing.md); the bounded
/// in-CI fuzzing is `ParserFuzzTests` in the root package.
let package = Package(
    name: "gcnn-fuzz",
    dependencies: [.package(name: "gcnn", path: "..")],
    targets: [
        .target(name: "CFuzzer", path: "Sources/CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer"], path: "Sources/FuzzSupport"),
        .target(name: "FuzzModel", dependencies: [.product(name: "GCNNModel", package: "gcnn")], path: "Sources/FuzzModel"),
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzSupport", .product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FuzzNPY", linkerSettings: fuzzerMain),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["FuzzSupport", "FuzzModel", .product(name: "GCNNModel", package: "gcnn")],
                          path: "Sources/FuzzSafeTensors", linkerSettings: fuzzerMain),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzSupport", .product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FuzzManifest", linkerSettings: fuzzerMain),
        .executableTarget(name: "fuzz-audio", dependencies: ["FuzzSupport", .product(name: "GCNNAudio", package: "gcnn")],
                          path: "Sources/FuzzAudio", linkerSettings: fuzzerMain),
        .executableTarget(name: "fuzz-keras", dependencies: ["FuzzSupport", "FuzzModel", .product(name: "GCNNKeras", package: "gcnn")],
                          path: "Sources/FuzzKeras", linkerSettings: fuzzerMain),
        .executableTarget(name: "fuzz-arch", dependencies: ["FuzzSupport", .product(name: "GCNNModel", package: "gcnn")],
                          path: "Sources/FuzzArchitecture", linkerSettings: fuzzerMain),
    ],
    swiftLanguageModes: [.v5]
)
