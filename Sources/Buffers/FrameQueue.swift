/// A fixed number of fixed-size frame slots in one allocation: the queue between a driver that
/// receives whole frames (raw Ethernet, QCA7000 SPI bursts, CAN-TP) and the controller that consumes
/// them one per tick.
///
/// `push` copies a frame into the next slot or refuses (counting `droppedFrames`) when every slot is
/// taken or the frame is longer than a slot (`oversizedFrames`). `front` lends the oldest frame
/// without copying; `popFront(into:)` moves it into a `FrameBuffer`.
public final class FrameQueue {
    @usableFromInline let storage: UnsafeMutableRawBufferPointer
    @usableFromInline let lengths: UnsafeMutablePointer<Int>
    /// Number of slots.
    public let slots: Int
    /// Largest frame one slot holds.
    public let maxFrameLength: Int
    @usableFromInline var head = 0
    public private(set) var count = 0
    /// Frames refused because every slot was taken.
    public private(set) var droppedFrames = 0
    /// Frames refused because they were longer than `maxFrameLength`.
    public private(set) var oversizedFrames = 0

    public init(slots: Int, maxFrameLength: Int) {
        guard slots > 0, maxFrameLength > 0 else { fatalError("FrameQueue needs slots and a frame length") }
        self.slots = slots
        self.maxFrameLength = maxFrameLength
        // Not zero-filled: a slot's bytes are read only up to the length its `push` wrote, and a large
        // queue's pages stay untouched (not resident) until frames arrive (issue 18, idle RSS).
        storage = .allocate(byteCount: slots * maxFrameLength, alignment: 16)
        lengths = .allocate(capacity: slots)
        lengths.initialize(repeating: 0, count: slots)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
    }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == slots }

    /// Copies `frame` into the next free slot. False when full or oversized (counted).
    @_noAllocation @_noLocks
    @discardableResult
    public func push(_ frame: borrowing RawSpan) -> Bool {
        guard frame.byteCount <= maxFrameLength else {
            oversizedFrames &+= 1
            return false
        }
        guard count < slots else {
            droppedFrames &+= 1
            return false
        }
        let slot = physical(count)
        let base = slot * maxFrameLength
        var i = 0
        while i < frame.byteCount {
            storage[base + i] = frame.unsafeLoad(fromByteOffset: i, as: UInt8.self)
            i += 1
        }
        lengths[slot] = frame.byteCount
        count += 1
        return true
    }

    /// The next free slot as raw memory, for a driver to receive into directly; follow with
    /// `commitPush(length:)`. Nil when full (counted as a dropped frame only if the driver says so by
    /// calling `noteDropped()`).
    @_noAllocation @_noLocks
    public func unsafeNextSlot() -> UnsafeMutableRawBufferPointer? {
        guard count < slots else { return nil }
        let base = physical(count) * maxFrameLength
        return UnsafeMutableRawBufferPointer(rebasing: storage[base..<(base + maxFrameLength)])
    }

    /// Queues the frame a driver wrote into `unsafeNextSlot()`.
    @_noAllocation @_noLocks
    public func commitPush(length: Int) {
        guard count < slots, length >= 0, length <= maxFrameLength else { fatalError("commitPush without a slot") }
        lengths[physical(count)] = length
        count += 1
    }

    /// Counts a frame the driver had to throw away because the queue was full.
    @_noAllocation @_noLocks
    public func noteDropped() { droppedFrames &+= 1 }

    /// Length of the oldest frame, or nil when empty.
    @_noAllocation @_noLocks
    public func frontLength() -> Int? { count > 0 ? lengths[head] : nil }

    /// The oldest frame, lent without copying; empty span when the queue is empty.
    public var front: RawSpan {
        @_lifetime(borrow self)
        get {
            let base = head * maxFrameLength
            let n = count > 0 ? lengths[head] : 0
            let span = RawSpan(_unsafeBytes: UnsafeRawBufferPointer(rebasing: storage[base..<(base + n)]))
            return _overrideLifetime(span, borrowing: self)
        }
    }

    /// Moves the oldest frame into `buffer`. False when empty (or the buffer is too small: the frame
    /// then stays queued).
    @_noAllocation @_noLocks
    @discardableResult
    public func popFront(into buffer: FrameBuffer) -> Bool {
        guard count > 0 else { return false }
        let n = lengths[head]
        guard n <= buffer.capacity else { return false }
        let base = head * maxFrameLength
        let dst = buffer.storage
        var i = 0
        while i < n {
            dst[i] = storage[base + i]
            i += 1
        }
        buffer.setCount(n)
        dropFront()
        return true
    }

    /// Removes the oldest frame.
    @_noAllocation @_noLocks
    public func dropFront() {
        guard count > 0 else { return }
        head = head + 1 == slots ? 0 : head + 1
        count -= 1
    }

    /// Empties the queue.
    @_noAllocation @_noLocks
    public func removeAll() {
        head = 0
        count = 0
    }

    @inline(__always) @usableFromInline
    func physical(_ offset: Int) -> Int {
        let p = head + offset
        return p >= slots ? p - slots : p
    }
}
