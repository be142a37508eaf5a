import Boards
import Contracts
import ControlLoop
import ControlPilot
import CPHelperProtocol
import Drivers
import Glibc
import HAL
import PowerDrivers
import V2GSession

/// Why V2G cannot be composed on a real `own-stack` board. Each message names the board file line.
public enum OwnStackV2GError: Error, CustomStringConvertible {
    /// No driver for the board's DC supply and contactor: V2G is refused rather than charging blindly.
    case noPowerDriver(String)
    /// The PLC interface V2G runs on (the netdev, or the TAP of a user-space QCA7000) is missing or unusable.
    case interface(String)

    public var description: String {
        switch self {
        case .noPowerDriver(let s): s
        case .interface(let s): s
        }
    }
}

/// V2G and the DC power path on a real `own-stack` board (issue 14 item 7): the SECC
/// (`SECCAssembly`) over the kernel's IPv6/TCP on the PLC interface — the `qcaspi` netdev, or the TAP
/// a `PLCFrameSplitter` feeds on a user-space QCA7000 — and `PowerPathController` over the ESP32
/// helper's DC supply, contactor and meter (firmware R3/R4, esp32-cp-uart.md §11), with the IMD the
/// board file chooses (`isolation_monitor:`). The helper's safe stop (`ESP32PowerChannel`) is
/// registered after the power path so its `dc.estop`/`contactor.set off` reach the port on SIGTERM.
public final class OwnStackV2G {
    public let secc: SECCAssembly
    public let channel: ESP32PowerChannel
    public let supply: ESP32DCSupply
    public let contactors: ESP32Contactors
    public let meter: ESP32OutputMeter
    public let isolation: IsolationMonitorChoice
    public let isolationMonitor: any IsolationMonitor & IOSource
    public let interface: LinuxIPInterface
    /// What the log should say about this composition (the IMD choice, the interface).
    public let notes: [String]
    /// Aborts the V2G connection when the interface vanishes.
    public let interfaceWatch: PLCInterfaceWatch

    /// Before the SECC's sockets: the helper's DC channel and the IMD; after them the interface watch.
    public var sources: [any IOSource] { [channel, isolationMonitor] + secc.sources + [interfaceWatch] }
    /// connection → SDP → SECC → power path → the helper's DC safe stop.
    public var controllers: [any TickController] { secc.controllers + [channel] }

    /// The cp-helper that drives the board's DC power, or why there is none (nothing is opened).
    public static func powerHelper(of board: BoardDefinition) throws(OwnStackV2GError) -> (DeviceDefinition, HelperFirmwareRevision) {
        let hint = "V2G is refused on a board without a power driver (start with --no-v2g for pilot and SLAC only)"
        guard let helper = board.device(role: .cpHelper) else {
            let at = board.vehicleLinkLocation.map { ":\($0.line):\($0.column)" } ?? ""
            throw .noPowerDriver("\(board.file)\(at): vehicle_link: own-stack without a cp-helper: no driver for this board's DC supply "
                                 + "(only an ESP32 helper with firmware r3 or r4 drives one); \(hint)")
        }
        guard case .serial(let spec) = helper.spec, let revision = spec.helperFirmware, revision.drivesDCPower else {
            var firmware = "unset"
            if case .serial(let spec) = helper.spec, let r = spec.helperFirmware { firmware = r.rawValue }
            throw .noPowerDriver("\(board.file):\(helper.location.line):\(helper.location.column): devices.\(helper.name).firmware: "
                                 + "\(firmware) drives no DC supply or contactor (firmware r3 or r4 does, esp32-cp-uart.md §11); \(hint)")
        }
        return (helper, revision)
    }

    /// The name of the interface V2G runs on: the plc-modem netdev, or the `tap:` of an SPI modem.
    public static func interfaceName(of board: BoardDefinition) throws(OwnStackV2GError) -> String {
        guard let modem = board.device(role: .plcModem) else { throw .interface("\(board.file): no plc-modem device") }
        switch modem.spec {
        case .ethernet(let e): return e.interface
        case .spi(let s):
            guard let tap = s.tap else {
                throw .interface("\(board.file):\(modem.location.line):\(modem.location.column): devices.\(modem.name): a user-space "
                                 + "QCA7000 carries V2G only through a TAP; add `tap: NAME` (e.g. tap: plc0) to this device")
            }
            return tap
        default:
            throw .interface("\(board.file):\(modem.location.line): devices.\(modem.name): a plc-modem is an ethernet or spi device")
        }
    }

    /// - Parameters:
    ///   - helperLink: the pilot's helper link (its DC lines go to the power channel).
    ///   - helperPump: the cp-helper's serial pump (the channel queues its requests there).
    ///   - helperPort: the cp-helper's port, for the safe stop's direct write.
    ///   - tap: the TAP this process made for a user-space QCA7000 (nil: the kernel's `qcaspi` netdev), made
    ///     again if it is deleted under the charger.
    ///   - addressWait: how long to wait for the interface's link-local address (a TAP made at start
    ///     has it only after duplicate address detection, about a second).
    init(board: BoardDefinition, revision: HelperFirmwareRevision, helperLink: ESP32HelperLink, helperPump: SerialPump,
         helperPort: (any SerialPort)?, facts: ChargerFacts, authorizer: any Authorizer, configuration: SECCConfiguration,
         tap: LinuxTapLink? = nil, addressWait: Nanoseconds = .seconds(5)) throws(OwnStackV2GError) {
        let name = try Self.interfaceName(of: board)
        channel = ESP32PowerChannel(transmit: helperPump.transmit, configuration: ESP32PowerConfiguration(revision: revision))
        channel.safeStopPort = helperPort
        helperLink.powerSink = channel
        supply = ESP32DCSupply(channel: channel)
        contactors = ESP32Contactors(channel: channel)
        meter = ESP32OutputMeter(channel: channel)
        isolation = board.isolationMonitor ?? .none
        var notes: [String] = []
        let at = board.isolationMonitorLocation.map { "\(board.file):\($0.line)" } ?? board.file
        switch isolation {
        case .none:
            isolationMonitor = AbsentIsolationMonitor()
            notes.append("\(at): isolation_monitor: \(board.isolationMonitor == nil ? "not set, so none" : "none"): "
                         + "the cable check's IMD self-test fails and no session reaches power")
        case .benchUnmeasured:
            isolationMonitor = UnmeasuredBenchIsolationMonitor()
            notes.append("\(at): isolation_monitor: bench-unmeasured: isolation is NOT measured, the cable check passes on a "
                         + "fixed reading (a bench without high voltage only)")
        }
        // The interface and its link-local address (startup only: polled, bounded).
        var lastError: SocketError?
        var made: (LinuxIPInterface, SECCAssembly)?
        let attempts = max(1, Int(addressWait.count / 100_000_000))
        for attempt in 0..<attempts {
            do throws(SocketError) {
                let i = try LinuxIPInterface(name: name)
                let s = try SECCAssembly(interface: i, facts: facts, authorizer: authorizer, configuration: configuration,
                                         supply: supply, contactors: contactors, isolationMonitor: isolationMonitor, meter: meter)
                made = (i, s)
                break
            } catch {
                lastError = error
                if attempt + 1 < attempts { usleep(100_000) }
            }
        }
        guard let made else {
            throw .interface("V2G on \(name): \(lastError.map { "\($0)" } ?? "no link-local address")")
        }
        interface = made.0
        secc = made.1
        let secc = made.1
        interfaceWatch = PLCInterfaceWatch(interface: made.0, tcp: made.1.tcp,
                                           restore: tap.map { t in { (try? t.reopen()) != nil } },
                                           rebind: { (i: LinuxIPInterface) throws(SocketError) in try secc.rebind(to: i) })
        notes.append("V2G: SDP and the SECC on \(name) (kernel IPv6/TCP), the DC power path over the ESP32 helper (firmware \(revision.rawValue))")
        self.notes = notes
    }
}
