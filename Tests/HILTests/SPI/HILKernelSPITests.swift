import HAL
import SystemPackage
import Testing
import TestSupport

/// `LinuxSPIDevice` on the VM's spidev (spi-butterfly on an emulated parallel port): mode 0 only, and
/// no peer, so MISO reads zeros.
final class LinuxSPIButterflyHarness: SPIDeviceHarness {
    let spi: LinuxSPIDevice
    var device: any SPIDevice { spi }
    init(_ config: SPIConfig) throws { spi = try LinuxSPIDevice(path: HIL.spiDevice, config: config) }
    func expectedReply(to tx: [UInt8]) -> [UInt8] { [UInt8](repeating: 0, count: tx.count) }
    func configure(_ config: SPIConfig) throws { try spi.configure(config) }
}

/// spidev ioctls (CSpidev) through `LinuxSPIDevice` on a real kernel SPI controller.
@Suite("HILKernel SPI: spidev on spi-butterfly", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelSPITests {
    static let whiteBeet = SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 500_000)

    @Test("mode 0, 8 bits and the clock are set and read back from the kernel")
    func configureAndReadBack() throws {
        try #require(!HIL.spiDevice.isEmpty, "hil-run.sh --spi provides HIL_SPI_DEV")
        let spi = try LinuxSPIDevice(path: HIL.spiDevice, config: Self.whiteBeet)
        #expect(try spi.readBackConfiguration() == Self.whiteBeet)
        try spi.configure(SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 1_000_000))
        #expect(try spi.readBackConfiguration().speedHz == 1_000_000)
    }

    @Test("contract: transfers (MISO zeros), segmented messages, refusals, reconfiguration")
    func contract() throws {
        try #require(!HIL.spiDevice.isEmpty)
        let h = try LinuxSPIButterflyHarness(Self.whiteBeet)
        try SPIDeviceContract.singleTransfer(h)
        try SPIDeviceContract.segmentedTransfer(h)
        try SPIDeviceContract.malformedTransfersAreRefused(h)
        try SPIDeviceContract.reconfigure(h, to: SPIConfig(mode: .mode0, bitsPerWord: 8, speedHz: 250_000))
    }

    @Test("mode 3 (what the QCA7000 needs) on this controller: .configure(mode 3, EINVAL), and the device is closed again")
    func mode3Refused() throws {
        try #require(!HIL.spiDevice.isEmpty)
        let error = #expect(throws: SPIError.self) { try LinuxSPIDevice(path: HIL.spiDevice, config: SPIConfig(mode: .mode3, speedHz: 500_000)) }
        #expect(error == .configure(HIL.spiDevice, setting: "mode 3", errno: .invalidArgument))
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description == "cannot set mode 3 on \(HIL.spiDevice): Invalid argument — the SPI controller cannot do that")
        let spi = try LinuxSPIDevice(path: HIL.spiDevice, config: Self.whiteBeet)
        #expect(throws: SPIError.configure(HIL.spiDevice, setting: "mode 3", errno: .invalidArgument)) { try spi.configure(SPIConfig(mode: .mode3)) }
        #expect(try spi.readBackConfiguration().mode == .mode0, "the controller kept mode 0")
    }

    @Test("a node that does not exist: .open(ENOENT) with the dtparam hint")
    func missingNode() {
        #expect(throws: SPIError.open("/dev/spidev9.9", errno: .noSuchFileOrDirectory)) { try LinuxSPIDevice(path: "/dev/spidev9.9", config: Self.whiteBeet) }
    }
}
