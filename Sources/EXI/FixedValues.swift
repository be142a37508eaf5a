/// A value every generated type and field type can start from (zeros, empty, first enumeration value),
/// so fixed-capacity storage can be filled before decoding into it.
public protocol EXIDefaultValue {
    init()
}

extension Bool: EXIDefaultValue {}
extension Int8: EXIDefaultValue {}
extension Int16: EXIDefaultValue {}
extension Int32: EXIDefaultValue {}
extension Int64: EXIDefaultValue {}
extension UInt8: EXIDefaultValue {}
extension UInt16: EXIDefaultValue {}
extension UInt32: EXIDefaultValue {}
extension UInt64: EXIDefaultValue {}

/// A string of at most `capacity` characters (Unicode scalars) stored inline (xs:string and derived types).
/// The capacity is the schema's `maxLength`, which counts characters (XML Schema Part 2 §4.3.3), or a
/// documented cap where the schema has none. The storage holds the UTF-8 form: 4 bytes per character of
/// capacity, the longest UTF-8 form of a scalar, so every string of `capacity` characters fits (issue 15).
public struct EXIString<let capacity: Int>: EXIDefaultValue, Equatable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// UTF-8 bytes in use.
    public var count: UInt16
    /// `4 × capacity` bytes, in order (each inner array is 4 consecutive bytes).
    @usableFromInline var storage: InlineArray<capacity, InlineArray<4, UInt8>>

    /// UTF-8 bytes the storage holds.
    @inlinable public static var byteCapacity: Int { capacity &* 4 }

    @inlinable
    public init() {
        count = 0
        storage = InlineArray(repeating: InlineArray(repeating: 0))
    }

    /// The string, or nil when it has more than `capacity` characters.
    public init?(_ string: String) {
        self.init()
        guard string.unicodeScalars.count <= capacity else { return nil }
        var n = 0
        for byte in string.utf8 {
            guard n < Self.byteCapacity else { return nil }
            self[byte: n] = byte
            n += 1
        }
        count = UInt16(n)
    }

    /// Traps when the literal does not fit: literals are the programmer's.
    public init(stringLiteral value: String) {
        guard let s = EXIString(value) else { fatalError("string literal longer than capacity \(capacity)") }
        self = s
    }

    /// UTF-8 byte `index` of the storage (< `byteCapacity`).
    @inlinable
    subscript(byte index: Int) -> UInt8 {
        @inline(__always) get { storage[index &>> 2][index & 3] }
        @inline(__always) set { storage[index &>> 2][index & 3] = newValue }
    }

    public var string: String {
        String(decoding: (0..<Int(count)).map { self[byte: $0] }, as: UTF8.self)
    }

    public var description: String { string }

    /// Characters (Unicode scalars): what the schema's length facets count.
    @inlinable
    public var scalarCount: Int {
        var n = 0
        var i = 0
        let end = Int(count)
        while i < end {
            if self[byte: i] & 0xC0 != 0x80 { n &+= 1 }
            i &+= 1
        }
        return n
    }

    /// The scalar starting at byte `offset` and its UTF-8 size (the bytes are valid UTF-8 by construction).
    @inlinable
    func scalar(at offset: Int) -> (UInt32, Int) {
        let b0 = UInt32(self[byte: offset])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0, offset &+ 1 < Int(count) {
            return (((b0 & 0x1F) &<< 6) | (UInt32(self[byte: offset &+ 1]) & 0x3F), 2)
        }
        if b0 < 0xF0, offset &+ 2 < Int(count) {
            return (((b0 & 0x0F) &<< 12) | ((UInt32(self[byte: offset &+ 1]) & 0x3F) &<< 6)
                | (UInt32(self[byte: offset &+ 2]) & 0x3F), 3)
        }
        if offset &+ 3 < Int(count) {
            return (((b0 & 0x07) &<< 18) | ((UInt32(self[byte: offset &+ 1]) & 0x3F) &<< 12)
                | ((UInt32(self[byte: offset &+ 2]) & 0x3F) &<< 6) | (UInt32(self[byte: offset &+ 3]) & 0x3F), 4)
        }
        return (b0, 1)
    }

    @inlinable
    mutating func storeScalar(_ c: UInt32, at offset: Int, size: Int) {
        switch size {
        case 1:
            self[byte: offset] = UInt8(truncatingIfNeeded: c)
        case 2:
            self[byte: offset] = UInt8(truncatingIfNeeded: 0xC0 | (c &>> 6))
            self[byte: offset &+ 1] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
        case 3:
            self[byte: offset] = UInt8(truncatingIfNeeded: 0xE0 | (c &>> 12))
            self[byte: offset &+ 1] = UInt8(truncatingIfNeeded: 0x80 | ((c &>> 6) & 0x3F))
            self[byte: offset &+ 2] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
        default:
            self[byte: offset] = UInt8(truncatingIfNeeded: 0xF0 | (c &>> 18))
            self[byte: offset &+ 1] = UInt8(truncatingIfNeeded: 0x80 | ((c &>> 12) & 0x3F))
            self[byte: offset &+ 2] = UInt8(truncatingIfNeeded: 0x80 | ((c &>> 6) & 0x3F))
            self[byte: offset &+ 3] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
        }
    }

    @inlinable
    public static func == (a: EXIString, b: EXIString) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < Int(a.count) {
            if a[byte: i] != b[byte: i] { return false }
            i &+= 1
        }
        return true
    }
}

/// Octets of at most `capacity` bytes stored inline (xs:hexBinary, xs:base64Binary).
public struct EXIBytes<let capacity: Int>: EXIDefaultValue, Equatable, Sendable, CustomStringConvertible {
    public var count: UInt16
    @usableFromInline var storage: InlineArray<capacity, UInt8>

    @inlinable
    public init() {
        count = 0
        storage = InlineArray(repeating: 0)
    }

    /// The bytes, or nil when there are more than `capacity`.
    public init?(_ bytes: some Sequence<UInt8>) {
        self.init()
        var n = 0
        for byte in bytes {
            guard n < capacity else { return nil }
            storage[n] = byte
            n += 1
        }
        count = UInt16(n)
    }

    /// The byte at `index` (< `count`).
    @inlinable
    public subscript(index: Int) -> UInt8 {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    public var bytes: [UInt8] { (0..<Int(count)).map { storage[$0] } }

    /// Upper-case hex, as the JSON of xs:hexBinary.
    public var description: String { Hex.encode(bytes) }

    @inlinable
    public static func == (a: EXIBytes, b: EXIBytes) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < Int(a.count) {
            if a.storage[i] != b.storage[i] { return false }
            i &+= 1
        }
        return true
    }
}

/// At most `capacity` items stored inline: an element with maxOccurs > 1. The capacity is the schema's
/// maxOccurs, or a documented cap where that is unbounded or too large to keep on the stack.
public struct EXIList<let capacity: Int, Element: EXIDefaultValue & Equatable>: EXIDefaultValue, Equatable {
    @usableFromInline var _count: Int
    @inlinable public var count: Int { _count }
    @usableFromInline var storage: InlineArray<capacity, Element>

    @inlinable
    public init() {
        _count = 0
        storage = InlineArray(repeating: Element())
    }

    /// The items, or nil when there are more than `capacity`.
    public init?(_ items: some Sequence<Element>) {
        self.init()
        for item in items {
            guard append(item) else { return nil }
        }
    }

    @inlinable
    public var isEmpty: Bool { count == 0 }

    @inlinable
    public var isFull: Bool { count == capacity }

    /// Appends; false (and nothing appended) when full.
    @inlinable
    @discardableResult
    public mutating func append(_ item: Element) -> Bool {
        guard count < capacity else { return false }
        storage[count] = item
        _count &+= 1
        return true
    }

    /// Empties the list.
    @inlinable
    public mutating func removeAll() { _count = 0 }

    /// Read as a borrow of the item where it is stored (`_read`): an item with a large payload (an ISO-2
    /// `SAScheduleTuple` holds its whole `PMaxSchedule`) is encoded in place, not copied out first.
    @inlinable
    public subscript(index: Int) -> Element {
        _read {
            guard index >= 0, index < count else { fatalError("EXIList index out of range") }
            yield storage[index]
        }
        _modify {
            guard index >= 0, index < count else { fatalError("EXIList index out of range") }
            yield &storage[index]
        }
    }

    /// Appends a default item and returns its index, for decoding in place; nil when full.
    @inlinable
    public mutating func appendDefault() -> Int? {
        guard count < capacity else { return nil }
        _count &+= 1
        return count &- 1
    }

    public var items: [Element] { (0..<count).map { storage[$0] } }

    @inlinable
    public static func == (a: EXIList, b: EXIList) -> Bool {
        guard a.count == b.count else { return false }
        var i = 0
        while i < a.count {
            if a.storage[i] != b.storage[i] { return false }
            i &+= 1
        }
        return true
    }
}

extension EXIList: Sendable where Element: Sendable {}
