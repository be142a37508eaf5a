import Boards
import ChargerAssembly
import ControlPilot
import CPHelperProtocol
import ESP32CPEmulator
import HAL
import SimBoard
import Testing

/// `boardctl probe` for a CP helper whose board file names firmware R3/R4 (esp32-cp-uart.md §11): it
/// lists the DC modules the helper discovers (`dc.discover` on R3, `dc.status` on R4), read-only.
@Suite(.serialized) struct HelperModuleProbe {
    @Test(arguments: [HelperFirmwareRevision.r3, .r4])
    func probeListsTheModules(_ revision: HelperFirmwareRevision) throws {
        let port = try EmulatedHelperPort(path: "/dev/serial0", revision: ESP32CPEmulator.Revision(rawValue: revision.rawValue)!)
        let result = ESP32HelperProbe.run(port: port, timeout: .seconds(2), revision: revision)
        print("probe \(revision): \(result.summary)")
        #expect(result.answered)
        #expect(result.modules?.count == 1 && result.modules?[0].address == 1)
        #expect(result.summary.contains("1 DC module: #1 status 1"))
        #expect(result.firmware?.capabilities.contains(.dc) == true)
    }

    /// The fault hooks are scriptable (`cp-helper-emulator --revision r4 --script …`).
    @Test func scriptVerbsForTheDCStage() throws {
        let script = try EmulatorScript(parsing: "100 C\n200 battery on\n300 contactor welded\n400 module-fault\n500 estop\n")
        #expect(script.actions.count == 5)
        let emulator = ESP32CPEmulator(port: SimulatedSerialPort(path: "/dev/null"), revision: .r4)
        for step in script.actions { emulator.apply(step.action, .zero) }
        #expect(emulator.dcStage.batteryConnected && emulator.dcStage.contactorFault == .welded)
        #expect(emulator.dcStage.moduleFault && emulator.dcStage.emergencyStopLatched)
        #expect(throws: EmulatorScript.ParseError.self) { try EmulatorScript(parsing: "100 contactor melted") }
    }

    /// R1 (and a board file without `firmware:`): no DC call is sent, no module line printed.
    @Test func referenceRevisionHasNoModules() throws {
        let port = try EmulatedHelperPort(path: "/dev/serial0")
        let result = ESP32HelperProbe.run(port: port, timeout: .seconds(2), revision: .r1)
        #expect(result.answered && result.modules == nil && !result.summary.contains("DC module"))
    }

    /// Through the board file and the probe role check: `firmware: r4` on a simulated board's helper.
    @Test func boardFileFirmwareReachesTheProbe() throws {
        let yaml = """
            board: esp32-r4-bench
            description: simulated helper with DC modules
            vehicle_link: own-stack
            simulated: true
            devices:
              cp_uart:
                kind: serial
                role: cp-helper
                path: /dev/serial0
                baud: 115200
                firmware: r4
              plc:
                kind: ethernet
                role: plc-modem
                interface: eth1
                ethertype: 0x88E1
            """
        let board = try BoardLoader.load(text: yaml, file: "Boards/esp32-r4-bench.yaml")
        let report = BoardProbe.run(board, factory: SimulatedDeviceFactory(), roleProbes: RoleProbes.all)
        let helper = try #require(report.devices.first { $0.name == "cp_uart" })
        print(helper.details)
        #expect(helper.identity["helper_dc_modules"] == "1")
        #expect(helper.details.contains("1 DC module"))
    }
}
