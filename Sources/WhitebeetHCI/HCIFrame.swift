/// The HCI message layer (whitebeet-hci.md §3.1): `C0 | module | sub | request ID | u16 length |
/// payload | checksum | C1`, big-endian, no byte stuffing — frames are delimited by the length field.
/// Identical on Ethernet and SPI.
public struct HCIHeader: Hashable, Sendable, CustomStringConvertible {
    public var module: UInt8
    public var sub: UInt8
    public var requestID: UInt8
    public var payloadLength: Int

    public init(module: UInt8, sub: UInt8, requestID: UInt8, payloadLength: Int) {
        self.module = module
        self.sub = sub
        self.requestID = requestID
        self.payloadLength = payloadLength
    }

    public var description: String { "0x\(hex(module))/0x\(hex(sub)) id \(requestID) len \(payloadLength)" }
}

public enum HCIFrame {
    public static let startOfFrame: UInt8 = 0xC0
    public static let endOfFrame: UInt8 = 0xC1
    /// Start, module, sub, request ID, length (2), checksum, end.
    public static let overhead = 8
    public static let headerLength = 6
    /// The request ID the module puts on unsolicited messages (§3.3); the host never uses it.
    public static let notificationRequestID: UInt8 = 0xFF
    /// FreeV2G warns above this frame size on Ethernet (§1.2); our default limit for one payload.
    public static let defaultPayloadLimit = 1450 - overhead

    /// The checksum of a whole frame (§3.2): the byte sum with the checksum byte taken as 0, folded to
    /// 8 bits with end-around carry, then complemented — 0xFF stays 0xFF, so it is never 0x00.
    @inlinable
    public static func checksum(_ frame: UnsafeRawBufferPointer, checksumOffset: Int) -> UInt8 {
        var sum: UInt32 = 0
        var i = 0
        while i < frame.count {
            if i != checksumOffset { sum &+= UInt32(frame[i]) }
            i += 1
        }
        sum = (sum & 0xFFFF) + (sum >> 16)
        sum = (sum & 0xFF) + (sum >> 8)
        sum = (sum & 0xFF) + (sum >> 8)
        return sum == 0xFF ? 0xFF : ~UInt8(truncatingIfNeeded: sum)
    }

    /// Checks one complete frame at the start of `bytes` (bytes after its end byte are ignored, as the
    /// Ethernet padding is) and returns its header; the payload is `bytes[6 ..< 6 + payloadLength]`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, payloadLimit: Int = 65535) throws(HCIError) -> HCIHeader {
        guard bytes.count >= overhead else { throw .truncated(length: bytes.count, needed: overhead) }
        guard bytes[0] == startOfFrame else { throw .missingStartOfFrame(found: bytes[0]) }
        let length = Int(bytes[4]) << 8 | Int(bytes[5])
        guard length <= payloadLimit else { throw .payloadTooLong(announced: length, limit: payloadLimit) }
        guard bytes.count >= overhead + length else { throw .truncated(length: bytes.count, needed: overhead + length) }
        try check(UnsafeRawBufferPointer(rebasing: bytes[0 ..< overhead + length]))
        return HCIHeader(module: bytes[1], sub: bytes[2], requestID: bytes[3], payloadLength: length)
    }

    /// Checks end byte and checksum of a frame of exactly its length.
    @usableFromInline
    static func check(_ frame: UnsafeRawBufferPointer) throws(HCIError) {
        let n = frame.count
        guard frame[n - 1] == endOfFrame else { throw .missingEndOfFrame(found: frame[n - 1]) }
        let received = frame[n - 2]
        // A received 0x00 means "not computed" and is accepted (§3.2; the module does the same).
        guard received != 0 else { return }
        let expected = checksum(frame, checksumOffset: n - 2)
        guard expected == received else { throw .badChecksum(expected: expected, found: received) }
    }

    /// Writes a frame around a payload that `body` writes; returns the frame length.
    @inlinable
    public static func encode(module: UInt8, sub: UInt8, requestID: UInt8, into storage: UnsafeMutableRawBufferPointer,
                              payload body: (inout HCIWriter) throws(HCIError) -> Void) throws(HCIError) -> Int {
        guard storage.count >= overhead else { throw .bufferTooSmall(needed: overhead, capacity: storage.count) }
        var writer = HCIWriter(storage, offset: headerLength, module: module, sub: sub)
        try body(&writer)
        let length = writer.offset - headerLength
        guard length <= 0xFFFF else { throw .tooManyItems(module: module, sub: sub, field: "payload", count: length, limit: 0xFFFF) }
        let total = writer.offset + 2
        guard total <= storage.count else { throw .bufferTooSmall(needed: total, capacity: storage.count) }
        storage[0] = startOfFrame
        storage[1] = module
        storage[2] = sub
        storage[3] = requestID
        storage[4] = UInt8(truncatingIfNeeded: length >> 8)
        storage[5] = UInt8(truncatingIfNeeded: length)
        storage[total - 2] = 0
        storage[total - 1] = endOfFrame
        storage[total - 2] = checksum(UnsafeRawBufferPointer(rebasing: storage[0 ..< total]), checksumOffset: total - 2)
        return total
    }

    /// Writes a frame with the given payload bytes (already encoded).
    public static func encode(module: UInt8, sub: UInt8, requestID: UInt8, payload: UnsafeRawBufferPointer,
                              into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        try encode(module: module, sub: sub, requestID: requestID, into: storage) { (w: inout HCIWriter) throws(HCIError) in
            try w.bytes(payload)
        }
    }
}
