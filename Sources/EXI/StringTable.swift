/// The value string table of one EXI stream (EXI 1.0 §7.3.3): every string value written or read is
/// remembered once, in the global partition and in the local partition of its element or attribute
/// qname, so a repeat is sent as a short index. Entries point back at the characters in the stream
/// (bit offset + length) instead of copying them, so the table is small and fixed.
public struct StringTable {
    /// Distinct strings remembered per message (V2G peers send no hits, so literals beyond this are fine;
    /// a hit after the table overflowed is `EXIError.Kind.stringTableFull`). Small: it is set up per decode.
    /// (A computed constant, not a `static let`: a global's lazy initialiser is a call the allocation
    /// checker cannot see through.)
    @inlinable public static var capacity: Int { 64 }

    public struct Entry: Sendable {
        /// Qname of the element or attribute (numbered per schema family by the generator).
        public var partition: UInt16
        /// Characters.
        public var length: UInt16
        /// Bit offset of the first character's code point in the stream.
        public var bitOffset: UInt32

        @inlinable
        public init(partition: UInt16, length: UInt16, bitOffset: UInt32) {
            self.partition = partition
            self.length = length
            self.bitOffset = bitOffset
        }
    }

    @usableFromInline var entries: InlineArray<64, Entry>
    @usableFromInline var _count: Int
    @inlinable public var count: Int { _count }
    /// More distinct strings arrived than the table holds: later hits can no longer be resolved.
    public var overflowed: Bool

    @inlinable
    public init() {
        entries = InlineArray(repeating: Entry(partition: 0, length: 0, bitOffset: 0))
        _count = 0
        overflowed = false
    }

    @inlinable
    mutating func append(partition: UInt16, length: Int, bitOffset: Int) {
        entries[count] = Entry(partition: partition, length: UInt16(truncatingIfNeeded: length),
                               bitOffset: UInt32(truncatingIfNeeded: bitOffset))
        _count &+= 1
    }

    @inlinable
    func count(in partition: UInt16) -> Int {
        var n = 0
        var i = 0
        while i < count {
            if entries[i].partition == partition { n &+= 1 }
            i &+= 1
        }
        return n
    }

    @inlinable
    func entry(partition: UInt16, localIndex: Int) -> Entry? {
        var n = 0
        var i = 0
        while i < count {
            if entries[i].partition == partition {
                if n == localIndex { return entries[i] }
                n &+= 1
            }
            i &+= 1
        }
        return nil
    }

    /// Bits of a compact identifier among `count` entries: ⌈log2 count⌉ (EXI §7.3.3).
    @inlinable
    static func width(_ count: Int) -> Int {
        count <= 1 ? 0 : (Int.bitWidth &- (count &- 1).leadingZeroBitCount)
    }
}
