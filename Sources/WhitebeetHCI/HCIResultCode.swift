/// The first payload byte of every response (whitebeet-hci.md §3.5). The full table is in the vendor
/// manual; the named codes are the ones the spec has evidence for, any other value is kept as is.
public struct HCIResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = HCIResultCode(rawValue: 0x00)
    /// Try again later: the host re-sends with a new request ID (§3.6, bounded here, unlike FreeV2G).
    public static let busy = HCIResultCode(rawValue: 0x01)
    public static let malformed = HCIResultCode(rawValue: 0x04)
    public static let rejectedInState = HCIResultCode(rawValue: 0x05)
    /// SLAC module: not in a state for this command (e.g. start matching before SLAC start).
    public static let wrongState = HCIResultCode(rawValue: 0x10)
    /// V2G module: not in a state to receive this command.
    public static let wrongPhase = HCIResultCode(rawValue: 0x11)
    public static let internalError = HCIResultCode(rawValue: 0xFF)

    public var description: String {
        switch self {
        case .success: "success"
        case .busy: "busy"
        case .malformed: "malformed data"
        case .rejectedInState: "rejected in this state"
        case .wrongState: "wrong state"
        case .wrongPhase: "wrong V2G phase"
        case .internalError: "internal error"
        default: "result 0x\(hex(rawValue))"
        }
    }
}
