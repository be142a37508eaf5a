/// Why a frame is not a HomePlug AV management message we understand, or cannot be encoded.
/// Parsing never traps: every malformed input ends here (the fuzz target holds the parser to it).
public enum HomePlugError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame ends before the fields its type needs (`needed` bytes, unpadded).
    case shortFrame(length: Int, needed: Int)
    /// Not EtherType 0x88E1 (slac.md §1.1).
    case wrongEtherType(UInt16)
    /// The management message version does not fit the message type: standard messages carry
    /// MMV 0x01 (or 0x02), Qualcomm vendor messages 0x00 (slac.md §1.2).
    case wrongMMV(MMType, mmv: UInt8)
    /// An MMTYPE this codec does not know.
    case unknownMMType(MMType)
    /// A vendor-specific message from another vendor (OUI ≠ 00 B0 52).
    case wrongOUI(MMType, oui: UInt32)
    /// A fragmented message (FMI ≠ 0); SLAC never fragments (slac.md §1.2).
    case fragmented(MMType, fmi: UInt16)
    /// A length or count field contradicts the frame or its limits (NumGroups 0 or > 58, a version
    /// string longer than the frame).
    case badLength(MMType, field: String, value: Int)
    /// A field holds a value its type does not define (CM_VALIDATE.CNF Result 7).
    case badValue(MMType, field: String, value: Int)
    /// The output buffer cannot hold the encoded frame.
    case bufferTooSmall(needed: Int, capacity: Int)

    public var description: String {
        switch self {
        case let .shortFrame(l, n): "frame of \(l) bytes is shorter than the \(n) its message needs"
        case let .wrongEtherType(t): "EtherType 0x\(String(t, radix: 16)) is not HomePlug AV (0x88e1)"
        case let .wrongMMV(t, v): "\(t) with MMV \(v)"
        case let .unknownMMType(t): "unknown \(t)"
        case let .wrongOUI(t, o): "\(t) with OUI 0x\(String(o, radix: 16)), not Qualcomm 0x00b052"
        case let .fragmented(t, f): "\(t) is fragmented (FMI 0x\(String(f, radix: 16)))"
        case let .badLength(t, f, v): "\(t): \(f) \(v) is out of range"
        case let .badValue(t, f, v): "\(t): \(f) \(v) is not a defined value"
        case let .bufferTooSmall(n, c): "encoded frame needs \(n) bytes, buffer holds \(c)"
        }
    }
}
