/// An `xs:integer` of any length up to `EXIInteger.capacity` octets of magnitude, stored inline.
///
/// The schemas leave some integers unbounded: xmldsig's `X509SerialNumber` (RFC 5280 §4.1.2.2 lets a CA
/// use serial numbers of up to 20 octets, and public CAs do) and `HMACOutputLength`. The value is kept as
/// EXI codes it (EXI 1.0 §7.1.5): a sign and an unsigned magnitude `m`, the value being `m` when
/// non-negative and `-(m + 1)` when negative, so coding moves 7-bit groups and never does arithmetic.
/// 32 octets (256 bits) cover a 20-octet serial with room; a longer value is `integerOverflow`.
public struct EXIInteger: EXIDefaultValue, Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// Octets of magnitude this type holds (a documented bound, see the generator README).
    @inlinable public static var capacity: Int { 32 }

    /// Whether the value is negative (then it is `-(magnitude + 1)`).
    public var isNegative: Bool
    /// Octets of the EXI magnitude in use (little-endian, the highest one non-zero; 0 for magnitude 0).
    @usableFromInline var count: UInt8
    @usableFromInline var octets: InlineArray<32, UInt8>

    @inlinable
    public init() {
        isNegative = false
        count = 0
        octets = InlineArray(repeating: 0)
    }

    public init(_ value: Int64) {
        self.init()
        isNegative = value < 0
        var m = value < 0 ? UInt64(bitPattern: ~value) : UInt64(value)
        var i = 0
        while m != 0 {
            octets[i] = UInt8(truncatingIfNeeded: m)
            m >>= 8
            i += 1
        }
        count = UInt8(i)
    }

    public init(integerLiteral value: Int64) { self.init(value) }

    /// The value from the big-endian octets of its absolute value (as an X.509 serial number's DER
    /// content octets give it for a positive serial); nil when it needs more than `capacity` octets.
    public init?(magnitudeBigEndian bytes: some Sequence<UInt8>, negative: Bool = false) {
        var absolute = Array(bytes.reversed())  // little-endian
        while let last = absolute.last, last == 0 { absolute.removeLast() }
        if negative {
            guard !absolute.isEmpty else { self.init(); return }  // -0 is 0
            // magnitude = |v| - 1
            var i = 0
            while absolute[i] == 0 { absolute[i] = 0xFF; i += 1 }
            absolute[i] -= 1
            while let last = absolute.last, last == 0 { absolute.removeLast() }
        }
        guard absolute.count <= EXIInteger.capacity else { return nil }
        self.init()
        isNegative = negative
        for (i, b) in absolute.enumerated() { octets[i] = b }
        count = UInt8(absolute.count)
    }

    /// Decimal text (`-`/`+` allowed), as XML Schema writes an integer; nil when it is not one or too long.
    public init?(_ description: String) {
        var text = Substring(description)
        var negative = false
        if text.first == "-" || text.first == "+" {
            negative = text.first == "-"
            text = text.dropFirst()
        }
        guard !text.isEmpty else { return nil }
        var absolute: [UInt8] = []  // little-endian
        for ch in text.utf8 {
            guard ch >= 0x30, ch <= 0x39 else { return nil }
            var carry = UInt16(ch - 0x30)
            for i in absolute.indices {
                let v = UInt16(absolute[i]) * 10 + carry
                absolute[i] = UInt8(truncatingIfNeeded: v)
                carry = v >> 8
            }
            if carry != 0 { absolute.append(UInt8(carry)) }
            guard absolute.count <= EXIInteger.capacity + 1 else { return nil }
        }
        self.init(magnitudeBigEndian: absolute.reversed(), negative: negative)
    }

    /// The value when it fits 64 bits.
    public var int64: Int64? {
        guard count <= 8 else { return nil }
        var m: UInt64 = 0
        for i in stride(from: Int(count) - 1, through: 0, by: -1) { m = m << 8 | UInt64(octets[i]) }
        guard m <= UInt64(Int64.max) else { return nil }
        return isNegative ? ~Int64(m) : Int64(m)
    }

    /// Big-endian octets of the absolute value (no leading zeros; empty for 0).
    public var magnitudeBigEndian: [UInt8] {
        var absolute = (0..<Int(count)).map { octets[$0] }
        if isNegative {
            var i = 0
            while i < absolute.count, absolute[i] == 0xFF { absolute[i] = 0; i += 1 }
            if i == absolute.count { absolute.append(1) } else { absolute[i] += 1 }
        }
        return absolute.reversed()
    }

    /// Decimal, as Josev's JSON and XML Schema write it.
    public var description: String {
        var digits: [UInt8] = []
        var rest = Array(magnitudeBigEndian)
        while !rest.isEmpty {
            var remainder: UInt16 = 0
            var next: [UInt8] = []
            for b in rest {
                let v = remainder << 8 | UInt16(b)
                let q = v / 10
                remainder = v % 10
                if !(next.isEmpty && q == 0) { next.append(UInt8(q)) }
            }
            digits.append(UInt8(remainder) + 0x30)
            rest = next
        }
        if digits.isEmpty { return "0" }
        return (isNegative ? "-" : "") + String(decoding: digits.reversed(), as: UTF8.self)
    }

    @inlinable
    public static func == (a: EXIInteger, b: EXIInteger) -> Bool {
        guard a.isNegative == b.isNegative, a.count == b.count else { return false }
        var i = 0
        while i < Int(a.count) {
            if a.octets[i] != b.octets[i] { return false }
            i &+= 1
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(isNegative)
        for i in 0..<Int(count) { hasher.combine(octets[i]) }
    }
}

extension EXIWriter {
    /// EXI §7.1.5 Integer of any length: the sign bit, then the magnitude as Unsigned Integer (§7.1.6).
    @inlinable
    public mutating func writeInteger(_ value: borrowing EXIInteger) throws(EXIError) {
        try writeBits(value.isNegative ? 1 : 0, 1)
        let count = Int(value.count)
        guard count > 0 else { return try writeBits(0, 8) }
        let top = value.octets[count &- 1]
        let bits = (count &- 1) &* 8 &+ (8 &- top.leadingZeroBitCount)
        let groups = (bits &+ 6) / 7
        var g = 0
        while g < groups {
            let bit = g &* 7
            let index = bit &>> 3
            let shift = bit & 7
            var word = UInt16(value.octets[index])
            if index &+ 1 < count { word |= UInt16(value.octets[index &+ 1]) &<< 8 }
            let group = UInt64(truncatingIfNeeded: (word &>> UInt16(shift)) & 0x7F)
            try writeBits(g &+ 1 < groups ? group | 0x80 : group, 8)
            g &+= 1
        }
    }
}

extension EXIReader {
    /// EXI §7.1.5 Integer of any length into `value`; a magnitude beyond `EXIInteger.capacity` octets
    /// is `integerOverflow`.
    @inlinable
    public mutating func readInteger(into value: inout EXIInteger) throws(EXIError) {
        let start = bitPosition
        value.isNegative = try readBits(1) == 1
        var used = 0
        var bit = 0
        var i = 0
        while i < EXIInteger.capacity {
            value.octets[i] = 0
            i &+= 1
        }
        while true {
            let octet = try readBits(8)
            let group = UInt16(truncatingIfNeeded: octet & 0x7F)
            if group != 0 {
                let index = bit &>> 3
                let shifted = group &<< UInt16(bit & 7)
                guard index < EXIInteger.capacity, shifted &>> 8 == 0 || index &+ 1 < EXIInteger.capacity else {
                    throw EXIError(.integerOverflow, at: start, schema: schema)
                }
                value.octets[index] |= UInt8(truncatingIfNeeded: shifted)
                if shifted &>> 8 != 0 { value.octets[index &+ 1] |= UInt8(truncatingIfNeeded: shifted &>> 8) }
                used = bit &+ 7
            }
            if octet & 0x80 == 0 { break }
            bit &+= 7
            guard bit < EXIInteger.capacity &* 8 &+ 64 else { throw EXIError(.integerOverflow, at: start, schema: schema) }
        }
        var count = min((used &+ 7) &>> 3, EXIInteger.capacity)
        while count > 0, value.octets[count &- 1] == 0 { count &-= 1 }
        value.count = UInt8(truncatingIfNeeded: count)
    }
}
