/// Why bytes are not a usable V2GTP message (sdp-v2gtp.md §2, §3, §6). On TCP every one of these
/// ends the connection (§6.3: no negative acknowledgement exists); on UDP the datagram is dropped.
@frozen
public enum V2GTPError: Error, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// Fewer bytes than the 8-byte header, or than header + payload length for a whole datagram.
    case truncated(have: Int, need: Int)
    /// More bytes than the header announces (a datagram must be exactly one message).
    case trailingBytes(Int)
    /// Protocol version / inverse version other than 0x01 / 0xFE.
    case badVersion(UInt8, inverse: UInt8)
    /// A payload type this side does not accept here (reserved, or not of the negotiated protocol).
    case unexpectedPayloadType(UInt16)
    /// The announced payload is larger than this side's buffer: refused before anything is buffered.
    case payloadTooLarge(announced: UInt32, limit: Int)
    /// An SDP payload of the wrong length (request 2, response 20).
    case badSDPLength(UInt32)
    /// An SDP field with a value the standard does not define.
    case badSDPField(SDPField, value: UInt8)
    /// The output span cannot hold the message.
    case outputTooSmall(need: Int, have: Int)

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case let (.truncated(x1, y1), .truncated(x2, y2)): x1 == x2 && y1 == y2
        case let (.trailingBytes(x), .trailingBytes(y)): x == y
        case let (.badVersion(x1, y1), .badVersion(x2, y2)): x1 == x2 && y1 == y2
        case let (.unexpectedPayloadType(x), .unexpectedPayloadType(y)): x == y
        case let (.payloadTooLarge(x1, y1), .payloadTooLarge(x2, y2)): x1 == x2 && y1 == y2
        case let (.badSDPLength(x), .badSDPLength(y)): x == y
        case let (.badSDPField(n1, v1), .badSDPField(n2, v2)): n1 == n2 && v1 == v2
        case let (.outputTooSmall(x1, y1), .outputTooSmall(x2, y2)): x1 == x2 && y1 == y2
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .truncated(have, need): "V2GTP: \(have) bytes, need \(need)"
        case .trailingBytes(let n): "V2GTP: \(n) bytes after the announced payload"
        case let .badVersion(v, i): "V2GTP: version 0x\(hex(v))/0x\(hex(i)), expected 0x01/0xFE"
        case .unexpectedPayloadType(let t): "V2GTP: payload type 0x\(String(t, radix: 16, uppercase: true)) not accepted here"
        case let .payloadTooLarge(a, limit): "V2GTP: payload of \(a) bytes announced, at most \(limit) accepted"
        case .badSDPLength(let n): "SDP: payload length \(n) (request 2, response 20)"
        case let .badSDPField(field, value): "SDP: \(field) 0x\(hex(value)) is not defined"
        case let .outputTooSmall(need, have): "V2GTP: \(need) bytes needed, \(have) available"
        }
    }
}

func hex(_ b: UInt8) -> String {
    let s = String(b, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
}

/// The SDP fields that carry a code (sdp-v2gtp.md §4.2, §4.3).
@frozen
public enum SDPField: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    case security
    case transportProtocol

    public var description: String { self == .security ? "security" : "transport protocol" }
}
