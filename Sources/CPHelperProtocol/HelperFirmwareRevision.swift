/// Which firmware the ESP32 CP helper runs (esp32-cp-uart.md: the reference revision §§2–9 and the
/// later ones of §11). A board file names it (`firmware:` of the cp-helper); the host uses it to know
/// which calls exist.
public enum HelperFirmwareRevision: String, Sendable, Equatable, CaseIterable, BitwiseCopyable, CustomStringConvertible {
    /// The reference revision, `esp-cp-periph/0.2.0` (§§2–9): CP only, simulated peripheral RPCs.
    case r1
    /// `esp-cp-periph/0.5.0`: new classifier, otherwise the R1 protocol.
    case r2
    /// R2 plus DC power modules over MCP2515 (`dc.*`, `dc.discover`) and a real contactor GPIO; JSON-RPC
    /// ids echoed as sent; `contactor.set` and `dc.enable` need `sys.arm` first.
    case r3
    /// "CP + DC (Maxwell via MCP2515)": status frames carry a `dc` object instead of `pwm`/`thresh`,
    /// no `ping`, unknown commands ignored, the DC state machine with `dc.cfg`, `dc.estop(.clear)`,
    /// `evt:contactor.change`; arming no longer required; modules listed by `dc.status`.
    case r4

    /// Drives DC power modules and the contactor (`dc.*`, `contactor.set` with real hardware).
    public var drivesDCPower: Bool { self == .r3 || self == .r4 }
    /// `contactor.set`/`dc.enable` refused without an unexpired `sys.arm` window (R3, §8 error 1001).
    public var needsArming: Bool { self == .r3 }
    /// The request that lists the modules: `dc.discover` (R3) or `dc.status` (R4).
    public var moduleDiscovery: HelperPowerRequest? {
        switch self {
        case .r1, .r2: nil
        case .r3: .dcDiscover
        case .r4: .dcStatus
        }
    }

    public var description: String { rawValue.uppercased() }
}
