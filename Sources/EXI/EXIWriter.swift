/// Bit-packed EXI output (EXI 1.0 §7.1: alignment "bit-packed", the V2G setting).
///
/// Writes into caller memory that outlives the writer; bits are gathered in a 64-bit accumulator and
/// stored a whole octet at a time. Holds the string table of the stream being written (EXI §7.3).
public struct EXIWriter {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int
    /// Octets already stored.
    @usableFromInline var byteCount: Int
    @usableFromInline var accumulator: UInt64
    /// Bits pending in `accumulator` (always < 8 between calls).
    @usableFromInline var pendingBits: Int
    public var strings: StringTable
    public let schema: StaticString

    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer, schema: StaticString) {
        base = buffer.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 0x10)!
        capacity = buffer.count
        byteCount = 0
        accumulator = 0
        pendingBits = 0
        strings = StringTable()
        self.schema = schema
    }

    /// Bits written so far.
    @inlinable
    public var bitPosition: Int { byteCount &* 8 &+ pendingBits }

    @inlinable
    public func error(_ kind: EXIError.Kind) -> EXIError { EXIError(kind, at: bitPosition, schema: schema) }

    /// Writes the low `count` bits of `value`, most significant first (EXI §7.1.9 n-bit unsigned integer). `count` ≤ 56.
    @inlinable @inline(__always)
    public mutating func writeBits(_ value: UInt64, _ count: Int) throws(EXIError) {
        accumulator = (accumulator &<< UInt64(count)) | value
        pendingBits &+= count
        while pendingBits >= 8 {
            pendingBits &-= 8
            guard byteCount < capacity else { throw error(.outputFull(capacity: capacity)) }
            base.storeBytes(of: UInt8(truncatingIfNeeded: accumulator &>> UInt64(pendingBits)),
                            toByteOffset: byteCount, as: UInt8.self)
            byteCount &+= 1
        }
    }

    /// EXI §7.1.2 Boolean: one bit.
    @inlinable @inline(__always)
    public mutating func writeBoolean(_ value: Bool) throws(EXIError) {
        try writeBits(value ? 1 : 0, 1)
    }

    /// EXI §7.1.6 Unsigned Integer: little-endian 7-bit groups, high bit set on all but the last octet.
    @inlinable
    public mutating func writeUnsigned(_ value: UInt64) throws(EXIError) {
        var v = value
        while v >= 0x80 {
            try writeBits((v & 0x7F) | 0x80, 8)
            v &>>= 7
        }
        try writeBits(v, 8)
    }

    /// EXI §7.1.5 Integer: a sign bit, then the magnitude (minus one when negative) as Unsigned Integer.
    @inlinable
    public mutating func writeInteger(_ value: Int64) throws(EXIError) {
        if value < 0 {
            try writeBits(1, 1)
            try writeUnsigned(UInt64(bitPattern: ~value))
        } else {
            try writeBits(0, 1)
            try writeUnsigned(UInt64(value))
        }
    }

    /// EXI §7.1.9 n-bit Unsigned Integer of a bounded integer: `value - minimum` in `width` bits.
    @inlinable @inline(__always)
    public mutating func writeBounded(_ value: Int64, minimum: Int64, width: Int) throws(EXIError) {
        try writeBits(UInt64(bitPattern: value &- minimum), width)
    }

    /// EXI §7.1.1 Binary: length as Unsigned Integer, then the octets.
    @inlinable
    public mutating func writeBinary<let n: Int>(_ value: borrowing EXIBytes<n>) throws(EXIError) {
        let count = value.count
        try writeUnsigned(UInt64(count))
        var i = 0
        while i < count {
            try writeBits(UInt64(value.storage[i]), 8)
            i &+= 1
        }
    }

    /// EXI §7.1.10 String through the string table (§7.3.3): a local or global hit when the value was
    /// written before, else its length + 2 and its code points; `partition` is the element or attribute qname.
    @inlinable
    public mutating func writeString<let n: Int>(_ value: borrowing EXIString<n>, partition: UInt16) throws(EXIError) {
        let length = value.scalarCount
        // local partition first, then the global one (§7.3.3)
        var localCount = 0
        var localHit = -1
        var globalHit = -1
        var i = 0
        while i < strings.count {
            let e = strings.entries[i]
            if e.partition == partition {
                if localHit < 0, Int(e.length) == length, matches(value, at: Int(e.bitOffset), length: length) {
                    localHit = localCount
                }
                localCount &+= 1
            } else if globalHit < 0, Int(e.length) == length, matches(value, at: Int(e.bitOffset), length: length) {
                globalHit = i
            }
            i &+= 1
        }
        if localHit >= 0 {
            try writeUnsigned(0)
            try writeBits(UInt64(localHit), StringTable.width(localCount))
            return
        }
        if globalHit >= 0 {
            try writeUnsigned(1)
            try writeBits(UInt64(globalHit), StringTable.width(strings.count))
            return
        }
        try writeUnsigned(UInt64(length) &+ 2)
        let start = bitPosition
        var offset = 0
        let bytes = value.count
        while offset < bytes {
            let (scalar, size) = value.scalar(at: offset)
            try writeUnsigned(UInt64(scalar))
            offset &+= size
        }
        if length > 0 {
            guard strings.count < StringTable.capacity else { throw error(.stringTableFull) }
            strings.append(partition: partition, length: length, bitOffset: start)
        }
    }

    /// Whether the code points stored at `bitOffset` (earlier in this output) equal `value`'s.
    @inlinable
    func matches<let n: Int>(_ value: borrowing EXIString<n>, at bitOffset: Int, length: Int) -> Bool {
        var position = bitOffset
        var offset = 0
        var k = 0
        while k < length {
            let stored = readBackUnsigned(&position)
            let (scalar, size) = value.scalar(at: offset)
            if stored != UInt64(scalar) { return false }
            offset &+= size
            k &+= 1
        }
        return true
    }

    /// Reads an Unsigned Integer back from already written bits (stored octets or the accumulator).
    @inlinable
    func readBackUnsigned(_ position: inout Int) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            var octet: UInt64 = 0
            var b = 0
            while b < 8 {
                octet = (octet &<< 1) | readBackBit(position)
                position &+= 1
                b &+= 1
            }
            if shift < 64 { result |= (octet & 0x7F) &<< shift }
            if octet & 0x80 == 0 { return result }
            shift &+= 7
        }
    }

    @inlinable
    func readBackBit(_ position: Int) -> UInt64 {
        let stored = byteCount &* 8
        if position < stored {
            let byte = base.load(fromByteOffset: position &>> 3, as: UInt8.self)
            return UInt64((byte &>> UInt8(7 &- (position & 7))) & 1)
        }
        let k = position &- stored
        guard k < pendingBits else { return 0 }
        return (accumulator &>> UInt64(pendingBits &- 1 &- k)) & 1
    }

    /// Pads the last octet with zero bits (EXI §7.1: bit-packed streams end on an octet boundary) and
    /// returns the number of octets written.
    @inlinable
    public mutating func finish() throws(EXIError) -> Int {
        if pendingBits > 0 { try writeBits(0, 8 &- pendingBits) }
        return byteCount
    }
}
