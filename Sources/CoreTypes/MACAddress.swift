/// A 48-bit Ethernet MAC address, held in the low bits of a UInt64 so it is trivially copyable,
/// hashable and comparable without allocation.
@frozen
public struct MACAddress: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    @inlinable public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8, _ b4: UInt8, _ b5: UInt8) {
        rawValue = UInt64(b0) << 40 | UInt64(b1) << 32 | UInt64(b2) << 24 | UInt64(b3) << 16 | UInt64(b4) << 8 | UInt64(b5)
    }

    /// Reads six bytes at `offset` (e.g. the destination or source of a frame).
    @inlinable public init?(_ bytes: borrowing RawSpan, at offset: Int) {
        guard offset >= 0, offset + 6 <= bytes.byteCount else { return nil }
        var v: UInt64 = 0
        var i = 0
        while i < 6 {
            v = v << 8 | UInt64(bytes.unsafeLoad(fromByteOffset: offset + i, as: UInt8.self))
            i += 1
        }
        rawValue = v
    }

    /// Parses "c4:93:00:22:22:22" (also with '-').
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            v = v << 8 | UInt64(b)
        }
        rawValue = v
    }

    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    public static let zero = MACAddress(rawValue: 0)

    /// Byte `i` (0 = first on the wire).
    @inlinable public subscript(i: Int) -> UInt8 { UInt8(truncatingIfNeeded: rawValue >> UInt64(8 * (5 - i))) }

    @inlinable public var isMulticast: Bool { self[0] & 1 == 1 }

    /// Writes the six bytes at `offset` of `span`.
    @inlinable public func store(into span: inout MutableRawSpan, at offset: Int) {
        var i = 0
        while i < 6 {
            span.storeBytes(of: self[i], toByteOffset: offset + i, as: UInt8.self)
            i += 1
        }
    }

    public var description: String {
        (0..<6).map { i in
            let s = String(self[i], radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: ":")
    }
}
