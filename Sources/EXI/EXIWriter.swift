/// Bit-packed EXI output (EXI 1.0 §7.1: alignment "bit-packed", the V2G setting).
///
/// Writes into caller memory that outlives the writer; bits are gathered in a 64-bit accumulator and
/// stored a whole octet at a time.
public struct EXIWriter {
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let capacity: Int
    /// Octets already stored.
    @usableFromInline var byteCount: Int
    @usableFromInline var accumulator: UInt64
    /// Bits pending in `accumulator` (always < 8 between calls).
    @usableFromInline var pendingBits: Int
    public let schema: StaticString

    @inlinable
    public init(_ buffer: UnsafeMutableRawBufferPointer, schema: StaticString) {
        if let address = buffer.baseAddress {
            base = address
        } else {
            // an empty buffer: any non-null address (nothing is ever read or written through it)
            guard let address = UnsafeMutableRawPointer(bitPattern: 0x10) else { fatalError("no address") }
            base = address
        }
        capacity = buffer.count
        byteCount = 0
        accumulator = 0
        pendingBits = 0
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

    /// EXI §7.1.10 String, always as a literal: length + 2, then the code points. V2G peers write
    /// strings this way (Josev's EXIficient setup and cbexigen never send string-table hits, and byte
    /// equality with Josev is the test), so the writer keeps no string table; the reader still resolves
    /// hits (§7.3.3) from any peer that sends them.
    @inlinable
    public mutating func writeString<let n: Int>(_ value: borrowing EXIString<n>) throws(EXIError) {
        try writeUnsigned(UInt64(value.scalarCount) &+ 2)
        var offset = 0
        let bytes = Int(value.count)
        while offset < bytes {
            let (scalar, size) = value.scalar(at: offset)
            try writeUnsigned(UInt64(scalar))
            offset &+= size
        }
    }

    /// Pads the last octet with zero bits (EXI §7.1: bit-packed streams end on an octet boundary) and
    /// returns the number of octets written.
    @inlinable
    public mutating func finish() throws(EXIError) -> Int {
        if pendingBits > 0 { try writeBits(0, 8 &- pendingBits) }
        return byteCount
    }
}
