/// A fixed-capacity FIFO of plain values (CAN frames, CP readings, controller events).
///
/// Storage is allocated once; `push` refuses when full rather than growing (and counts the refusal in
/// `droppedCount`), so the owner decides what overflow means: drop the newest, or `pushOverwriting` to
/// drop the oldest. Elements are `BitwiseCopyable`, so moving them in and out never retains anything.
/// Methods are inlinable: a concrete `RingBuffer<CANFrame>` used from an `@_noAllocation` function
/// is specialized there and checked by the compiler.
public final class RingBuffer<Element: BitwiseCopyable> {
    @usableFromInline let storage: UnsafeMutablePointer<Element>
    public let capacity: Int
    @usableFromInline var head = 0
    @usableFromInline var _count = 0
    @usableFromInline var _dropped = 0

    /// Creates an empty buffer of `capacity` slots, each initialised to `filler`.
    public init(capacity: Int, filler: Element) {
        guard capacity > 0 else { fatalError("RingBuffer capacity must be positive") }
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: filler, count: capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var count: Int { _count }
    @inlinable public var isEmpty: Bool { _count == 0 }
    @inlinable public var isFull: Bool { _count == capacity }
    /// Pushes refused because the buffer was full.
    @inlinable public var droppedCount: Int { _dropped }

    /// Appends `value`; false (and counted as dropped) when full.
    @inlinable @discardableResult
    public func push(_ value: Element) -> Bool {
        guard _count < capacity else {
            _dropped &+= 1
            return false
        }
        storage[slot(_count)] = value
        _count += 1
        return true
    }

    /// Appends `value`, dropping the oldest element when full (counted as dropped).
    @inlinable
    public func pushOverwriting(_ value: Element) {
        if _count == capacity {
            head = slot(1)
            _count -= 1
            _dropped &+= 1
        }
        storage[slot(_count)] = value
        _count += 1
    }

    /// Removes and returns the oldest element.
    @inlinable
    public func pop() -> Element? {
        guard _count > 0 else { return nil }
        let v = storage[head]
        head = slot(1)
        _count -= 1
        return v
    }

    /// The element `offset` places after the oldest, without removing it.
    @inlinable
    public func peek(at offset: Int = 0) -> Element? {
        guard offset >= 0, offset < _count else { return nil }
        return storage[slot(offset)]
    }

    /// Empties the buffer.
    @inlinable
    public func removeAll() {
        head = 0
        _count = 0
    }

    @inlinable @inline(__always)
    func slot(_ offset: Int) -> Int {
        let p = head + offset
        return p >= capacity ? p - capacity : p
    }
}
