import ControlLoop
import CoreTypes
import EXI

/// The session's clock and identity: the V2G timers one side is running (v2g-session.md §1), each a
/// `Deadline` named after its requirement, and the 8-octet SessionID as a number. Shared by the SECC
/// and the EVCC; fixed size, never allocates.
public struct V2GSessionClock: Sendable {
    /// Which timer expired, so the caller can name it in its facts and logs.
    public enum Timer: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
        case communicationSetup, sequence, ongoing, cableCheck, preCharge, faultAnswer

        public var description: String {
            switch self {
            case .communicationSetup: "CommunicationSetup (18 s)"
            case .sequence: "Sequence timeout (60 s)"
            case .ongoing: "Ongoing loop"
            case .cableCheck: "CableCheck loop"
            case .preCharge: "PreCharge loop"
            case .faultAnswer: "fault answer window"
            }
        }
    }

    public var communicationSetup = Deadline()
    public var sequence = Deadline()
    public var ongoing = Deadline()
    public var cableCheck = Deadline()
    public var preCharge = Deadline()
    public var faultAnswer = Deadline()

    public init() {}

    /// The first armed timer that has expired at `now`, in the order above.
    public func expired(_ now: MonotonicInstant) -> Timer? {
        if communicationSetup.hasExpired(now) { return .communicationSetup }
        if sequence.hasExpired(now) { return .sequence }
        if ongoing.hasExpired(now) { return .ongoing }
        if cableCheck.hasExpired(now) { return .cableCheck }
        if preCharge.hasExpired(now) { return .preCharge }
        if faultAnswer.hasExpired(now) { return .faultAnswer }
        return nil
    }

    /// Every timer off (the session ended or a new connection starts).
    public mutating func cancelAll() {
        communicationSetup.cancel()
        sequence.cancel()
        ongoing.cancel()
        cableCheck.cancel()
        preCharge.cancel()
        faultAnswer.cancel()
    }

    // MARK: - SessionID (DIN 70121 / ISO 15118-2 MessageHeader, hexBinary up to 8 octets)

    /// The SessionID as a big-endian number; shorter ids (pyPLC Issue18: a Supercharger uses 4 octets)
    /// are right-aligned. 0 is "no session" (SessionSetupReq carries 0x00).
    public static func sessionID<let n: Int>(_ bytes: EXIBytes<n>) -> UInt64 {
        var v: UInt64 = 0
        var i = 0
        while i < Int(bytes.count) {
            v = v << 8 | UInt64(bytes[i])
            i += 1
        }
        return v
    }

    /// The SessionID octets of `value`: 8 octets, or the single octet 0x00 for "no session".
    public static func sessionIDBytes(_ value: UInt64) -> EXIBytes<8> {
        var b = EXIBytes<8>()
        if value == 0 {
            b.count = 1
            return b
        }
        var i = 0
        while i < 8 {
            b[i] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(i)))
            i += 1
        }
        b.count = 8
        return b
    }
}
