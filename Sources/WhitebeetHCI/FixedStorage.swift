/// Text of a `str8` field (EVSE IDs ≤ 38 characters, EVCC IDs, firmware versions; whitebeet-hci.md
/// §0.2, §11.1) held inline, so messages carrying it never allocate.
public struct HCIText: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public static let capacity = 48
    @usableFromInline var storage = InlineArray<48, UInt8>(repeating: 0)
    public internal(set) var count = 0

    public init() {}

    /// The first `capacity` bytes of `text` (UTF-8).
    public init(_ text: String) {
        for b in text.utf8.prefix(Self.capacity) {
            storage[count] = b
            count += 1
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public subscript(i: Int) -> UInt8 { storage[i] }

    public var string: String {
        var bytes: [UInt8] = []
        for i in 0 ..< count { bytes.append(storage[i]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { string }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0 ..< a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for i in 0 ..< count { h.combine(storage[i]) }
    }
}

/// A `list8(u8)` of enumeration codes (protocols, payment methods, energy transfer modes; §11.1).
public struct CodeList: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public static let capacity = 8
    @usableFromInline var storage = InlineArray<8, UInt8>(repeating: 0)
    public internal(set) var count = 0

    public init() {}

    public init(arrayLiteral elements: UInt8...) {
        for e in elements.prefix(Self.capacity) { append(e) }
    }

    /// False when full.
    @discardableResult
    public mutating func append(_ code: UInt8) -> Bool {
        guard count < Self.capacity else { return false }
        storage[count] = code
        count += 1
        return true
    }

    public subscript(i: Int) -> UInt8 { storage[i] }

    public func contains(_ code: UInt8) -> Bool {
        for i in 0 ..< count where storage[i] == code { return true }
        return false
    }

    public var description: String { "[" + (0 ..< count).map { String(storage[$0]) }.joined(separator: ", ") + "]" }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0 ..< a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }

    public func hash(into h: inout Hasher) {
        h.combine(count)
        for i in 0 ..< count { h.combine(storage[i]) }
    }
}

/// Up to `capacity` items held inline (schedule entries, profile entries): a fixed bound instead of
/// an array, so decoding never allocates; a longer list on the wire is `tooManyItems`.
public struct FixedList<let capacity: Int, Element: Equatable & BitwiseCopyable & Sendable>: Equatable, Sendable, BitwiseCopyable, CustomStringConvertible {
    @usableFromInline var storage = InlineArray<capacity, Element?>(repeating: nil)
    public private(set) var count = 0

    public init() {}

    public init(_ items: [Element]) {
        for e in items.prefix(capacity) { append(e) }
    }

    /// False when full.
    @discardableResult
    public mutating func append(_ item: Element) -> Bool {
        guard count < capacity else { return false }
        storage[count] = item
        count += 1
        return true
    }

    public subscript(i: Int) -> Element { storage[i]! }

    public var description: String { "[" + (0 ..< count).map { "\(self[$0])" }.joined(separator: ", ") + "]" }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0 ..< a.count where a.storage[i] != b.storage[i] { return false }
        return true
    }
}
