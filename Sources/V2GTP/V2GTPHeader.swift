/// The 8-byte header every V2GTP message starts with (sdp-v2gtp.md §2): version 0x01, its inverse
/// 0xFE, the payload type and the payload length, big-endian.
@frozen
public struct V2GTPHeader: Sendable, Equatable, BitwiseCopyable {
    @inlinable public static var length: Int { 8 }
    @inlinable public static var version: UInt8 { 0x01 }
    @inlinable public static var inverseVersion: UInt8 { 0xFE }

    public var payloadType: V2GTPPayloadType
    public var payloadLength: UInt32

    @inlinable public init(payloadType: V2GTPPayloadType, payloadLength: UInt32) {
        self.payloadType = payloadType
        self.payloadLength = payloadLength
    }

    /// Reads and checks the first 8 bytes of `bytes` (version, inverse version). The payload type
    /// and length are returned as read; what is acceptable is the caller's rule.
    @_noAllocation @_noLocks
    public static func decode(_ bytes: borrowing RawSpan) throws(V2GTPError) -> V2GTPHeader {
        guard bytes.byteCount >= 8 else { throw .truncated(have: bytes.byteCount, need: 8) }
        var b = InlineArray<8, UInt8>(repeating: 0)
        var k = 0
        while k < 8 {
            b[k] = bytes.unsafeLoad(fromByteOffset: k, as: UInt8.self)
            k += 1
        }
        return try decode(b)
    }

    /// The same check over 8 bytes already copied out.
    @_noAllocation @_noLocks
    static func decode(_ b: InlineArray<8, UInt8>) throws(V2GTPError) -> V2GTPHeader {
        guard b[0] == 0x01, b[1] == 0xFE else { throw .badVersion(b[0], inverse: b[1]) }
        let t = UInt16(b[2]) << 8 | UInt16(b[3])
        let n = UInt32(b[4]) << 24 | UInt32(b[5]) << 16 | UInt32(b[6]) << 8 | UInt32(b[7])
        return V2GTPHeader(payloadType: V2GTPPayloadType(rawValue: t), payloadLength: n)
    }

    /// Writes the header into the first 8 bytes of `out`.
    @_noAllocation @_noLocks
    public func encode(into out: inout MutableRawSpan) throws(V2GTPError) {
        guard out.byteCount >= Self.length else { throw .outputTooSmall(need: Self.length, have: out.byteCount) }
        out.storeBytes(of: Self.version, toByteOffset: 0, as: UInt8.self)
        out.storeBytes(of: Self.inverseVersion, toByteOffset: 1, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: payloadType.rawValue >> 8), toByteOffset: 2, as: UInt8.self)
        out.storeBytes(of: UInt8(truncatingIfNeeded: payloadType.rawValue), toByteOffset: 3, as: UInt8.self)
        var k = 0
        while k < 4 {
            out.storeBytes(of: UInt8(truncatingIfNeeded: payloadLength >> (24 - 8 * UInt32(k))), toByteOffset: 4 + k, as: UInt8.self)
            k += 1
        }
    }
}
