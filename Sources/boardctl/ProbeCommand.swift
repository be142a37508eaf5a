import ArgumentParser
import Boards
import ChargerAssembly
import Contracts
import SimBoard
import ControlPilot

/// `boardctl probe`: opens every device of a board and reports what answers.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open every device a board names and report ok/absent/error with what it reads back.",
        discussion: """
            SPI: mode/bits/speed read back, and the QCA7000 signature register for a plc-modem. Serial: \
            tty settings. GPIO: chip label and line value (outputs are driven to their `initial` level). \
            CAN: state and bitrate. Ethernet: MAC, up/carrier, MTU. I2C: acknowledge at the address. \
            PWM: channel exported. A cp-helper must also answer: ping, a status frame and sys.info (its \
            firmware and mode), within 1 s. A whitebeet-host must answer its firmware version (Ethernet or \
            SPI) within 1 s.
            """
    )

    @Option(name: .long, help: "Board name (Boards/NAME.yaml) or path to a board file.")
    var board: String

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let devices = ProbedDevices()
        try emit(BoardTool.probe(board: board, json: json, locator: .forCurrentProcess(),
                                 factory: { devices.wrap($0, Charger.deviceFactory(for: $0)) }, roleProbes: RoleProbes.all(devices: devices)))
    }
}

/// Prints a tool result and exits with its code.
func emit(_ result: ToolResult) throws {
    if !result.output.isEmpty { print(result.output, terminator: "") }
    if !result.errors.isEmpty { printToStandardError(result.errors) }
    if result.exitCode != 0 { throw ExitCode(result.exitCode) }
}
