/// The control-pilot state as SLAC needs it (IEC 61851-1 letters). A transition into B, C or D
/// starts matching; leaving them ends it (slac.md §5.1).
@frozen
public enum PilotState: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    case a, b, c, d, e, f

    /// Vehicle connected and a matching may run (B, C, D).
    @inlinable public var allowsMatching: Bool { self == .b || self == .c || self == .d }

    public var description: String {
        switch self {
        case .a: "A"
        case .b: "B"
        case .c: "C"
        case .d: "D"
        case .e: "E"
        case .f: "F"
        }
    }
}
