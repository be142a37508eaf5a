import HAL
import SystemPackage
import Testing

/// The faults a `SimulatedSPIDevice` can play and what each yields.
@Suite("SPI twin faults: unsupported mode, EIO mid-stream, a vanished node")
struct SPITwinFaultTests {
    let qca = SimulatedSPIDevice(path: "/dev/spidev0.0", config: SPIConfig(mode: .mode3, speedHz: 12_000_000))

    @Test("a controller limited to mode 0 (like the HIL VM's spi-butterfly): mode 3 is .configure(EINVAL), the old setting stays")
    func unsupportedMode() {
        qca.backend.supportedModes = [.mode0]
        let error = #expect(throws: SPIError.self) { try qca.configure(SPIConfig(mode: .mode3)) }
        #expect(error == .configure("/dev/spidev0.0", setting: "mode 3", errno: .invalidArgument))
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description == "cannot set mode 3 on /dev/spidev0.0: Invalid argument — the SPI controller cannot do that")
        #expect(qca.configuration.mode == .mode3, "the twin keeps what it had")
    }

    @Test("EIO on the third transfer, and only that one")
    func eioMidStream() throws {
        qca.backend.failTransferAfter = 3
        _ = try qca.exchange([1])
        _ = try qca.exchange([2])
        let error = #expect(throws: SPIError.self) { _ = try qca.exchange([3]) }
        #expect(error == .transfer("/dev/spidev0.0", errno: .ioError))
        #expect(error?.kind == .io)
        _ = try qca.exchange([4])
        #expect(qca.backend.transferCount == 4)
    }

    @Test("a vanished node: transfers and configuration are kind .disconnected")
    func vanished() {
        qca.backend.vanished = true
        let transfer = #expect(throws: SPIError.self) { _ = try qca.exchange([1]) }
        #expect(transfer == .transfer("/dev/spidev0.0", errno: .operationNotSupportedByDevice))
        #expect(transfer?.kind == .disconnected)
        #expect(#expect(throws: SPIError.self) { try qca.configure(SPIConfig()) }?.kind == .disconnected)
    }

    @Test("the chip model answers each chip-select cycle (a QCA7000 signature read here)")
    func chipModel() throws {
        qca.backend.respond = { tx, rx in
            rx.initializeMemory(as: UInt8.self, repeating: 0)
            if tx.count == 4, tx[0] == 0xDA, tx[1] == 0x00 { rx[2] = 0xAA; rx[3] = 0xAA }   // SIGNATURE register
        }
        #expect(try qca.exchange([0xDA, 0x00, 0x00, 0x00]) == [0, 0, 0xAA, 0xAA])
    }
}
