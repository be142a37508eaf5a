/// Bit-packed EXI input (EXI 1.0 §7.1) over borrowed bytes, with the stream's string table (§7.3).
public struct EXIReader {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let bitCount: Int
    /// Next bit to read, counted from the first header bit.
    public var bitPosition: Int
    public var strings: StringTable
    public let schema: StaticString
    /// Where lists longer than their inline part put the rest (`EXISpillList`); `.none`: such a list is
    /// `listArenaFull`.
    public var listArena: EXIListArenaHandle

    @inlinable
    public init(_ buffer: UnsafeRawBufferPointer, schema: StaticString) {
        if let address = buffer.baseAddress {
            base = address
        } else {
            // an empty buffer: any non-null address (nothing is ever read or written through it)
            guard let address = UnsafeRawPointer(bitPattern: 0x10) else { fatalError("no address") }
            base = address
        }
        bitCount = buffer.count &* 8
        bitPosition = 0
        strings = StringTable()
        self.schema = schema
        listArena = .none
    }

    @inlinable
    public func error(_ kind: EXIError.Kind) -> EXIError { EXIError(kind, at: bitPosition, schema: schema) }

    /// Reads `count` bits (≤ 56), most significant first (EXI §7.1.9).
    @inlinable @inline(__always)
    public mutating func readBits(_ count: Int) throws(EXIError) -> UInt64 {
        guard bitCount &- bitPosition >= count else { throw error(.truncated) }
        let byte = bitPosition &>> 3
        if byte &+ 8 <= bitCount &>> 3 {
            // eight octets ahead: one big-endian load holds the bit offset (≤ 7) and the count (≤ 56)
            let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            let shift = 64 &- (bitPosition & 7) &- count
            bitPosition &+= count
            return (word &>> UInt64(truncatingIfNeeded: shift)) & ((1 &<< UInt64(truncatingIfNeeded: count)) &- 1)
        }
        var result: UInt64 = 0
        var remaining = count
        var position = bitPosition
        while remaining > 0 {
            let byte = UInt64(base.load(fromByteOffset: position &>> 3, as: UInt8.self))
            let used = position & 7
            let available = 8 &- used
            let take = remaining < available ? remaining : available
            let bits = (byte &>> UInt64(available &- take)) & ((1 &<< UInt64(take)) &- 1)
            result = (result &<< UInt64(take)) | bits
            position &+= take
            remaining &-= take
        }
        bitPosition = position
        return result
    }

    /// EXI §7.1.2 Boolean.
    @inlinable @inline(__always)
    public mutating func readBoolean() throws(EXIError) -> Bool {
        try readBits(1) == 1
    }

    /// EXI §7.1.6 Unsigned Integer; more than 64 bits of magnitude is `integerOverflow`. Most values on the
    /// wire (characters, lengths, small integers) are one octet with its continuation bit clear: that case is
    /// read here, inline; longer ones by `readUnsignedOctets`.
    @inlinable @inline(__always)
    public mutating func readUnsigned() throws(EXIError) -> UInt64 {
        let start = bitPosition
        let octet = try readBits(8)
        if octet & 0x80 == 0 { return octet }
        bitPosition = start
        return try readUnsignedOctets()
    }

    /// `readUnsigned` for any number of octets.
    @inlinable
    mutating func readUnsignedOctets() throws(EXIError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let start = bitPosition
            let octet = try readBits(8)
            let group = octet & 0x7F
            if shift >= 64 {
                guard group == 0 else { throw EXIError(.integerOverflow, at: start, schema: schema) }
            } else {
                guard (group &<< shift) &>> shift == group else { throw EXIError(.integerOverflow, at: start, schema: schema) }
                result |= group &<< shift
            }
            if octet & 0x80 == 0 { return result }
            shift &+= 7
            guard shift < 70 else { throw EXIError(.integerOverflow, at: start, schema: schema) }
        }
    }

    /// EXI §7.1.5 Integer: sign bit then magnitude; values beyond Int64 are `integerOverflow`.
    @inlinable
    public mutating func readInteger() throws(EXIError) -> Int64 {
        let start = bitPosition
        let negative = try readBits(1) == 1
        let magnitude = try readUnsigned()
        guard magnitude <= UInt64(Int64.max) else { throw EXIError(.integerOverflow, at: start, schema: schema) }
        return negative ? ~Int64(magnitude) : Int64(magnitude)
    }

    /// EXI §7.1.9 bounded integer: `width` bits plus `minimum`.
    @inlinable @inline(__always)
    public mutating func readBounded(minimum: Int64, width: Int) throws(EXIError) -> Int64 {
        Int64(bitPattern: try readBits(width)) &+ minimum
    }

    /// EXI §7.2 Enumeration: the index in `width` bits, checked against `count`.
    @inlinable @inline(__always)
    public mutating func readEnumeration(count: Int, width: Int) throws(EXIError) -> Int {
        let start = bitPosition
        let index = Int(try readBits(width))
        guard index < count else { throw EXIError(.invalidEnumeration(index: index, count: count), at: start, schema: schema) }
        return index
    }

    /// EXI §7.1.1 Binary into a fixed-capacity value.
    @inlinable
    public mutating func readBinary<let n: Int>(into value: inout EXIBytes<n>) throws(EXIError) {
        let start = bitPosition
        let length = try readUnsigned()
        guard length <= UInt64(n) else {
            throw EXIError(.capacityExceeded(count: length > UInt64(Int32.max) ? Int(Int32.max) : Int(length), capacity: n),
                           at: start, schema: schema)
        }
        let count = Int(length)
        guard bitCount &- bitPosition >= count &* 8 else { throw error(.truncated) }
        var i = 0
        while i < count {
            value.storage[i] = UInt8(truncatingIfNeeded: try readBits(8))
            i &+= 1
        }
        value.count = UInt16(count)
    }

    /// EXI §7.1.10 String through the string table (§7.3.3) into a fixed-capacity value; returns the
    /// number of characters.
    @inlinable
    public mutating func readString<let n: Int>(into value: inout EXIString<n>, partition: UInt16) throws(EXIError) -> Int {
        let start = bitPosition
        let tag = try readUnsigned()
        switch tag {
        case 0 where strings.overflowed, 1 where strings.overflowed:
            throw EXIError(.stringTableFull, at: start, schema: schema)
        case 0:
            // local hit: index among this qname's entries
            let localCount = strings.count(in: partition)
            guard localCount > 0 else { throw EXIError(.invalidStringTableHit(index: 0), at: start, schema: schema) }
            let index = Int(try readBits(StringTable.width(localCount)))
            guard let entry = strings.entry(partition: partition, localIndex: index) else {
                throw EXIError(.invalidStringTableHit(index: index), at: start, schema: schema)
            }
            return try copyEntry(entry, into: &value)
        case 1:
            guard strings.count > 0 else { throw EXIError(.invalidStringTableHit(index: 0), at: start, schema: schema) }
            let index = Int(try readBits(StringTable.width(strings.count)))
            guard index < strings.count else {
                throw EXIError(.invalidStringTableHit(index: index), at: start, schema: schema)
            }
            return try copyEntry(strings.entries[index], into: &value)
        default:
            guard tag &- 2 <= UInt64(n) else {
                throw EXIError(.capacityExceeded(count: tag > UInt64(Int32.max) ? Int(Int32.max) : Int(tag &- 2), capacity: n),
                               at: start, schema: schema)
            }
            let length = Int(tag &- 2)
            let charStart = bitPosition
            try readCharacters(length, into: &value)
            if length > 0 {
                if strings.count < StringTable.capacity {
                    strings.append(partition: partition, length: length, bitOffset: charStart)
                } else {
                    strings.overflowed = true
                }
            }
            return length
        }
    }

    @inlinable
    mutating func copyEntry<let n: Int>(_ entry: StringTable.Entry, into value: inout EXIString<n>) throws(EXIError) -> Int {
        let resume = bitPosition
        bitPosition = Int(entry.bitOffset)
        try readCharacters(Int(entry.length), into: &value)
        bitPosition = resume
        return Int(entry.length)
    }

    @inlinable
    mutating func readCharacters<let n: Int>(_ length: Int, into value: inout EXIString<n>) throws(EXIError) {
        var bytes = 0
        var k = 0
        while k < length {
            let start = bitPosition
            let code = try readUnsigned()
            guard code <= 0x10FFFF, code & 0xFFFFF800 != 0xD800 else {
                throw EXIError(.invalidCharacter(UInt32(truncatingIfNeeded: code)), at: start, schema: schema)
            }
            let c = UInt32(code)
            let size = c < 0x80 ? 1 : (c < 0x800 ? 2 : (c < 0x10000 ? 3 : 4))
            // cannot fail for a string of at most n characters (4 bytes each); kept for a corrupt length
            guard bytes &+ size <= EXIString<n>.byteCapacity else {
                throw EXIError(.capacityExceeded(count: k &+ 1, capacity: n), at: start, schema: schema)
            }
            value.storeScalar(c, at: bytes, size: size)
            bytes &+= size
            k &+= 1
        }
        value.count = UInt16(bytes)
    }

    /// Whether only padding (zero bits up to the octet boundary) is left.
    @inlinable
    public var isAtPadding: Bool { bitCount &- bitPosition < 8 }
}
