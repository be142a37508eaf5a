/// Why bytes are not a WHITE-beet HCI frame or message we understand, why a value cannot be
/// encoded, or what the module reported instead of success. Decoding never traps: every malformed
/// input ends here (the fuzz target holds the decoders to it).
public enum HCIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first byte is not the start of frame 0xC0 (whitebeet-hci.md §3.1).
    case missingStartOfFrame(found: UInt8)
    /// Fewer bytes than the frame (or wrapper) needs.
    case truncated(length: Int, needed: Int)
    /// The length field announces more payload than this decoder accepts.
    case payloadTooLong(announced: Int, limit: Int)
    /// The byte after the checksum is not the end of frame 0xC1 (the module's framing status 0xF3).
    case missingEndOfFrame(found: UInt8)
    /// The checksum (§3.2) does not match; a received 0x00 is never checked.
    case badChecksum(expected: UInt8, found: UInt8)
    /// A module ID this codec does not know (§4).
    case unknownModule(UInt8)
    /// A sub ID the module does not define in this direction (§4).
    case unknownMessage(module: UInt8, sub: UInt8)
    /// A message whose layout the spec marks unclear (e.g. 0x73, 0x74, 0x8F, PnC payment details):
    /// recognised, but not decoded or encoded until hardware confirms it.
    case unsupportedLayout(module: UInt8, sub: UInt8)
    /// The payload ends before the fields the message needs.
    case truncatedPayload(module: UInt8, sub: UInt8, length: Int, needed: Int)
    /// The payload carries bytes after the last field.
    case trailingBytes(module: UInt8, sub: UInt8, length: Int, used: Int)
    /// A field holds a value its type does not define (a bool of 2, CP state 9).
    case badValue(module: UInt8, sub: UInt8, field: String, value: Int)
    /// A list or text longer than its fixed capacity (or the wire's count field).
    case tooManyItems(module: UInt8, sub: UInt8, field: String, count: Int, limit: Int)
    /// A physical value (§3.7) that cannot be written as a 16-bit mantissa and 8-bit exponent.
    case valueOutOfRange(Double)
    /// The output storage cannot hold what is being encoded.
    case bufferTooSmall(needed: Int, capacity: Int)
    /// The module answered with a non-zero result code (§3.5).
    case moduleReported(module: UInt8, sub: UInt8, requestID: UInt8, result: HCIResultCode)
    /// The module reported a framing error (module 0xFF, §3.4), e.g. 0xF3 missing end of frame.
    case framingError(status: UInt8, requestID: UInt8)
    /// Not EtherType 0x6003 (§1.2).
    case wrongEtherType(UInt16)
    /// An SPI transfer did not start with `AA AA` / `55 55 00 00`: the link is out of step (§2.2).
    case spiOutOfSync(header: UInt32)

    public var description: String {
        switch self {
        case let .missingStartOfFrame(b): "frame starts with 0x\(hex(b)), not 0xc0"
        case let .truncated(l, n): "\(l) bytes, the frame needs \(n)"
        case let .payloadTooLong(a, l): "payload of \(a) bytes announced, limit \(l)"
        case let .missingEndOfFrame(b): "frame ends with 0x\(hex(b)), not 0xc1"
        case let .badChecksum(e, f): "checksum 0x\(hex(f)), expected 0x\(hex(e))"
        case let .unknownModule(m): "unknown module 0x\(hex(m))"
        case let .unknownMessage(m, s): "module 0x\(hex(m)) has no message 0x\(hex(s))"
        case let .unsupportedLayout(m, s): "0x\(hex(m))/0x\(hex(s)): layout unclear in the spec, not decoded"
        case let .truncatedPayload(m, s, l, n): "0x\(hex(m))/0x\(hex(s)): payload of \(l) bytes, needs \(n)"
        case let .trailingBytes(m, s, l, u): "0x\(hex(m))/0x\(hex(s)): \(l - u) bytes after the last field"
        case let .badValue(m, s, f, v): "0x\(hex(m))/0x\(hex(s)): \(f) \(v) is not defined"
        case let .tooManyItems(m, s, f, c, l): "0x\(hex(m))/0x\(hex(s)): \(f) has \(c) items, limit \(l)"
        case let .valueOutOfRange(v): "\(v) does not fit a 16-bit mantissa with an 8-bit exponent"
        case let .bufferTooSmall(n, c): "needs \(n) bytes, storage holds \(c)"
        case let .moduleReported(m, s, r, c): "module answered 0x\(hex(m))/0x\(hex(s)) (request \(r)) with \(c)"
        case let .framingError(s, r): "module framing error 0x\(hex(s)) (request \(r))"
        case let .wrongEtherType(t): "EtherType 0x\(String(t, radix: 16)) is not WHITE-beet HCI (0x6003)"
        case let .spiOutOfSync(h): "SPI transfer header 0x\(String(h, radix: 16)): out of step"
        }
    }
}

@usableFromInline
func hex(_ b: UInt8) -> String {
    let s = String(b, radix: 16)
    return s.count == 1 ? "0" + s : s
}
