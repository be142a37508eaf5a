// swift-tools-version: 6.1
// ChargeKit — DC charger firmware for the Raspberry Pi.
//
// Layers, each a target (see ARCHITECTURE.md):
//   C shims (CShims/) → HAL → Boards → protocol codecs → controllers → Runtime → apps
// `Buffers` sits beside the stack: fixed-capacity storage that every layer from HAL up may use.
import PackageDescription

/// How the firmware's release build is linked (issue 18: idle RSS). Measured 2026-12-08 on the sim board,
/// release, 0.2 s after `ready for plug-in`: 25.2 MiB dynamically linked → 14.2 MiB (README, "Startup,
/// footprint and soak benchmarks").
/// - `-static-stdlib`: the Swift runtime and FoundationEssentials are linked in, so only the code this
///   program uses is mapped, not whole shared libraries (the image then needs no Swift runtime files).
/// - `--no-export-dynamic`: the static runtime's link arguments export every symbol (47 000 dynamic
///   symbols, whose tables the dynamic linker reads at start); nothing loads chargerd's symbols.
/// - lld with `-z pack-relative-relocs` (DT_RELR, glibc 2.36 = Debian 12): 80 000 relative relocations
///   in 16 KiB instead of 1.9 MB read at every start; the binary stays position-independent (ASLR).
/// - `--symbol-ordering-file`: the functions that run before "ready" first in `.text`
///   (`Sources/chargerd/startup-order.txt`, written by `.ci/tools/startup-order.py`).
/// Debug builds (tests, CI) link as before.
let firmwareReleaseLink: [LinkerSetting] = [
    .unsafeFlags([
        // FoundationEssentials' own static dependencies (SwiftPM names them only for --static-swift-stdlib).
        "-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-use-ld=lld",
        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-Xlinker", "--no-export-dynamic",
        "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/Sources/chargerd/startup-order.txt",
        "-Xlinker", "--no-warn-symbol-ordering",
    ], .when(platforms: [.linux], configuration: .release)),
]

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
    // A TAP interface (/dev/net/tun) for the user-space QCA7000 board's IP traffic.
    .target(name: "CTap", dependencies: ["CShimSeam"], path: "CShims/CTap"),
    .target(name: "CI2C", dependencies: ["CShimSeam"], path: "CShims/CI2C",
            linkerSettings: [.linkedLibrary("i2c")]),
    // IPv6 UDP (SDP, multicast on one interface) and non-blocking TCP (V2GTP) on the PLC interface.
    .target(name: "CSocket", dependencies: ["CShimSeam"], path: "CShims/CSocket"),
    // ppoll with a nanosecond timeout and signalfd, for the tick loop.
    .target(name: "CEventLoop", path: "CShims/CEventLoop"),
    // sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (chargerd as a systemd service).
    .target(name: "CNotify", dependencies: ["CShimSeam"], path: "CShims/CNotify"),
    // An MQTT client over libmosquitto (Debian's libmosquitto-dev): site power sharing (issue 20 item 5).
    // libmosquitto is opened with dlopen when a client is first made, not linked (issue 18: an idle chargerd
    // without `--site-mqtt` maps neither it nor libssl/libcrypto); its header comes from libmosquitto-dev.
    .target(name: "CMosquitto", path: "CShims/CMosquitto"),
    // YAML events from Debian's libyaml (libyaml-dev) for board, station and scenario files: Yams needs
    // Foundation, which the firmware does not load (issue 18, idle footprint).
    .target(name: "CYAML", path: "CShims/CYAML", linkerSettings: [.linkedLibrary("yaml")]),
    // Test-only: a programmable fake behind the seam (fail the Nth call with an errno, trace calls).
    .target(name: "CShimFakes", dependencies: ["CShimSeam"], path: "CShims/CShimFakes"),
]

// MARK: - Swift layers

let layers: [Target] = [
    // The value types every layer shares (time, MAC address, frame layout): no dependency, no C library,
    // so the pure codecs can use them.
    .target(name: "CoreTypes", swiftSettings: strict),
    .target(name: "Buffers", swiftSettings: strict),
    // A YAML document as nodes that keep their positions (libyaml through CYAML): what the board,
    // station and scenario loaders walk to report each problem at its line and column.
    .target(name: "YAMLDocument", dependencies: ["CYAML"], swiftSettings: strict),
    .target(
        name: "HAL",
        dependencies: [
            "CoreTypes", "Buffers", "CShimSeam", "CSpidev", "CSerial", "CGpiod", "CSocketCAN", "CRawEthernet", "CTap", "CI2C", "CSocket",
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        swiftSettings: strict),
    // The contracts of the control loop that controllers implement (TickController, IOSource) and
    // the timers they keep (Deadline, TimerSet). Controllers import this, never Runtime.
    .target(name: "ControlLoop", dependencies: ["CoreTypes"], swiftSettings: strict),
    // The written contracts between controllers: the facts each publishes (pilot, PLC link,
    // authorisation; the power path and the V2G session to come) with their timing promises, and the
    // `Authorizer` every way of reaching a car consults. Value types only, no device, no codec.
    .target(name: "Contracts", dependencies: ["CoreTypes", "ControlLoop"],
            swiftSettings: strict),
    // The DC power path's controllers (issue 13): cable check, precharge, charge-loop guard, stop,
    // welding detection and the PowerPathController that runs them and drives the safe stop. Contracts
    // only: no HAL, no board.
    .target(name: "PowerPath", dependencies: ["Contracts", "ControlLoop", "CoreTypes"], swiftSettings: strict),
    // The simulated DC plant behind the power-path contracts (supply, cable, contactors, IMD, a battery
    // behind the car's contactors), with injectable faults; the sim board and every test use it.
    .target(name: "PowerPlantSim", dependencies: ["Contracts", "ControlLoop", "CoreTypes"], swiftSettings: strict),
    // The power path on the simulated plant under the manual clock (plant → charge session → power
    // path), with fault scenarios: `boardctl power --board sim` and the tests.
    .target(name: "PowerPathBench", dependencies: ["PowerPath", "PowerPlantSim", "Contracts", "ControlLoop", "CoreTypes"],
            swiftSettings: strict),
    // The ADVANTICS codec on the HAL's CAN frames: the one conversion each way every role, emulator and monitor uses.
    .target(name: "AdvanticsCANLink", dependencies: ["AdvanticsCAN", "HAL"], swiftSettings: strict),
    // The customer side of an ADVANTICS charge-station controller (EVSE CAN interface v3): its requests
    // → power-path steps, our readouts → CAN, over the CAN pump's rings (issue 16).
    .target(name: "AdvanticsEVSE", dependencies: ["AdvanticsCAN", "AdvanticsCANLink", "Contracts", "ControlLoop", "CoreTypes", "HAL", "Buffers"],
            swiftSettings: strict),
    // The vehicle side (BMS/VCU) of an ADVANTICS EVCC (PEV CAN interface v2): DC D1–D8 and AC A1–A5
    // driven by an EVBatteryModel, the vehicle contactors and inlet meter through the power-path contracts.
    .target(name: "AdvanticsPEV", dependencies: ["AdvanticsCAN", "AdvanticsCANLink", "Contracts", "ControlLoop", "CoreTypes", "HAL", "Buffers",
                                                 "V2GSession"],
            swiftSettings: strict),
    // A scripted ADVANTICS SECC on a CAN bus (EVSE v3 sequence, stops, faults) for tests and benches.
    .target(name: "AdvanticsEmulator", dependencies: ["AdvanticsCAN", "AdvanticsCANLink", "ControlLoop", "CoreTypes", "HAL", "Contracts"], swiftSettings: strict),
    // Power-path drivers over the HAL for real boards: the GPIO contactors with auxiliary feedback; the
    // ESP32 helper's R3/R4 DC supply, contactor and module meter (over its serial pump's queues).
    .target(name: "PowerDrivers", dependencies: ["HAL", "Contracts", "ControlLoop", "CoreTypes", "Buffers", "CPHelperProtocol"], swiftSettings: strict),
    .target(
        name: "Runtime",
        dependencies: [
            "Buffers", "HAL", "ControlLoop", "CEventLoop", "CNotify",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        swiftSettings: strict),
    // Codecs (pure: bytes in, typed value or typed error out, and back).
    // HomePlug AV / Green PHY management messages used by SLAC (ISO 15118-3) and the QCA vendor MMEs.
    .target(name: "HomePlugAV", dependencies: ["CoreTypes"], swiftSettings: strict),
    // V2GTP framing (bounded incremental reader) and the SDP request/response (sdp-v2gtp.md §2–6).
    .target(name: "V2GTP", dependencies: ["CoreTypes"], swiftSettings: strict),
    // ADVANTICS generic CAN interfaces (EVSE v3.6, PEV v2.5): every message and signal, frames ⇄ values (issue 16).
    .target(name: "AdvanticsCAN", swiftSettings: strict),
    // WHITE-beet host control interface (whitebeet-hci.md): frames, EXP values, the system, network, CP, SLAC,
    // V2G EVSE Gen-2 and EV messages, the Ethernet and SPI wrappings.
    .target(name: "WhitebeetHCI", dependencies: ["CoreTypes"], swiftSettings: strict),
    // Controllers.
    // V2G (DIN 70121, ISO 15118-2): the supportedAppProtocol negotiation and the session timers so far;
    // SDP server/client, SECC and EVCC follow (issue 14).
    .target(name: "V2G", dependencies: ["AppHandshake", "EXI", "V2GTP", "Contracts", "ControlLoop", "CoreTypes"],
            swiftSettings: strict),
    // The V2G session controllers (issue 14): SECCSession (charger side) and EVCCSession (vehicle side)
    // over V2GTP bytes in preallocated queues; power through the power-path contracts. No socket, no JSON.
    .target(name: "V2GSession", dependencies: ["V2G", "V2GTP", "EXI", "AppHandshake", "DIN70121", "ISO15118_2", "Contracts",
                                               "ControlLoop", "CoreTypes", "Buffers"],
            swiftSettings: strict),
    // ISO 15118-3 SLAC: SlacMatcher (EVSE), SlacRequester (EV), NMK/NID, attenuation averaging.
    .target(name: "SLAC", dependencies: ["HomePlugAV", "Contracts", "ControlLoop", "CoreTypes", "Buffers"], swiftSettings: strict),
    // The HomePlug modem stand-in (answers CM_SET_KEY, measures "attenuation") for tests, the sim board
    // and `boardctl slac` on veth.
    .target(name: "PLCModemStandIn", dependencies: ["HomePlugAV", "ControlLoop", "HAL", "Buffers"], swiftSettings: strict),
    // Device drivers over the HAL: the pumps that move bytes and frames between devices and
    // preallocated queues, the user-space QCA7000 driver, the ADS1115 CP ADC. No board files.
    .target(name: "Drivers", dependencies: ["Buffers", "HAL", "ControlLoop"], swiftSettings: strict),
    // V2G's IP link: the SDP server (SECC) and client (EV) as loop controllers over DatagramPump queues.
    .target(name: "V2GLink", dependencies: ["Drivers", "HAL", "V2GTP", "V2G", "ControlLoop", "Buffers", "CoreTypes"], swiftSettings: strict),
    // The host's end of the WHITE-beet HCI over raw Ethernet: request IDs, bounded busy-retry, timeouts.
    .target(name: "WhitebeetHost", dependencies: ["WhitebeetHCI", "HAL", "Buffers", "CoreTypes"], swiftSettings: strict),
    // A WHITE-beet-EI module emulator (EVSE role, firmware generation 2) with a scripted car and faults.
    .target(name: "WhitebeetEmulator", dependencies: ["WhitebeetHCI", "HAL", "Buffers", "CoreTypes", "V2GSession"], swiftSettings: strict),
    // The EVSE role on a WHITE-beet-EI: configures the module, answers its notifications from the DC power path.
    .target(name: "WhitebeetEVSE", dependencies: ["WhitebeetHCI", "WhitebeetHost", "Contracts", "ControlLoop", "CoreTypes"],
            swiftSettings: strict),
    // The EV role on a WHITE-beet-PI: drives the module's EV API from an EVBatteryModel.
    .target(name: "WhitebeetEV", dependencies: ["WhitebeetHCI", "WhitebeetHost", "V2GSession", "ControlLoop", "CoreTypes"],
            swiftSettings: strict),
    // Board files (Boards/*.yaml) → typed definitions → opened devices and their pumps; probe.
    .target(
        name: "Boards",
        dependencies: [
            "Buffers", "HAL", "ControlLoop", "Drivers",
            "CPHelperProtocol",
            "AdvanticsCAN",
            // The WHITE-beet EVSE firmware generation a whitebeet-host device names (`firmware:`).
            "WhitebeetHCI",
            "YAMLDocument",
        ],
        swiftSettings: strict),
    // The `sim` board: the simulated device factory (twins, the ESP32 helper emulator on a pty, the
    // QCA7000 chip model) and the simulated vehicle a composition adds. Only apps, the composition
    // and tests import it; drivers and controllers never do.
    .target(
        name: "SimBoard",
        dependencies: ["Boards", "Drivers", "HAL", "Buffers", "ControlLoop", "Contracts", "ESP32CPEmulator",
                       "PLCModemStandIn", "SLAC", "HomePlugAV",
                       "V2GSession", "V2GLink", "PowerPlantSim",
                       .product(name: "SystemPackage", package: "swift-system")],
        swiftSettings: strict),
    // Scenario files (Scenarios/*.yaml): the sim car's battery and behaviour, plant faults as events, the
    // expected outcome; the director that plays them on the sim composition (a simulator).
    .target(
        name: "Scenarios",
        dependencies: ["Contracts", "ControlLoop", "CoreTypes", "V2G", "V2GSession", "PowerPlantSim", "SimBoard",
                       "YAMLDocument"],
        swiftSettings: strict),
    // The composition step: from a board's `vehicle_link`, the drivers and controllers it needs,
    // registered on the loop in the contract's order, sharing one `ChargerFacts`.
    .target(
        name: "ChargerAssembly",
        dependencies: ["Boards", "Drivers", "SimBoard", "HAL", "Buffers", "ControlLoop", "Contracts", "Runtime",
                       "ControlPilot", "SLAC", "HomePlugAV",
                       "AdvanticsEVSE", "AdvanticsEmulator", "PowerPath", "PowerPlantSim",
                       "V2GSession", "V2GLink", "ESP32CPEmulator", "AdvanticsPEV",
                       "PowerDrivers", "CPHelperProtocol",
                       "WhitebeetHCI", "WhitebeetHost", "WhitebeetEVSE", "WhitebeetEmulator",
                       "Scenarios"],
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
        dependencies: ["ControlLoop", "Contracts", "HAL", "Buffers", "Drivers", "CPHelperProtocol"],
        swiftSettings: strict),
    .target(name: "ESP32CPEmulator", dependencies: ["HAL", "Buffers", "CEventLoop"], swiftSettings: strict),
    // Bench tool: an emulated helper on a new pty, driven by a script (`swift run cp-helper-emulator --help`).
    .executableTarget(
        name: "cp-helper-emulator",
        dependencies: ["ESP32CPEmulator", "HAL",
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        swiftSettings: strict),
    .testTarget(
        name: "ControlPilotTests",
        dependencies: ["Drivers", "SimBoard", "Contracts", "ChargerAssembly", "ControlPilot", "CPHelperProtocol", "ESP32CPEmulator", "Boards", "HAL", "Buffers",
                       "ControlLoop", "Runtime", "MallocCounting", "CSerial", "CShimSeam", "TestSupport",
                       "PowerPath", "PowerDrivers", "PowerPlantSim",
                       .product(name: "SystemPackage", package: "swift-system")],
        swiftSettings: strict),
]

// MARK: - EXI codecs (issue 6)
//
// `EXI` is the schema-informed EXI runtime (bit streams, string table, fixed-capacity values);
// one generated codec target per schema family (Sources/exigen writes them from ../shared/schemas);
// `EXITool` maps (schema, hex) <-> Josev-shaped JSON for `boardctl exi` and the tests.

let exi: [Target] = [
    .target(name: "EXI", swiftSettings: strict),
    .target(name: "AppHandshake", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "DIN70121", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "ISO15118_2", dependencies: ["EXI"], swiftSettings: codecs),
    .target(name: "ISO15118_20", dependencies: ["EXI"], swiftSettings: codecs),
    // Josev-shaped JSON of the codecs' values (issue 15): tools and tests only; chargerd links none of it.
    .target(name: "EXIJSON", dependencies: ["EXI"], swiftSettings: strict),
    .target(name: "AppHandshakeJSON", dependencies: ["EXI", "EXIJSON", "AppHandshake"], swiftSettings: strict),
    .target(name: "DIN70121JSON", dependencies: ["EXI", "EXIJSON", "DIN70121"], swiftSettings: strict),
    .target(name: "ISO15118_2JSON", dependencies: ["EXI", "EXIJSON", "ISO15118_2"], swiftSettings: strict),
    .target(name: "ISO15118_20JSON", dependencies: ["EXI", "EXIJSON", "ISO15118_20"], swiftSettings: strict),
    .target(name: "EXITool", dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXIJSON",
                                            "AppHandshakeJSON", "DIN70121JSON", "ISO15118_2JSON", "ISO15118_20JSON"],
            swiftSettings: strict),
    // Run by hand: `swift run exigen` regenerates the codec targets from ../shared/schemas.
    .target(name: "EXIGenerator", exclude: ["README.md"], swiftSettings: strict),
    .executableTarget(name: "exigen", dependencies: ["EXIGenerator"], swiftSettings: strict),
    .testTarget(
        name: "EXITests",
        dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool", "EXIGenerator",
                       "MallocCounting", "EXIFuzzSupport", "TestSupport", "EXIJSON", "AppHandshakeJSON", "DIN70121JSON",
                       "ISO15118_2JSON", "ISO15118_20JSON"],
        swiftSettings: strict),
    // What every EXI fuzzer checks (no trap; decode → encode → decode; decode(_:into:) over a held message)
    // and its seed corpora, shared by FuzzTests, the replay of Tests/FuzzReplay/exi and `exi-fuzz`.
    .target(name: "EXIFuzzSupport", dependencies: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool", "EXIJSON"],
            path: "Tests/Fuzz/EXIFuzzSupport", swiftSettings: strict),
    // Every EXI decoder under libFuzzer + ASan (.ci/extra/fuzz-exi-libfuzzer.sh), or a replay of saved inputs.
    .executableTarget(name: "exi-fuzz", dependencies: ["EXIFuzzSupport", "EXITool"], path: "Tests/Fuzz/EXIFuzz",
                      swiftSettings: strict),
]

// MARK: - Service plane (issue 20)
//
// `ServiceLink` is the loop's side: fixed-capacity lock-free SPSC rings, the facts snapshot it publishes
// every N ticks and the commands it drains (current limit, remote start/stop, authorisation). No
// descriptor, no allocation. `ServicePlane` runs the services on their own swift-nio event loop thread.
// `OCPP16` is the pure OCPP 1.6J codec (typed messages <-> JSON frames); `OCPPChargePoint` the charge
// point over WSClient.

let servicePlane: [Target] = [
    .target(name: "ServiceLink", dependencies: ["Contracts", "ControlLoop", "CoreTypes"], swiftSettings: strict),
    .target(name: "OCPP16", swiftSettings: strict),
    .target(name: "ServicePlane",
            dependencies: ["ServiceLink", "Contracts", "CoreTypes",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict),
    .target(name: "OCPPChargePoint",
            dependencies: ["OCPP16", "ServiceLink", "ServicePlane", "Contracts", "CoreTypes",
                           .product(name: "WSClient", package: "swift-websocket"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
    // The local HTTP API, live page, Prometheus metrics and per-session record (issue 20 items 3, 4).
    .target(name: "HTTPAPI",
            dependencies: ["OCPP16", "ServiceLink", "ServicePlane", "Contracts", "CoreTypes",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict),
    // Site power sharing over MQTT (issue 20 item 5): `SitePowerSharing` is the pure policy and hand-over
    // (claims, shares, no sockets, no clock of its own); `SiteMQTT` its service-plane client on libmosquitto.
    .target(name: "SitePowerSharing", dependencies: ["CoreTypes"], swiftSettings: strict),
    .target(name: "SiteMQTT",
            dependencies: ["SitePowerSharing", "CMosquitto", "ServiceLink", "ServicePlane", "CoreTypes",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
    .testTarget(name: "SitePowerSharingTests",
                dependencies: ["SitePowerSharing", "SiteMQTT", "CoreTypes", "TestSupport"],
                swiftSettings: strict),
    .testTarget(name: "ServicePlaneTests",
                dependencies: ["ServiceLink", "ServicePlane", "Contracts", "ControlLoop", "CoreTypes", "MallocCounting"],
                swiftSettings: strict),
    .testTarget(name: "HTTPAPITests",
                dependencies: ["HTTPAPI", "OCPP16", "ServiceLink", "ServicePlane", "Contracts", "ControlLoop", "CoreTypes",
                               "MallocCounting", "TestSupport"],
                swiftSettings: strict),
    .testTarget(name: "OCPPTests",
                dependencies: ["OCPP16", "OCPPChargePoint", "ServiceLink", "Contracts", "CoreTypes", "TestSupport"],
                swiftSettings: strict),
]

// MARK: - Applications

/// One SLAC association on a real interface or the simulated board (`boardctl slac`, interop peers).
let slacRunner: Target = .target(
    name: "SlacRunner",
    dependencies: ["SLAC", "HomePlugAV", "PLCModemStandIn", "SimBoard", "Boards", "Drivers", "Contracts", "Runtime",
                   "ControlLoop", "HAL", "Buffers"],
    swiftSettings: strict)

let apps: [Target] = [
    slacRunner,
    .executableTarget(
        name: "boardctl",
        dependencies: [
            "Boards", "Drivers", "SimBoard", "ChargerAssembly", "Contracts", "HAL", "Runtime", "ControlLoop",
            "SlacRunner", "SLAC", "ControlPilot", "CPHelperProtocol", "ESP32CPEmulator", "EXITool",
            "PowerPathBench", "PowerPlantSim",
            "V2GLink", "V2G", "V2GTP", "AppHandshake", "EXI", "PowerPath", "Buffers", "V2GSession",
            "AdvanticsCAN", "AdvanticsEmulator",
            "WhitebeetHCI", "WhitebeetHost", "WhitebeetEmulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: strict),
    .executableTarget(
        name: "chargerd",
        dependencies: [
            "Boards", "ChargerAssembly", "HAL", "Runtime", "ControlLoop",
            "Contracts", "CoreTypes", "SimBoard",
            "YAMLDocument",  // TextFile: the soak's /proc reads
            "V2GSession", "V2G",  // the station config's SECC offer (issue 18 item 1)
            "Scenarios",
            "ServiceLink", "ServicePlane", "OCPPChargePoint",
            "HTTPAPI",  // --http: the local API, live page and metrics (issue 20 items 3, 4)
            "SiteMQTT", "SitePowerSharing",  // site power sharing over MQTT (issue 20 item 5)
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        exclude: ["startup-order.txt"],
        swiftSettings: strict,
        linkerSettings: firmwareReleaseLink),
    // The CCS vehicle simulator for a bench: the sim board's car (SDP, TCP, EVCC, bench battery) on an interface.
    .executableTarget(
        name: "evsim",
        dependencies: ["SimBoard", "Scenarios", "ChargerAssembly", "V2GSession", "Contracts", "ControlLoop", "CoreTypes", "HAL",
                       "Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
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
        dependencies: ["HAL", "Buffers", "CShimFakes", "CShimSeam", "CSerial", "CRawEthernet", "CSpidev", "CGpiod", "CSocketCAN", "CI2C", "CSocket",
                       "TestSupport", .product(name: "SystemPackage", package: "swift-system")],
        swiftSettings: strict),
    .testTarget(
        name: "RuntimeTests",
        dependencies: ["Drivers", "SimBoard", "Contracts", "ChargerAssembly", "Runtime", "ControlLoop", "Boards", "HAL", "Buffers", "MallocCounting"],
        swiftSettings: strict),
    .testTarget(name: "BoardsTests", dependencies: ["Drivers", "SimBoard", "Contracts", "ChargerAssembly", "Boards", "HAL", "ControlLoop", "TestSupport",
                                               "YAMLDocument"], swiftSettings: strict),
    .testTarget(name: "V2GLinkTests", dependencies: ["V2GLink", "V2GTP", "V2G", "Drivers", "HAL", "ControlLoop", "Runtime", "Buffers", "MallocCounting", "TestSupport"],
                swiftSettings: strict),
    // The HomePlug MME parser under libFuzzer (.ci/extra/fuzz-homeplug.sh), or a smoke run without it.
    .executableTarget(name: "homeplug-fuzz", dependencies: ["HomePlugAV", "HAL"], path: "Tests/Fuzz/HomePlugFuzz",
                      swiftSettings: strict),
    // WHITE-beet HCI: sample messages, the fuzz property and its seeded mutator (tests, whitebeet-fuzz).
    .target(name: "WhitebeetFuzzSupport", dependencies: ["WhitebeetHCI", "CoreTypes"], path: "Tests/Fuzz/WhitebeetFuzzSupport",
            swiftSettings: strict),
    // The HCI decoders under libFuzzer (.ci/extra/fuzz-whitebeet.sh), a seeded smoke run, or a replay of saved inputs.
    .executableTarget(name: "whitebeet-fuzz", dependencies: ["WhitebeetFuzzSupport"], path: "Tests/Fuzz/WhitebeetFuzz",
                      swiftSettings: strict),
    // Our side of the SLAC interop tests, started inside a network namespace.
    // The sim composition under the malloc counter, in a process of its own (ChargerAssemblyTests runs it).
    .executableTarget(name: "sim-allocation-probe",
                      dependencies: ["ChargerAssembly", "Boards", "Runtime", "CoreTypes", "MallocCounting",
                                     "SimBoard"],
                      path: "Tests/Support/SimAllocationProbe", swiftSettings: strict),
    // The loop's jitter and mallocs with the service plane off, idle and busy in one run (.ci/plane-bench.sh, by hand).
    .executableTarget(name: "plane-bench",
                      dependencies: ["ChargerAssembly", "Boards", "Runtime", "CoreTypes", "MallocCounting", "SimBoard",
                                     "HTTPAPI", "ServicePlane"],
                      path: "Tests/Support/PlaneBench", swiftSettings: strict),
    // SECC processing per CurrentDemand, bytes in → bytes out, for .ci/v2g-bench.sh (timing and callgrind).
    .executableTarget(name: "v2g-bench", dependencies: ["V2GSession", "Contracts", "ControlLoop", "CoreTypes", "Buffers", "EXI", "EXIJSON"],
                      path: "Tests/Support/V2GBench", swiftSettings: strict),
    .executableTarget(name: "slac-peer", dependencies: ["SlacRunner", "HAL"], path: "Tests/Support/SlacPeer",
                      swiftSettings: strict),
    .testTarget(
        name: "SLACTests",
        dependencies: ["Drivers", "SimBoard", "Contracts", "ChargerAssembly", "SLAC", "HomePlugAV", "PLCModemStandIn", "Runtime", "ControlLoop", "Boards", "HAL", "Buffers",
                       "MallocCounting", "SlacRunner", "slac-peer", "TestSupport"],
        swiftSettings: strict),
    // The composition: the sim board's controllers through the contracts, and its steady state under
    // the malloc counter.
    .testTarget(
        name: "ChargerAssemblyTests",
        dependencies: ["ChargerAssembly", "Contracts", "ControlLoop", "ControlPilot", "SLAC", "Boards", "HAL", "Runtime",
                       "TestSupport", "sim-allocation-probe",
                       "SimBoard", "V2GSession",
                       "ESP32CPEmulator", "PowerDrivers", "MallocCounting",
                       "WhitebeetEVSE", "WhitebeetEmulator", "PowerPlantSim", "CoreTypes",
                       "Scenarios", "Drivers", "V2GLink"],
        swiftSettings: strict),
    .testTarget(name: "V2GTPTests", dependencies: ["V2GTP", "CoreTypes", "MallocCounting", "TestSupport"], swiftSettings: strict),
    .testTarget(name: "V2GTests", dependencies: ["V2G", "Contracts", "AppHandshake", "EXI", "EXITool", "CoreTypes", "EXIJSON", "AppHandshakeJSON"],
                swiftSettings: strict),
    // WHITE-beet: the HCI codec against the spec's reference vectors, fuzzing, the module emulator and the host transport.
    .testTarget(name: "WhitebeetTests", dependencies: ["WhitebeetHCI", "WhitebeetFuzzSupport", "WhitebeetHost", "WhitebeetEmulator", "Buffers",
                                                     "WhitebeetEVSE", "PowerPath", "PowerPlantSim", "Contracts", "ControlLoop",
                                                     "WhitebeetEV", "V2GSession", "ChargerAssembly",
                                                     "HAL", "CoreTypes", "MallocCounting", "TestSupport"],
                swiftSettings: strict),
    // The DC power path: the fault matrix over the simulated plant, the §2 timing limits under the
    // manual clock, the full sequence, the GPIO contactor driver, and the steady state at 0 mallocs.
    .testTarget(
        name: "PowerPathTests",
        dependencies: ["PowerPath", "PowerPlantSim", "PowerPathBench", "PowerDrivers", "Contracts", "ControlLoop", "CoreTypes",
                       "HAL", "MallocCounting"],
        swiftSettings: strict),
    // The V2G session controllers against Josev's bytes, composed with the power path on the simulated plant.
    .testTarget(
        name: "V2GSessionTests",
        dependencies: ["V2GSession", "V2G", "V2GTP", "EXI", "AppHandshake", "DIN70121", "ISO15118_2", "EXITool", "Contracts",
                       "ControlLoop", "CoreTypes", "Buffers", "PowerPath", "PowerPlantSim", "MallocCounting", "TestSupport",
                       "EXIJSON", "AppHandshakeJSON", "DIN70121JSON", "ISO15118_2JSON"],
        swiftSettings: strict),
    // ADVANTICS over CAN (issue 16): the codec against the spec's tables and cantools; the EVSE role with
    // the power path and the simulated plant against the SECC emulator under the manual clock.
    .testTarget(name: "AdvanticsTests",
                dependencies: ["AdvanticsCAN", "AdvanticsCANLink", "AdvanticsEVSE", "AdvanticsEmulator", "PowerPath", "PowerPlantSim", "Contracts",
                               "ControlLoop", "CoreTypes", "HAL", "Buffers", "Drivers", "MallocCounting", "TestSupport",
                               "ChargerAssembly", "Boards", "AdvanticsPEV", "V2GSession", "SimBoard"],
                swiftSettings: strict),
    // The executables as a user runs them (signals, exit codes, output).
    .testTarget(name: "AppTests", dependencies: ["TestSupport"], swiftSettings: strict),
    // Kernel-backed tests: they run for real inside ../shared/tools/hil-vm (HIL_VM=1); on the host one
    // launcher test boots the VM and runs them there.
    .testTarget(name: "HILTests",
                dependencies: ["HAL", "Boards", "Buffers", "CGpiod", "CSocketCAN", "CI2C", "CSpidev", "CShimFakes", "TestSupport",
                               "AdvanticsEVSE", "AdvanticsEmulator", "PowerPath", "PowerPlantSim", "Contracts", "ControlLoop", "Drivers",
                               "AdvanticsPEV", "AdvanticsCAN", "V2GSession",
                               .product(name: "SystemPackage", package: "swift-system")],
                exclude: ["Boards"],   // board files for chargerd/boardctl in the VM, read from the package root
                swiftSettings: strict),
]

let package = Package(
    name: "ChargeKit",
    products: [
        .executable(name: "boardctl", targets: ["boardctl"]),
        .executable(name: "chargerd", targets: ["chargerd"]),
        .executable(name: "evsim", targets: ["evsim"]),
        // For the EXI benchmark package in Benchmarks/ (kept apart: ordo-one/benchmark in this
        // package's graph breaks the test build's module maps for the C shims).
        .library(name: "EXICodecs", targets: ["EXI", "AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20", "EXITool", "EXIJSON",
                                              "AppHandshakeJSON", "DIN70121JSON", "ISO15118_2JSON", "ISO15118_20JSON"]),
    ],
    // Pinned: Package.resolved (committed) records the exact revisions; these ranges admit only the
    // minor series verified here (README "Dependencies"). hdrhistogram-swift is 0.x: exact.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", .upToNextMinor(from: "1.8.2")),
        .package(url: "https://github.com/apple/swift-log.git", .upToNextMinor(from: "1.16.2")),
        .package(url: "https://github.com/apple/swift-system.git", .upToNextMinor(from: "1.8.1")),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", exact: "0.2.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", .upToNextMinor(from: "1.6.1")),
        // The service plane (issue 20): swift-nio's event loop, swift-websocket's WSClient for OCPP-J.
        .package(url: "https://github.com/apple/swift-nio.git", .upToNextMinor(from: "2.101.2")),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", .upToNextMinor(from: "1.6.2")),
        // Already in swift-websocket's graph; named for OCPP's TLS root (profile 2) and headers.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", .upToNextMinor(from: "2.37.6")),
        .package(url: "https://github.com/apple/swift-http-types.git", .upToNextMinor(from: "1.8.0")),
    ],
    targets: shims + layers + controlPilot + exi + apps + tests + servicePlane
)
