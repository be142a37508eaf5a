import CoreTypes

/// What an SDP request asks for and a response offers: TLS or not (sdp-v2gtp.md §4.2).
@frozen
public enum SDPSecurity: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    case tls = 0x00
    case none = 0x10

    public var description: String { self == .tls ? "TLS" : "no TLS" }
}

/// The transport an SDP request asks for; only TCP carries V2G (§4.2).
@frozen
public enum SDPTransport: UInt8, Sendable, BitwiseCopyable, CustomStringConvertible {
    case tcp = 0x00
    case udp = 0x10

    public var description: String { self == .tcp ? "TCP" : "UDP" }
}

/// The EV's SDP request: exactly 10 bytes, `01 FE 90 00 00 00 00 02 <security> <transport>` (§4.2).
@frozen
public struct SDPRequest: Sendable, Equatable, BitwiseCopyable {
    @inlinable public static var length: Int { 10 }
    public var security: SDPSecurity
    public var transport: SDPTransport

    @inlinable public init(security: SDPSecurity = .none, transport: SDPTransport = .tcp) {
        self.security = security
        self.transport = transport
    }

    /// Parses one whole datagram. Anything but a well-formed request is an error; the SECC drops
    /// such datagrams without answering (§4.4).
    public static func decode(_ datagram: borrowing RawSpan) throws(V2GTPError) -> SDPRequest {
        let header = try V2GTPHeader.decode(datagram)
        guard header.payloadType.rawValue == 0x9000 else { throw .unexpectedPayloadType(header.payloadType.rawValue) }
        guard header.payloadLength == 2 else { throw .badSDPLength(header.payloadLength) }
        guard datagram.byteCount >= length else { throw .truncated(have: datagram.byteCount, need: length) }
        guard datagram.byteCount == length else { throw .trailingBytes(datagram.byteCount - length) }
        let s = datagram.unsafeLoad(fromByteOffset: 8, as: UInt8.self)
        let t = datagram.unsafeLoad(fromByteOffset: 9, as: UInt8.self)
        guard let security = SDPSecurity(rawValue: s) else { throw .badSDPField(.security, value: s) }
        guard let transport = SDPTransport(rawValue: t) else { throw .badSDPField(.transportProtocol, value: t) }
        return SDPRequest(security: security, transport: transport)
    }

    /// Writes the 10-byte datagram; returns its length.
    public func encode(into out: inout MutableRawSpan) throws(V2GTPError) -> Int {
        guard out.byteCount >= Self.length else { throw .outputTooSmall(need: Self.length, have: out.byteCount) }
        try V2GTPHeader(payloadType: V2GTPPayloadType(rawValue: 0x9000), payloadLength: 2).encode(into: &out)
        out.storeBytes(of: security.rawValue, toByteOffset: 8, as: UInt8.self)
        out.storeBytes(of: transport.rawValue, toByteOffset: 9, as: UInt8.self)
        return Self.length
    }
}

/// The SECC's SDP response: exactly 28 bytes — its IPv6 address (16), TCP port (big-endian), the
/// security it offers on that port, and TCP (§4.3).
@frozen
public struct SDPResponse: Sendable, Equatable, BitwiseCopyable {
    @inlinable public static var length: Int { 28 }
    /// The SECC's server address (link-local; the scope is the receiver's interface, not on the wire).
    public var address: IPv6Address
    public var port: UInt16
    public var security: SDPSecurity
    public var transport: SDPTransport

    @inlinable public init(address: IPv6Address, port: UInt16, security: SDPSecurity = .none, transport: SDPTransport = .tcp) {
        self.address = address
        self.port = port
        self.security = security
        self.transport = transport
    }

    public static func decode(_ datagram: borrowing RawSpan) throws(V2GTPError) -> SDPResponse {
        let header = try V2GTPHeader.decode(datagram)
        guard header.payloadType.rawValue == 0x9001 else { throw .unexpectedPayloadType(header.payloadType.rawValue) }
        guard header.payloadLength == 20 else { throw .badSDPLength(header.payloadLength) }
        guard datagram.byteCount >= length else { throw .truncated(have: datagram.byteCount, need: length) }
        guard datagram.byteCount == length else { throw .trailingBytes(datagram.byteCount - length) }
        var high: UInt64 = 0, low: UInt64 = 0
        var k = 0
        while k < 8 {
            high = high << 8 | UInt64(datagram.unsafeLoad(fromByteOffset: 8 + k, as: UInt8.self))
            low = low << 8 | UInt64(datagram.unsafeLoad(fromByteOffset: 16 + k, as: UInt8.self))
            k += 1
        }
        let port = UInt16(datagram.unsafeLoad(fromByteOffset: 24, as: UInt8.self)) << 8
            | UInt16(datagram.unsafeLoad(fromByteOffset: 25, as: UInt8.self))
        let s = datagram.unsafeLoad(fromByteOffset: 26, as: UInt8.self)
        let t = datagram.unsafeLoad(fromByteOffset: 27, as: UInt8.self)
        guard let security = SDPSecurity(rawValue: s) else { throw .badSDPField(.security, value: s) }
        guard let transport = SDPTransport(rawValue: t) else { throw .badSDPField(.transportProtocol, value: t) }
        return SDPResponse(address: IPv6Address(high: high, low: low), port: port, security: security, transport: transport)
    }

    public func encode(into out: inout MutableRawSpan) throws(V2GTPError) -> Int {
        guard out.byteCount >= Self.length else { throw .outputTooSmall(need: Self.length, have: out.byteCount) }
        try V2GTPHeader(payloadType: V2GTPPayloadType(rawValue: 0x9001), payloadLength: 20).encode(into: &out)
        var k = 0
        while k < 8 {
            out.storeBytes(of: UInt8(truncatingIfNeeded: address.high >> (56 - 8 * UInt64(k))), toByteOffset: 8 + k, as: UInt8.self)
            out.storeBytes(of: UInt8(truncatingIfNeeded: address.low >> (56 - 8 * UInt64(k))), toByteOffset: 16 + k, as: UInt8.self)
            k += 1
        }
        out.storeBytes(of: UInt8(truncatingIfNeeded: port >> 8), toByteOffset: 24, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: port), toByteOffset: 25, as: UInt8.self)
        out.storeBytes(of: security.rawValue, toByteOffset: 26, as: UInt8.self)
        out.storeBytes(of: transport.rawValue, toByteOffset: 27, as: UInt8.self)
        return Self.length
    }
}
