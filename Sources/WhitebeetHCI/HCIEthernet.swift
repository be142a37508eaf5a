import CoreTypes

/// The Ethernet wrapping of one HCI frame (whitebeet-hci.md §1.2): destination, source, EtherType
/// 0x6003, the tag `00 04`, a u16 HCI length, the frame, zero padding to 60 bytes. One frame per
/// Ethernet frame; receivers go by the length fields, never by the Ethernet length.
public enum HCIEthernet {
    public static let etherType: UInt16 = 0x6003
    /// The encapsulation tag FreeV2G writes in both directions (meaning undocumented, §21).
    public static let tag: UInt16 = 0x0004
    /// Ethernet header + tag + length.
    public static let headerLength = 18

    /// The module's host-interface MAC: the label's MAC (the PLC chip's) minus 2 (§1.1; e.g. label
    /// c4:93:00:22:22:24 → c4:93:00:22:22:22). Taken as 48-bit arithmetic, borrowing into the higher
    /// bytes [inferred: the two addresses are consecutive allocations].
    public static func moduleMAC(fromLabel label: MACAddress) -> MACAddress {
        MACAddress(rawValue: (label.rawValue &- 2) & 0xFFFF_FFFF_FFFF)
    }

    /// Writes the Ethernet frame around `hci` (one complete HCI frame); returns its length (≥ 60).
    public static func wrap(_ hci: UnsafeRawBufferPointer, destination: MACAddress, source: MACAddress,
                            into storage: UnsafeMutableRawBufferPointer) throws(HCIError) -> Int {
        let end = headerLength + hci.count
        let total = max(end, EthernetFrameLayout.minimumLength)
        guard hci.count <= 0xFFFF else { throw .payloadTooLong(announced: hci.count, limit: 0xFFFF) }
        guard total <= storage.count else { throw .bufferTooSmall(needed: total, capacity: storage.count) }
        for i in 0 ..< 6 {
            storage[i] = destination[i]
            storage[6 + i] = source[i]
        }
        storage[12] = UInt8(etherType >> 8)
        storage[13] = UInt8(etherType & 0xFF)
        storage[14] = UInt8(tag >> 8)
        storage[15] = UInt8(tag & 0xFF)
        storage[16] = UInt8(truncatingIfNeeded: hci.count >> 8)
        storage[17] = UInt8(truncatingIfNeeded: hci.count)
        for i in 0 ..< hci.count { storage[headerLength + i] = hci[i] }
        for i in end ..< total { storage[i] = 0 }
        return total
    }

    /// Where the HCI frame lies in a received Ethernet frame, and who sent it.
    public struct Unwrapped: Equatable, Sendable {
        public var destination: MACAddress
        public var source: MACAddress
        /// The encapsulation tag as received (not checked, like FreeV2G; 0x0004 expected).
        public var tag: UInt16
        /// Offset of the HCI frame (always 18) and its length from the HCI length field.
        public var offset: Int
        public var length: Int

        public init(destination: MACAddress, source: MACAddress, tag: UInt16, offset: Int, length: Int) {
            self.destination = destination
            self.source = source
            self.tag = tag
            self.offset = offset
            self.length = length
        }
    }

    /// Checks the EtherType and the HCI length against the frame; the HCI frame itself is checked by
    /// `HCIFrame.parse`. Padding after it is ignored.
    public static func unwrap(_ frame: UnsafeRawBufferPointer) throws(HCIError) -> Unwrapped {
        guard frame.count >= headerLength else { throw .truncated(length: frame.count, needed: headerLength) }
        let type = UInt16(frame[12]) << 8 | UInt16(frame[13])
        guard type == etherType else { throw .wrongEtherType(type) }
        let length = Int(frame[16]) << 8 | Int(frame[17])
        guard frame.count >= headerLength + length else { throw .truncated(length: frame.count, needed: headerLength + length) }
        var destination: UInt64 = 0, source: UInt64 = 0
        for i in 0 ..< 6 {
            destination = destination << 8 | UInt64(frame[i])
            source = source << 8 | UInt64(frame[6 + i])
        }
        return Unwrapped(destination: MACAddress(rawValue: destination), source: MACAddress(rawValue: source),
                         tag: UInt16(frame[14]) << 8 | UInt16(frame[15]), offset: headerLength, length: length)
    }
}
