import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import HAL
import Testing
import TestSupport

/// `boardctl probe` against real kernel devices, inside the HIL VM (../shared/tools/hil-vm): vcan0,
/// can0 (an emulated SJA1000 at 500 kbit/s), the gpio-sim chip `hil-gpio`, the i2c-stub at 0x48,
/// spidev on spi-butterfly (mode 0), a veth pair made here, and a pty standing in for the ESP32's
/// UART. The board file is written at test time because the VM decides some paths
/// ($HIL_SPI_DEV, $HIL_I2C_DEV). Runs only with HIL_VM=1; the launcher runs `--filter HILKernel`.
/// Serialized: both tests request the same GPIO lines, and a line has one holder at a time.
@Suite("HILKernel board probe", .serialized, HIL.onlyInVM, .required("hil-kernel"))
struct HILKernelBoardProbe {
    let env = ProcessInfo.processInfo.environment

    @discardableResult
    func sh(_ arguments: String...) throws -> String {
        try HIL.run(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A veth pair, both ends up.
    func veth(_ name: String) throws {
        try sh("ip", "link", "add", name, "type", "veth", "peer", "name", name + "p")
        try sh("ip", "link", "set", name, "up")
        try sh("ip", "link", "set", name + "p", "up")
    }

    static let spareLine = """
          spare:
            kind: gpio
            role: auxiliary
            chip: hil-gpio
            line: NO_SUCH_LINE
            direction: input
        """

    static func board(name: String, spi: String, i2c: String, tty: String, veth: String, canBitrate: Int, extraGPIO: String = "") -> String {
        """
        # Written by HILKernelBoardProbe: the HIL VM's devices as a board.
        board: \(name)
        description: HIL VM devices (vcan0, can0, hil-gpio, i2c-stub, spi-butterfly, veth, pty)
        vehicle_link: advantics
        simulated: false
        devices:
          advantics:
            kind: can
            role: advantics-can
            interface: can0
            bitrate: \(canBitrate)
            restart_ms: 100
            extended_ids: true
          vcan:
            kind: can
            role: auxiliary
            interface: vcan0
          relay_k1:
            kind: gpio
            role: contactor-dc-plus
            chip: hil-gpio
            line: RELAY_K1
            direction: output
            initial: 0
          relay_k2:
            kind: gpio
            role: contactor-dc-minus
            chip: hil-gpio
            line: RELAY_K2
            direction: output
          qca_int:
            kind: gpio
            role: plc-interrupt
            chip: hil-gpio
            line: QCA_INT
            direction: events
            edge: rising
          wb_ready:
            kind: gpio
            role: whitebeet-rx-ready
            chip: hil-gpio
            line: WB_READY
            direction: input
          adc:
            kind: i2c
            role: cp-adc
            bus: \(i2c)
            address: 0x48
          spi:
            kind: spi
            role: whitebeet-host
            path: \(spi)
            mode: 0
            bits: 8
            speed_hz: 1000000
          link:
            kind: ethernet
            role: auxiliary
            interface: \(veth)
            ethertype: 0x88E1
          cp_uart:
            kind: serial
            role: cp-helper
            path: \(tty)
            baud: 115200
            framing: 8N1
        \(extraGPIO)
        """
    }

    @Test func everyDeviceOfTheVMIsPresent() throws {
        let spi = try #require(env["HIL_SPI_DEV"], "start the VM with --spi")
        let i2c = try #require(env["HIL_I2C_DEV"])
        try veth("ckhil0")
        try sh("hil-gpio", "pull", "WB_READY", "up")
        let pty = try PseudoTerminal()
        let dir = try TemporaryDirectory()
        let file = try dir.write("hil-kernel.yaml", Self.board(name: "hil-kernel", spi: spi, i2c: i2c, tty: pty.devicePath,
                                                         veth: "ckhil0", canBitrate: 500_000))

        let result = BoardTool.probe(board: file, json: false, locator: Repo.locator, factory: { _ in LinuxDeviceFactory() })
        print(result.output, result.errors)
        #expect(result.exitCode == 0)
        #expect(result.output.hasSuffix("verdict: board ready: 10 of 10 devices present\n"))

        let report = BoardProbe.run(try BoardLoader.load(path: file), factory: LinuxDeviceFactory())
        for d in report.devices { #expect(d.status == .ok, "\(d.name): \(d.details)") }
        func identity(_ name: String) -> [String: String] { report.devices.first { $0.name == name }?.identity ?? [:] }
        #expect(identity("advantics")["bitrate"] == "500000")
        #expect(identity("advantics")["state"] == "ERROR-ACTIVE")
        #expect(identity("vcan")["virtual"] == "true")
        #expect(identity("relay_k1")["chip_label"] == "hil-gpio")
        #expect(identity("relay_k1")["offset"] == "1")
        #expect(identity("relay_k1")["value"] == "0")
        #expect(identity("wb_ready")["value"] == "1")
        #expect(identity("adc")["acknowledged"] == "true")
        #expect(identity("spi")["mode"] == "0")
        #expect(identity("spi")["speed_hz"] == "1000000")
        #expect(identity("link")["up"] == "true")
        #expect(identity("cp_uart")["baud"] == "115200")
        // The relay line was requested at its initial level, and released again after the probe.
        #expect(try sh("hil-gpio", "value", "RELAY_K1") == "0")
    }

    @Test func wrongBitrateAndMissingLineAreReported() throws {
        let spi = try #require(env["HIL_SPI_DEV"], "start the VM with --spi")
        let i2c = try #require(env["HIL_I2C_DEV"])
        try veth("ckhil2")
        let pty = try PseudoTerminal()
        let dir = try TemporaryDirectory()
        let extra = Self.spareLine
        let file = try dir.write("hil-wrong.yaml", Self.board(name: "hil-wrong", spi: spi, i2c: i2c, tty: pty.devicePath,
                                                        veth: "ckhil2", canBitrate: 250_000, extraGPIO: extra))
        let result = BoardTool.probe(board: file, json: false, locator: Repo.locator, factory: { _ in LinuxDeviceFactory() })
        print(result.output, result.errors)
        #expect(result.exitCode == 1)
        let report = BoardProbe.run(try BoardLoader.load(path: file), factory: LinuxDeviceFactory())
        let can = try #require(report.devices.first { $0.name == "advantics" })
        #expect(can.status == .error)
        #expect(can.details.hasSuffix("; board says 250000 bit/s"))
        let spare = try #require(report.devices.first { $0.name == "spare" })
        #expect(spare.status == .absent)
        #expect(spare.details.hasPrefix("cannot request GPIO line hil-gpio:NO_SUCH_LINE: No such file or directory"))
        #expect(report.verdict == "NOT ready: 2 of 11 devices missing or failing: advantics, spare")
    }
}

/// The HIL board files are generated; check on any host that what the VM tests write is valid.
@Suite("HIL fixture generation")
struct HILFixtureTests {
    @Test func generatedBoardsValidate() throws {
        let good = HILKernelBoardProbe.board(name: "hil-kernel", spi: "/dev/spidev42.1", i2c: "/dev/i2c-0", tty: "/dev/pts/3",
                                             veth: "ckhil0", canBitrate: 500_000)
        #expect(try BoardLoader.load(text: good, file: "hil-kernel.yaml").devices.count == 10)
        let wrong = HILKernelBoardProbe.board(name: "hil-wrong", spi: "/dev/spidev42.1", i2c: "/dev/i2c-0", tty: "/dev/pts/3",
                                              veth: "ckhil2", canBitrate: 250_000, extraGPIO: HILKernelBoardProbe.spareLine)
        let board = try BoardLoader.load(text: wrong, file: "hil-wrong.yaml")
        #expect(board.devices.map(\.name).last == "spare")
    }
}
