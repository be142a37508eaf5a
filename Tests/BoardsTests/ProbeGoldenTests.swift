import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import HAL
import Testing

/// `boardctl probe` output, compared with Golden/*.txt|json (UPDATE_GOLDEN=1 rewrites them).
@Suite("Probe output (golden)")
struct ProbeGoldenTests {
    @Test func simTable() throws {
        let result = BoardTool.probe(board: "sim", json: false, locator: Repo.locator, factory: { Charger.deviceFactory(for: $0) })
        #expect(result.exitCode == 0)
        #expect(result.errors == "")
        try expectGolden(Repo.normalize(result.output), "probe-sim.txt")
    }

    @Test func simJSON() throws {
        let result = BoardTool.probe(board: "sim", json: true, locator: Repo.locator, factory: { Charger.deviceFactory(for: $0) })
        #expect(result.exitCode == 0)
        try expectGolden(Repo.normalize(result.output), "probe-sim.json")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect(object?["exit_code"] as? Int == 0)
        #expect((object?["devices"] as? [Any])?.count == 11)
    }

    /// The Linux factory on paths no machine has: what a real board prints where its hardware is
    /// missing, with the HAL's messages.
    @Test func linuxFactoryOnMissingHardware() throws {
        let file = Repo.fixtures + "/missing-hardware.yaml"
        let table = BoardTool.probe(board: file, json: false, locator: Repo.locator, factory: { _ in LinuxDeviceFactory() })
        #expect(table.exitCode == 1)
        try expectGolden(Repo.normalize(table.output), "probe-missing-hardware.txt")
        let json = BoardTool.probe(board: file, json: true, locator: Repo.locator, factory: { _ in LinuxDeviceFactory() })
        #expect(json.exitCode == 1)
        try expectGolden(Repo.normalize(json.output), "probe-missing-hardware.json")
    }

    /// A shipped real board on a machine without its hardware. The factory is injected (every
    /// device absent, with the error the Linux factory gives), so the text is the same on every host.
    @Test(arguments: ["rpi4-qca7000-esp32", "rpi4-advantics-can"])
    func realBoardWithoutItsHardware(_ name: String) throws {
        let board = try BoardLoader.load(path: "\(Repo.boards)/\(name).yaml")
        let factory = SimulatedDeviceFactory(absent: Set(board.devices.map(\.name)))
        let result = BoardTool.probe(board: name, json: false, locator: Repo.locator, factory: { _ in factory })
        #expect(result.exitCode == 1)
        try expectGolden(Repo.normalize(result.output), "probe-\(name)-absent.txt")
    }

    @Test func badBoardFilePrintsItsProblems() {
        let result = BoardTool.probe(board: Repo.fixtures + "/bad-board.yaml", json: false, locator: Repo.locator, factory: { Charger.deviceFactory(for: $0) })
        #expect(result.exitCode == 2)
        #expect(result.output == "")
        #expect(Repo.normalize(result.errors) == """
            <repo>/Tests/BoardsTests/Fixtures/bad-board.yaml:3:15: vehicle_link: expected own-stack, whitebeet, advantics or advantics-pev, got "own_stack" (did you mean own-stack?)
            <repo>/Tests/BoardsTests/Fixtures/bad-board.yaml:10:11: devices.cp_uart.baud: expected an integer 50…4000000, got "fast"
            <repo>/Tests/BoardsTests/Fixtures/bad-board.yaml:11:5: devices.cp_uart.parity: unknown key (allowed: kind, role, description, optional, claimed_by, path, baud, framing, flow_control, firmware)
            <repo>/Tests/BoardsTests/Fixtures/bad-board.yaml: 3 problems; nothing probed

            """)
    }

    @Test func unknownBoardName() {
        let result = BoardTool.probe(board: "no-such-board", json: false, locator: Repo.locator, factory: { Charger.deviceFactory(for: $0) })
        #expect(result.exitCode == 2)
        #expect(Repo.normalize(result.errors) == """
            boardctl: no board named "no-such-board" (looked in <repo>/Boards); `boardctl boards` lists the known boards, $CHARGEKIT_BOARDS adds directories

            """)
    }
}

/// Probe verdicts for devices that are there but wrong, through a factory that bends the twins.
@Suite("Probe statuses")
struct ProbeStatusTests {
    /// Delegates to the simulated factory, then lets a test change a twin before probe reads it.
    final class BendingFactory: DeviceFactory {
        let twins = SimulatedDeviceFactory()
        var bendSPI: (SimulatedSPIDevice) -> Void = { _ in }
        var bendCAN: (SimulatedCANBus) -> Void = { _ in }
        var bendI2C: (SimulatedI2CDevice) -> Void = { _ in }
        var bendEthernet: (SimulatedEthernetLink) -> Void = { _ in }
        var replaceCAN: ((any CANBus) -> any CANBus)?

        func openSPI(_ spec: SPIDeviceSpec, for device: DeviceDefinition) throws(SPIError) -> any SPIDevice {
            let d = try twins.openSPI(spec, for: device)
            bendSPI(d as! SimulatedSPIDevice)
            return d
        }
        func openSerial(_ spec: SerialDeviceSpec, for device: DeviceDefinition) throws(SerialError) -> any SerialPort {
            try twins.openSerial(spec, for: device)
        }
        func openGPIO(_ spec: GPIODeviceSpec, for device: DeviceDefinition) throws(GPIOError) -> any GPIOLine {
            try twins.openGPIO(spec, for: device)
        }
        func openCAN(_ spec: CANDeviceSpec, for device: DeviceDefinition) throws(CANError) -> any CANBus {
            let d = try twins.openCAN(spec, for: device)
            bendCAN(d as! SimulatedCANBus)
            return replaceCAN?(d) ?? d
        }
        func openEthernet(_ spec: EthernetDeviceSpec, for device: DeviceDefinition) throws(EthernetError) -> any EthernetLink {
            let d = try twins.openEthernet(spec, for: device)
            bendEthernet(d as! SimulatedEthernetLink)
            return d
        }
        func openI2C(_ spec: I2CDeviceSpec, for device: DeviceDefinition) throws(I2CError) -> any I2CDevice {
            let d = try twins.openI2C(spec, for: device)
            bendI2C(d as! SimulatedI2CDevice)
            return d
        }
        func openPWM(_ spec: PWMDeviceSpec, for device: DeviceDefinition) throws(PWMError) -> any PWMChannel {
            try twins.openPWM(spec, for: device)
        }
        func gpioChipInfo(_ chip: String) throws(GPIOError) -> GPIOChipSummary { try twins.gpioChipInfo(chip) }
    }

    func probe(_ factory: BendingFactory) throws -> ProbeReport {
        BoardProbe.run(try BoardLoader.load(path: Repo.boards + "/sim.yaml"), factory: factory)
    }

    @Test func silentQCA7000IsAnError() throws {
        let factory = BendingFactory()
        factory.bendSPI = { $0.backend.respond = { _, rx in rx.initializeMemory(as: UInt8.self, repeating: 0) } }
        let report = try probe(factory)
        let plc = try #require(report.devices.first { $0.name == "plc_spi" })
        #expect(plc.status == .error)
        #expect(plc.identity["signature"] == "0x0000")
        #expect(plc.details == "mode 3, 8 bit, 12000000 Hz; signature 0x0000, expected 0xAA55: no QCA7000 answers (check power, wiring and SPI mode 3; the qca7000 overlay must not hold the chip)")
        #expect(report.exitCode == 1)
        #expect(report.verdict == "NOT ready: 1 of 11 devices missing or failing: plc_spi")
    }

    @Test func spiTransferFailureIsReported() throws {
        let factory = BendingFactory()
        factory.bendSPI = { $0.backend.failTransferAfter = 1 }
        let plc = try #require(try probe(factory).devices.first { $0.name == "plc_spi" })
        #expect(plc.status == .error)
        #expect(plc.errorKind == .io)
        #expect(plc.details == "cannot transfer on /dev/spidev0.0: Input/output error")
    }

    @Test func canStateAndBitrateAreChecked() throws {
        let factory = BendingFactory()
        factory.bendCAN = { $0.backend.bitrate = 250_000 }
        var can = try #require(try probe(factory).devices.first { $0.name == "power_can" })
        #expect(can.status == .error)
        #expect(can.details == "ERROR-ACTIVE, 250000 bit/s, sample point 87.5 %, error counters tx 0 rx 0; board says 500000 bit/s")

        factory.bendCAN = { $0.backend.goBusOff() }
        can = try #require(try probe(factory).devices.first { $0.name == "power_can" })
        #expect(can.status == .error)
        #expect(can.details.hasPrefix("BUS-OFF, 500000 bit/s"))
        #expect(can.details.hasSuffix("; bus-off: the controller stopped after too many errors (check termination and bitrate)"))
    }

    /// A CAN link that reports no state or bitrate at all, as vcan does on Linux.
    final class LinkWithoutCANData: CANBus {
        let inner: any CANBus
        init(_ inner: any CANBus) { self.inner = inner }
        var interface: String { inner.interface }
        var pollDescriptor: Int32? { nil }
        func send(_ frame: CANFrame) throws(CANError) -> Bool { try inner.send(frame) }
        func receive() throws(CANError) -> CANFrame? { try inner.receive() }
        func setFilters(_ filters: [CANFilter]) throws(CANError) { try inner.setFilters(filters) }
        func linkStatus() throws(CANError) -> CANLinkStatus { CANLinkStatus() }
        func restart() throws(CANError) {}
        func setBitrate(_ bitrate: UInt32) throws(CANError) {}
    }

    @Test func virtualCANHasNoBitrateOrState() throws {
        let factory = BendingFactory()
        factory.replaceCAN = { LinkWithoutCANData($0) }
        let can = try #require(try probe(factory).devices.first { $0.name == "power_can" })
        #expect(can.status == .ok)
        #expect(can.details == "vcan: no bitrate/state (board expects 500000 bit/s; not checkable here)")
        #expect(can.identity == ["virtual": "true"])
    }

    @Test func i2cWithoutAcknowledge() throws {
        let factory = BendingFactory()
        factory.bendI2C = { $0.backend.absent = true }
        let adc = try #require(try probe(factory).devices.first { $0.name == "gun_temp" })
        #expect(adc.status == .error)
        #expect(adc.errorKind == .io)
        #expect(adc.details == "cannot probe device 0x48 on /dev/i2c-1: No such device or address — nothing acknowledged at that address (i2cdetect lists what answers)")
    }

    @Test func downInterface() throws {
        let factory = BendingFactory()
        factory.bendEthernet = { $0.backend.up = false }
        let link = try #require(try probe(factory).devices.first { $0.name == "ev_link" })
        #expect(link.status == .error)
        #expect(link.details == "MAC 02:00:00:00:00:01, down, no carrier, MTU 1500, EtherType 0x88E1; the interface is down (ip link set sim-ev0 up)")
    }
}
