/// A 128-bit IPv6 address in network byte order, plus the interface scope a link-local address needs
/// (fe80::/10 is ambiguous without it). Trivially copyable, so codecs and sockets pass it by value.
@frozen
public struct IPv6Address: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The high and low 64 bits, each in host order (`high >> 56` is the first octet on the wire).
    public var high: UInt64
    public var low: UInt64
    /// The interface index for a link-local address (0: none).
    public var scopeID: UInt32

    @inlinable public init(high: UInt64, low: UInt64, scopeID: UInt32 = 0) {
        self.high = high
        self.low = low
        self.scopeID = scopeID
    }

    /// From 16 octets in network order.
    public init?(octets: some Collection<UInt8>, scopeID: UInt32 = 0) {
        guard octets.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for (i, b) in octets.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        self.init(high: h, low: l, scopeID: scopeID)
    }

    /// Octet `i` (0…15) in network order.
    @inlinable public func octet(_ i: Int) -> UInt8 {
        i < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i - 8)))
    }

    /// ff02::1, all nodes on the link: where an EV sends its SDP request (sdp-v2gtp.md §4.1).
    public static let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)
    public static let unspecified = IPv6Address(high: 0, low: 0)

    /// fe80::/10.
    @inlinable public var isLinkLocal: Bool { high >> 54 == 0x3FA }

    /// The link-local address an interface derives from its MAC (modified EUI-64, RFC 4291 App. A).
    public static func linkLocal(mac: MACAddress, scopeID: UInt32 = 0) -> IPv6Address {
        let m = mac.rawValue
        let upper = (m >> 24) & 0xFF_FFFF, lower = m & 0xFF_FFFF
        let eui = (upper ^ 0x02_0000) << 40 | 0xFF_FE << 24 | lower
        return IPv6Address(high: 0xFE80_0000_0000_0000, low: eui, scopeID: scopeID)
    }

    /// RFC 5952 text: lower-case hex, the longest run of zero groups as "::", `%scope` when scoped.
    public var description: String {
        var groups: [UInt16] = []
        for i in 0..<8 { groups.append(UInt16(octet(2 * i)) << 8 | UInt16(octet(2 * i + 1))) }
        var bestStart = -1, bestLength = 1, runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        var text = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return scopeID == 0 ? text : "\(text)%\(scopeID)"
    }
}
