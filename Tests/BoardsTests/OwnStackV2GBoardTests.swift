import Boards
import ChargerAssembly
import SimBoard
import Testing

/// The board-file side of V2G on real `own-stack` boards (issue 14 item 7): the `tap:` of a
/// user-space QCA7000 and `isolation_monitor:` are checked with line-precise errors, and a board
/// without a power driver is refused V2G with an error naming its line — never composed to charge blindly.
@Suite("own-stack V2G: board keys and the refusal without a power driver")
struct OwnStackV2GBoardTests {
    static let spidevHeader = """
        board: t
        description: test board
        vehicle_link: own-stack
        simulated: false
        devices:
          plc_spi:
            kind: spi
            role: plc-modem
            path: /dev/spidev0.0
            mode: 3
            speed_hz: 12_000_000

        """

    func issues(_ yaml: String) -> [String] {
        do {
            _ = try BoardLoader.load(text: yaml, file: "Boards/t.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func tapAndIsolationMonitorAreRead() throws {
        let yaml = Self.spidevHeader.replacingOccurrences(of: "speed_hz: 12_000_000\n", with: "speed_hz: 12_000_000\n    tap: plc0\n")
            + "  cp_uart:\n    kind: serial\n    role: cp-helper\n    path: /dev/serial0\n    baud: 115200\n    firmware: r4\n"
            + "isolation_monitor: bench-unmeasured\n"
        let board = try BoardLoader.load(text: yaml, file: "Boards/t.yaml")
        guard case .spi(let spec)? = board.device(role: .plcModem)?.spec else { Issue.record("no spi modem"); return }
        #expect(spec.tap == "plc0")
        #expect(board.isolationMonitor == .benchUnmeasured)
        #expect(board.isolationMonitorLocation?.line == 19)
        #expect(try OwnStackV2G.interfaceName(of: board) == "plc0")
    }

    @Test func badTapAndIsolationMonitorAreLinePrecise() {
        let yaml = Self.spidevHeader.replacingOccurrences(of: "speed_hz: 12_000_000\n", with: "speed_hz: 12_000_000\n    tap: \"no spaces\"\n")
            + "  aux:\n    kind: spi\n    role: auxiliary\n    path: /dev/spidev0.1\n    mode: 0\n    speed_hz: 1000000\n    tap: plc1\n"
            + "isolation_monitor: trust-me\n"
        // The board has no control pilot either (line 3), which is reported first.
        let found = Array(issues(yaml).dropFirst())
        #expect(found.count == 3, "\(found)")
        #expect(found.first == #"Boards/t.yaml:12:10: devices.plc_spi.tap: expected a network interface name (at most 15 letters, digits, '-', '_', '.'), got "no spaces""#)
        #expect(found.dropFirst().first == "Boards/t.yaml:19:10: devices.aux.tap: applies only to role plc-modem (the TAP the QCA7000's IP frames go to), not auxiliary")
        #expect(found.last?.hasPrefix("Boards/t.yaml:20:20: isolation_monitor: expected none or bench-unmeasured") == true, "\(found)")
    }

    /// The shipped ESP32 board's helper runs R1 (CP only): V2G is refused, naming the helper's line.
    @Test func aHelperWithoutDCFirmwareRefusesV2GNamingItsLine() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/rpi4-qca7000-esp32.yaml")
        let line = try #require(board.device(named: "cp_uart")).location.line
        do {
            _ = try Charger.open(board, factory: SimulatedDeviceFactory())
            Issue.record("V2G was composed on a board without a power driver")
        } catch {
            print("refused: \(error)")
            #expect("\(error)".contains("rpi4-qca7000-esp32.yaml:\(line):"))
            #expect("\(error)".contains("devices.cp_uart.firmware: r1 drives no DC supply"))
        }
        var options = Charger.Options()
        options.v2g = false
        let slacOnly = try Charger.open(board, factory: SimulatedDeviceFactory(), options: options)
        #expect(slacOnly.secc == nil && slacOnly.slac != nil)
    }

    /// The direct-CP board has no helper at all: refused at its vehicle_link line.
    @Test func aBoardWithoutAHelperRefusesV2GAtItsVehicleLink() throws {
        let board = try BoardLoader.load(path: Repo.boards + "/rpi4-qca7000-directcp.yaml")
        let line = try #require(board.vehicleLinkLocation).line
        #expect(throws: ChargerAssemblyError.self) { _ = try Charger.open(board, factory: SimulatedDeviceFactory()) }
        do {
            _ = try Charger.open(board, factory: SimulatedDeviceFactory())
        } catch {
            #expect("\(error)".contains("rpi4-qca7000-directcp.yaml:\(line):"))
            #expect("\(error)".contains("no driver for this board's DC supply"))
        }
    }
}
