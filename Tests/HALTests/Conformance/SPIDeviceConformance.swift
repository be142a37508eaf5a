import CShimFakes
import HAL
import Testing

/// `LinuxSPIDevice` on the fakes' loopback node: MISO echoes MOSI.
private final class LinuxLoopbackHarness: SPIDeviceHarness {
    let spi: LinuxSPIDevice
    var device: any SPIDevice { spi }
    init(_ config: SPIConfig) throws { spi = try LinuxSPIDevice(path: "/dev/spidev-loop1.0", config: config) }
    func expectedReply(to tx: [UInt8]) -> [UInt8] { tx }
    func configure(_ config: SPIConfig) throws { try spi.configure(config) }
}

/// The twin with a chip model: `echo` wires MISO to MOSI, `silent` leaves MISO low (the twin's
/// default, and what the HIL VM's spidev reads: it has no peer).
private final class TwinSPIHarness: SPIDeviceHarness {
    let twin: SimulatedSPIDevice
    let echo: Bool
    var device: any SPIDevice { twin }
    init(_ config: SPIConfig, echo: Bool) {
        twin = SimulatedSPIDevice(path: "/dev/spidev-sim0.0", config: config)
        self.echo = echo
        if echo { twin.backend.respond = { tx, rx in rx.copyMemory(from: tx) } }
    }
    func expectedReply(to tx: [UInt8]) -> [UInt8] { echo ? tx : [UInt8](repeating: 0, count: tx.count) }
    func configure(_ config: SPIConfig) throws { try twin.configure(config) }
}

enum SPIImplementation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case linuxLoopback = "LinuxSPIDevice on the fake loopback node"
    case simulatedEcho = "SimulatedSPIDevice, MISO wired to MOSI"
    case simulatedSilent = "SimulatedSPIDevice, nothing on MISO"
    var testDescription: String { rawValue }

    static let qca = SPIConfig(mode: .mode3, bitsPerWord: 8, speedHz: 12_000_000)

    func run(_ contract: (any SPIDeviceHarness) throws -> Void) throws {
        switch self {
        case .linuxLoopback:
            try withSeamFakes { fakes in
                fakes.loopbackDevice("/dev/spidev-loop1.0")
                try contract(try LinuxLoopbackHarness(Self.qca))
            }
        case .simulatedEcho: try contract(TwinSPIHarness(Self.qca, echo: true))
        case .simulatedSilent: try contract(TwinSPIHarness(Self.qca, echo: false))
        }
    }
}

/// The SPI contract (the Linux run needs the fakes, hence inside `ShimSeam`). The HILKernel suites run
/// it on the VM's spidev, whose MISO reads zeros.
extension ShimSeam {
    @Suite("SPIDevice contract: Linux (loopback node) and simulated behave alike")
    struct SPIDeviceConformance {
        @Test("one full-duplex transfer", arguments: SPIImplementation.allCases)
        func single(_ impl: SPIImplementation) throws { try impl.run { try SPIDeviceContract.singleTransfer($0) } }

        @Test("a segmented message", arguments: SPIImplementation.allCases)
        func segmented(_ impl: SPIImplementation) throws { try impl.run { try SPIDeviceContract.segmentedTransfer($0) } }

        @Test("malformed transfers are refused", arguments: SPIImplementation.allCases)
        func malformed(_ impl: SPIImplementation) throws { try impl.run { try SPIDeviceContract.malformedTransfersAreRefused($0) } }

        @Test("reconfiguring keeps transfers working", arguments: SPIImplementation.allCases)
        func reconfigure(_ impl: SPIImplementation) throws {
            try impl.run { try SPIDeviceContract.reconfigure($0, to: SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 1_000_000, hardwareChipSelect: false)) }
        }
    }
}
