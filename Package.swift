// swift-tools-version: 6.1
// ChargeKit — DC charger firmware for the Raspberry Pi.
//
// Layers, each a target (see ARCHITECTURE.md):
//   C shims (CShims/) → HAL → Boards → protocol codecs → controllers → Runtime → apps
// `Buffers` sits beside the stack: fixed-capacity storage that every layer from HAL up may use.
import PackageDescription

/// Swift 6 language mode is the default for tools 6.x; strict concurrency comes with it.
/// `Lifetimes` lets fixed buffers hand out `RawSpan`/`MutableRawSpan` views tied to their owner.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableExperimentalFeature("Lifetimes"),
]

/// The generated EXI codecs mark the encoders of large values `@_addressableSelf`: a `Body` or header
/// is encoded where it lies, never copied to a temporary first (see Sources/EXIGenerator/README.md).
let codecs: [SwiftSetting] = strict + [.enableExperimentalFeature("AddressableParameters")]

// MARK: - C shims: one small target per kernel interface, each with one syscall seam.

let shims: [Target] = [
    // The seam every shim calls through: libc entry points in a function table tests can replace.
    .target(name: "CShimSeam", path: "CShims/CShimSeam"),
    .target(name: "CSpidev", dependencies: ["CShimSeam"], path: "CShims/CSpidev"),
    .target(name: "CSerial", dependencies: ["CShimSeam"], path: "CShims/CSerial",
            linkerSettings: [.linkedLibrary("util")]),
    .target(name: "CGpiod", dependencies: ["CShimSeam"], path: "CShims/CGpiod",
            linkerSettings: [.linkedLibrary("gpiod")]),
    .target(name: "CSocketCAN", dependencies: ["CShimSeam"], path: "CShims/CSocketCAN",
            linkerSettings: [.linkedLibrary("socketcan")]),
    .target(name: "CRawEthernet", dependencies: ["CShimSeam"], path: "CShims/CRawEthernet"),
    .target(name: "CI2C", dependencies: ["CShimSeam"], path: "CShims/CI2C",
            linkerSettings: [.linkedLibrary("i2c")]),
    // ppoll with a nanosecond timeout and signalfd, for the tick loop.
    .target(name: "CEventLoop", path: "CShims/CEventLoop"),
    // Test-only: a programmable fake behind the seam (fail the Nth call with an errno, trace calls).
    .target(name: "CShimFakes", dependencies: ["CShimSeam"], path: "CShims/CShimFakes"),
]

// MARK: - Swift layers

let layers: [Target] = [
    .target(name: "Buffers", swiftSettings: strict),
    .target(
        name: "HAL",
        dependencies: [
            "Buffers", "CShimSeam", "CSpidev", "CSerial", "CGpiod", "CSocketCAN", "CRawEthernet", "CI2C",
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        swiftSettings: strict),
    // The contracts of the control loop that controllers implement (TickController, IOSource) and
    // the timers they keep (Deadline, TimerSet). Controllers import this, never Runtime.
    .target(name: "ControlLoop", dependencies: ["HAL"], swiftSettings: strict),
    .target(
        name: "Runtime",
        dependencies: [
            "Buffers", "HAL", "ControlLoop", "CEventLoop",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        swiftSettings: strict),
    // Codecs (pure: bytes in, typed value or typed error out, and back).
    // HomePlug AV / Green PHY management messages used by SLAC (ISO 15118-3) and the QCA vendor MMEs.
    .target(name: "HomePlugAV", dependencies: ["HAL"], swiftSettings: strict),
    // Controllers.
    // ISO 15118-3 SLAC: SlacMatcher (EVSE), SlacRequester (EV), NMK/NID, attenuation averaging.
    .target(name: "SLAC", dependencies: ["HomePlugAV", "ControlLoop", "HAL", "Buffers"], swiftSettings: strict),
    // The HomePlug modem stand-in (answers CM_SET_KEY, measures "attenuation") for tests, the sim board
    // and `boardctl slac` on veth.
    .target(name: "PLCModemStandIn", dependencies: ["HomePlugAV", "ControlLoop", "HAL", "Buffers"], swiftSettings: strict),
    .target(
        name: "Boards",
        dependencies: [
            "Buffers", "HAL", "ControlLoop", "ESP32CPEmulator",
            .product(name: "Yams", package: "Yams"),
        ],
        swiftSettings: strict),
]

// MARK: - Control pilot (issue 4)
//
// `CPHelperProtocol` is the codec of the ESP32 CP helper's JSON lines; `ControlPilot` holds the IEC 61851
// controller and its two front ends (ESP32 helper link, direct Pi PWM + ADS1115); `ESP32CPEmulator`
// plays the helper firmware on the far end of a pseudo-terminal for tests, the bench and the `sim` board.

let controlPilot: [Target] = [
    .target(name: "CPHelperProtocol", dependencies: ["Buffers"], swiftSettings: strict),
    .target(
        name: "ControlPilot",
        dependencies: ["ControlLoop", "HAL", "Buffers", "Boards", "CPHelperProtocol"],
        swiftSettings: strict),
    .target(name: "ESP32CPEmulator", dependencies: ["HAL", "Buffers"], swiftSettings: strict),
    // Bench tool: an emulated helper on a new pty, driven by a script (`swift run cp-helper-emulator --help`).
    .executableTarget(
        name: "cp-helper-emulator",
        dependencies: ["ESP32CPEmulator", "HAL",
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strict),
    .testTarget(
        name: "ControlPilotTests",
        dependencies: ["ControlPilot", "CPHelperProtocol", "ESP32CPEmulator", "Boards", "HAL", "Buffers",
                       "ControlLoop", "Runtime", "MallocCounting", "CSerial", "CShimSeam", "TestSupport",
                       .product(name: "SystemPackage", package: "swift-system")],
        swiftSettings: strict),
]

// MARK: - EXI codecs (issue 6)
//
// `EXI` is the schema-informed EXI runtime (bit streams, string table, fixed-capacity values, JSON);
// one generated codec target per schema family (Sources/exigen writes them from ../shared/schemas);
// `EXITool` maps (schema, hex) <-> Josev-shaped JSON for `boardctl exi` and the tests.

let exi: [Target] = [
    .target(name: "EXI", swiftSettings: strict),
    .target(name: "AppHandshake", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "DIN70121", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "ISO15118_2", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "ISO15118_20", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "EXITool", dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20"],
            swiftSettings: strict),
    // Run by hand: `swift run exigen` regenerates the codec targets from ../shared/schemas.
    .target(name: "EXIGenerator", exclude: ["README.md"], swiftSettings: strict),
    .executableTarget(name: "exigen", dependencies: ["EXIGenerator"], swiftSettings: strict),
    .testTarget(
        name: "EXITests",
        dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool", "EXIGenerator",
                       "MallocCounting", "EXIFuzzSupport", "TestSupport"],
        swiftSettings: strict),
    // What every EXI fuzzer checks (no trap; decode → encode → decode; decode(_:into:) over a held message)
    // and its seed corpora, shared by FuzzTests, the replay of Tests/FuzzReplay/exi and `exi-fuzz`.
    .target(name: "EXIFuzzSupport", dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool"],
            path: "Tests/Fuzz/EXIFuzzSupport", swiftSettings: strict),
    // Every EXI decoder under libFuzzer + ASan (.ci/extra/fuzz-exi-libfuzzer.sh), or a replay of saved inputs.
    .executableTarget(name: "exi-fuzz", dependencies: ["EXIFuzzSupport", "EXITool"], path: "Tests/Fuzz/EXIFuzz",
                      swiftSettings: strict),
]

// MARK: - Applications

/// One SLAC association on a real interface or the simulated board (`boardctl slac`, interop peers).
let slacRunner: Target = .target(
    name: "SlacRunner",
    dependencies: ["SLAC", "HomePlugAV", "PLCModemStandIn", "Boards", "Runtime", "ControlLoop", "HAL", "Buffers"],
    swiftSettings: strict)

let apps: [Target] = [
    slacRunner,
    .executableTarget(
        name: "boardctl",
        dependencies: [
            "Boards", "HAL", "Runtime", "ControlLoop", "SlacRunner", "SLAC",
            "ControlPilot", "CPHelperProtocol", "ESP32CPEmulator", "EXITool",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: strict),
    .executableTarget(
        name: "chargerd",
        dependencies: [
            "Boards", "HAL", "Runtime", "ControlLoop",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: strict),
]

// MARK: - Tests

let tests: [Target] = [
    // Counts heap allocations of the measuring thread only (Swift Testing runs suites in parallel).
    .target(name: "MallocCounting",
            dependencies: [.product(name: "MallocInterposerSwift", package: "malloc-interposer")],
            path: "Tests/Support/MallocCounting"),
    // What tests need from the host: bounded subprocesses, the built executables, network namespaces
    // joined by a veth pair, the HIL VM's environment.
    .target(name: "TestSupport", dependencies: ["HAL"], path: "Tests/Support/TestSupport", swiftSettings: strict),
    .testTarget(name: "BuffersTests", dependencies: ["Buffers", "MallocCounting"], swiftSettings: strict),
    .testTarget(
        name: "HALTests",
        dependencies: ["HAL", "Buffers", "CShimFakes", "CShimSeam", "CSerial", "CRawEthernet", "CSpidev", "CGpiod", "CSocketCAN", "CI2C",
                       "TestSupport", .product(name: "SystemPackage", package: "swift-system")],
        swiftSettings: strict),
    .testTarget(
        name: "RuntimeTests",
        dependencies: ["Runtime", "ControlLoop", "Boards", "HAL", "Buffers", "MallocCounting"],
        swiftSettings: strict),
    .testTarget(name: "BoardsTests", dependencies: ["Boards", "HAL", "ControlLoop", "TestSupport"], swiftSettings: strict),
    // The HomePlug MME parser under libFuzzer (.ci/extra/fuzz-homeplug.sh), or a smoke run without it.
    .executableTarget(name: "homeplug-fuzz", dependencies: ["HomePlugAV", "HAL"], path: "Tests/Fuzz/HomePlugFuzz",
                      swiftSettings: strict),
    // Our side of the SLAC interop tests, started inside a network namespace.
    .executableTarget(name: "slac-peer", dependencies: ["SlacRunner", "HAL"], path: "Tests/Support/SlacPeer",
                      swiftSettings: strict),
    .testTarget(
        name: "SLACTests",
        dependencies: ["SLAC", "HomePlugAV", "PLCModemStandIn", "Runtime", "ControlLoop", "Boards", "HAL", "Buffers",
                       "MallocCounting", "SlacRunner", "slac-peer", "TestSupport"],
        swiftSettings: strict),
    // The executables as a user runs them (signals, exit codes, output).
    .testTarget(name: "AppTests", dependencies: ["TestSupport"], swiftSettings: strict),
    // Kernel-backed tests: they run for real inside ../shared/tools/hil-vm (HIL_VM=1); on the host one
    // launcher test boots the VM and runs them there.
    .testTarget(name: "HILTests",
                dependencies: ["HAL", "Boards", "Buffers", "CGpiod", "CSocketCAN", "CI2C", "CSpidev", "CShimFakes", "TestSupport",
                               .product(name: "SystemPackage", package: "swift-system")],
                swiftSettings: strict),
]

let package = Package(
    name: "ChargeKit",
    products: [
        .executable(name: "boardctl", targets: ["boardctl"]),
        .executable(name: "chargerd", targets: ["chargerd"]),
        // For the EXI benchmark package in Benchmarks/ (kept apart: ordo-one/benchmark in this
        // package's graph breaks the test build's module maps for the C shims).
        .library(name: "EXICodecs", targets: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool"]),
    ],
    // Pinned: Package.resolved (committed) records the exact revisions; these ranges admit only the
    // minor series verified here (README "Dependencies"). hdrhistogram-swift is 0.x: exact.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", .upToNextMinor(from: "1.8.2")),
        .package(url: "https://github.com/apple/swift-log.git", .upToNextMinor(from: "1.16.2")),
        .package(url: "https://github.com/apple/swift-system.git", .upToNextMinor(from: "1.8.1")),
        .package(url: "https://github.com/jpsim/Yams.git", .upToNextMinor(from: "6.2.2")),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", .upToNextMinor(from: "1.6.1")),
    ],
    targets: shims + layers + controlPilot + exi + apps + tests
)
