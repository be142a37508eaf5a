/// Storage for the items of long lists beyond their inline part (issue 15): a schedule of 1024 PMax entries
/// or an ISO 15118-20 power profile of 2048 entries would make every message value megabytes if held
/// inline, so such a list (`EXISpillList`) keeps its first items in the message and the rest here.
///
/// Reserved once, by whoever keeps the messages (an SECC per session, a tool per run), and reset before each
/// decode, so a message at the schema's maxOccurs decodes with no heap allocation. The bytes are allocated in
/// `init` and written only when a list spills: a block this large is an anonymous mapping of its own (glibc's
/// mmap threshold), whose pages become resident only when a long list is decoded into them. The worst case
/// of each schema is generated (`<Family>ListArena.worstCaseBytes`, README "Bounds").
///
/// Lists hold pointers into the arena: a message decoded with it stays valid until the arena is reset (the
/// next decode with it) or released. Items must be plain values (no references), as every generated type is.
public final class EXIListArena: @unchecked Sendable {
    /// Bytes available to lists.
    public let capacity: Int
    /// What the codecs and lists use (a pointer to the arena's state: no reference counting in the codecs).
    public let handle: Handle
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let state: UnsafeMutablePointer<EXIListArenaState>

    /// An arena of `capacity` bytes (a schema's `worstCaseBytes` holds any message of it).
    public init(capacity: Int) {
        let bytes = capacity < 0 ? 0 : capacity
        self.capacity = bytes
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes < 16 ? 16 : bytes, alignment: 16)
        state = UnsafeMutablePointer<EXIListArenaState>.allocate(capacity: 1)
        state.initialize(to: EXIListArenaState(base: UInt(bitPattern: base), capacity: bytes, used: 0, highWater: 0))
        handle = Handle(address: UInt(bitPattern: state))
    }

    deinit {
        base.deallocate()
        state.deallocate()
    }

    /// Forgets every list stored here (the codecs do it before each decode).
    public func reset() { handle.reset() }
    /// Bytes taken since the last reset.
    public var used: Int { state.pointee.used }
    /// The most bytes ever taken between two resets.
    public var highWater: Int { state.pointee.highWater }

    /// Bytes a list reserves for `items` items of `stride` bytes beyond its inline part (16-byte aligned).
    @inlinable
    public static func bytes(items: Int, stride: Int) -> Int { EXIListArenaHandle.bytes(items: items, stride: stride) }

    /// The largest of `sizes` (the generated worst-case tables: a choice needs its largest alternative).
    public static func largest(_ sizes: [Int]) -> Int { sizes.max() ?? 0 }

    /// The arena as the codecs see it.
    public typealias Handle = EXIListArenaHandle
}

/// What an `EXIListArena` has taken of its bytes (public for the codecs' inlined code; use the arena's API).
public struct EXIListArenaState {
    @usableFromInline var base: UInt
    @usableFromInline var capacity: Int
    @usableFromInline var used: Int
    @usableFromInline var highWater: Int
}

/// An `EXIListArena` as the codecs see it: the address of its state (a plain integer, so no reference counting
/// and no optional in the codecs' inlined code, which the `@_noAllocation` checker refuses); `.none` is no arena.
public struct EXIListArenaHandle: @unchecked Sendable {
    @usableFromInline let address: UInt

    @inlinable
    init(address: UInt) { self.address = address }

    /// No arena: lists stay within their inline part.
    @inlinable
    public static var none: EXIListArenaHandle { EXIListArenaHandle(address: 0) }

    @inlinable
    public var isNone: Bool { address == 0 }

    @inlinable
    var state: UnsafeMutablePointer<EXIListArenaState> {
        UnsafeMutablePointer<EXIListArenaState>(bitPattern: address).unsafelyUnwrapped
    }

    @inlinable
    public func reset() {
        if address != 0 { state.pointee.used = 0 }
    }

    /// Bytes a list reserves for `items` items of `stride` bytes beyond its inline part (16-byte aligned).
    @inlinable
    public static func bytes(items: Int, stride: Int) -> Int { (items &* stride &+ 15) & ~15 }

    /// Bytes still free.
    @inlinable
    public var available: Int {
        if address == 0 { return 0 }
        return state.pointee.capacity &- state.pointee.used
    }

    /// The address of `bytes` (a multiple of 16) at a 16-byte boundary, or 0 when there is no room.
    @inlinable
    public func reserve(_ bytes: Int) -> UInt {
        if address == 0 { return 0 }
        let s = state
        guard bytes >= 0, s.pointee.capacity &- s.pointee.used >= bytes else { return 0 }
        let p = s.pointee.base &+ UInt(bitPattern: s.pointee.used)
        s.pointee.used &+= bytes
        if s.pointee.used > s.pointee.highWater { s.pointee.highWater = s.pointee.used }
        return p
    }
}

/// A list with up to `maxOccurs` items (the schema's bound): the first `inlineCapacity` are stored in the
/// value, the rest in an `EXIListArena` given when the list grows past them (decode: the arena passed to the
/// codec). The first item beyond the inline part reserves room for all of them up to `maxOccurs`, so lists
/// nested in the items reserve after it and never interleave. Same interface as `EXIList` otherwise.
public struct EXISpillList<let inlineCapacity: Int, let maxOccurs: Int, Element: EXIDefaultValue & Equatable>:
    EXIDefaultValue, Equatable, @unchecked Sendable
{
    @usableFromInline var _count: Int
    @usableFromInline var storage: InlineArray<inlineCapacity, Element>
    @usableFromInline var spill: UInt  // address in the arena; 0: none

    @inlinable public var count: Int { _count }
    @inlinable public var isEmpty: Bool { _count == 0 }
    /// At the schema's maxOccurs.
    @inlinable public var isFull: Bool { _count == maxOccurs }
    /// Items beyond the inline part live in an arena.
    @inlinable public var isSpilled: Bool { _count > inlineCapacity }

    /// Arena bytes this list takes once it holds more than `inlineCapacity` items.
    @inlinable
    public static var spillBytes: Int {
        EXIListArenaHandle.bytes(items: maxOccurs &- inlineCapacity, stride: MemoryLayout<Element>.stride)
    }

    @inlinable
    public init() {
        _count = 0
        storage = InlineArray(repeating: Element())
        spill = 0
    }

    /// The items, or nil when there are more than fit (`inlineCapacity` without an arena, else `maxOccurs`
    /// or the arena's room).
    public init?(_ items: some Sequence<Element>, spillingInto arena: EXIListArenaHandle = .none) {
        self.init()
        for item in items {
            guard append(item, spillingInto: arena) else { return nil }
        }
    }

    /// Appends; false (and nothing appended) at maxOccurs, or past the inline part when `arena` is `.none` or full.
    @inlinable
    @discardableResult
    public mutating func append(_ item: Element, spillingInto arena: EXIListArenaHandle) -> Bool {
        if _count < inlineCapacity {
            storage[_count] = item
            _count &+= 1
            return true
        }
        guard _count < maxOccurs else { return false }
        if _count == inlineCapacity {
            // plain values only: the arena is reset without deinitialising what it held
            guard _isPOD(Element.self) else { return false }
            spill = arena.reserve(Self.spillBytes)
        }
        if spill == 0 { return false }
        // plain values: stored as bytes at the item's offset (no binding, no deinitialisation on reset)
        itemAddress(_count).storeBytes(of: item, as: Element.self)
        _count &+= 1
        return true
    }

    /// Appends within the inline part only (no arena); false when it is full.
    @inlinable
    @discardableResult
    public mutating func append(_ item: Element) -> Bool { append(item, spillingInto: .none) }

    /// Empties the list (its arena room, if any, is given back when the arena is reset).
    @inlinable
    public mutating func removeAll() {
        _count = 0
        spill = 0
    }

    /// Where item `index` (≥ `inlineCapacity`) lies in the arena.
    @inlinable
    func itemAddress(_ index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: spill &+ UInt(bitPattern: (index &- inlineCapacity) &* MemoryLayout<Element>.stride))
            .unsafelyUnwrapped
    }

    @inlinable
    public subscript(index: Int) -> Element {
        get {
            guard index >= 0, index < _count else { fatalError("EXISpillList index out of range") }
            if index < inlineCapacity { return storage[index] }
            return itemAddress(index).load(as: Element.self)
        }
        _modify {
            guard index >= 0, index < _count else { fatalError("EXISpillList index out of range") }
            if index < inlineCapacity {
                yield &storage[index]
            } else {
                yield &itemAddress(index).assumingMemoryBound(to: Element.self).pointee
            }
        }
    }

    public var items: [Element] { (0..<_count).map { self[$0] } }

    @inlinable
    public static func == (a: EXISpillList, b: EXISpillList) -> Bool {
        guard a._count == b._count else { return false }
        var i = 0
        while i < a._count {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }
}
