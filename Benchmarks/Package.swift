// swift-tools-version: 6.1
// EXI codec benchmarks (ordo-one/benchmark). A package of its own: with ordo-one/benchmark in the main
// package's graph the test build loses the C shims' module maps, and CI's `swift test` should not build it.
//
//   swift package --package-path Benchmarks benchmark            (or .ci/exi-bench.sh: ours beside Josev's)
import PackageDescription

let package = Package(
    name: "ChargeKitBenchmarks",
    dependencies: [
        .package(name: "ChargeKit", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", .upToNextMinor(from: "1.38.1"), traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchCorpus",
            dependencies: [.product(name: "EXICodecs", package: "ChargeKit")],
            path: "BenchCorpus"),
        .executableTarget(
            name: "EXIBenchmarks",
            dependencies: [
                "BenchCorpus",
                .product(name: "EXICodecs", package: "ChargeKit"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "EXIBenchmarks",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableExperimentalFeature("Lifetimes")],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Instruction counts per message under callgrind (.ci/exi-callgrind.sh): no benchmark harness.
        .executableTarget(
            name: "exi-callgrind",
            dependencies: ["BenchCorpus", .product(name: "EXICodecs", package: "ChargeKit")],
            path: "EXICallgrind",
            swiftSettings: [.enableUpcomingFeature("ExistentialAny"), .enableExperimentalFeature("Lifetimes")]),
    ]
)
