import Synchronization

/// A fixed-capacity, lock-free, single-producer single-consumer ring of fixed-size values: the only
/// way the real-time loop and the service plane's thread exchange data. The storage is allocated once
/// at start-up; `push` and `pop` never allocate, never lock and never wait, so the loop's side stays
/// within its tick whatever the service plane does (issue 20 item 1).
///
/// One thread pushes, one thread pops. `tail` is written by the producer only, `head` by the consumer
/// only; a release store of one and an acquire load by the other publish the slot in between.
public final class SPSCRing<Element: BitwiseCopyable>: @unchecked Sendable {
    public let capacity: Int
    private let mask: Int
    private let slots: UnsafeMutablePointer<Element>
    /// Next slot to read (written by the consumer).
    private let head = Atomic<Int>(0)
    /// Next slot to write (written by the producer).
    private let tail = Atomic<Int>(0)
    /// Pushes refused because the ring was full (written by the producer).
    private let refused = Atomic<Int>(0)

    /// `capacity` is rounded up to a power of two.
    public init(capacity: Int, filler: Element) {
        var c = 1
        while c < max(capacity, 1) { c <<= 1 }
        self.capacity = c
        mask = c - 1
        slots = .allocate(capacity: c)
        slots.initialize(repeating: filler, count: c)
    }

    deinit { slots.deallocate() }

    /// Producer: appends `value`; false (and counted) when the ring is full.
    @inline(__always)
    public func push(_ value: Element) -> Bool {
        let t = tail.load(ordering: .relaxed)
        let h = head.load(ordering: .acquiring)
        if t &- h >= capacity {
            refused.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        slots[t & mask] = value
        tail.store(t &+ 1, ordering: .releasing)
        return true
    }

    /// Consumer: the oldest value, or nil when empty.
    @inline(__always)
    public func pop() -> Element? {
        let h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        if h == t { return nil }
        let value = slots[h & mask]
        head.store(h &+ 1, ordering: .releasing)
        return value
    }

    /// Values waiting (exact for either side's own view; a snapshot for anyone else).
    public var count: Int { tail.load(ordering: .acquiring) &- head.load(ordering: .acquiring) }

    /// Pushes refused since start (full ring): the consumer is not keeping up.
    public var refusedCount: Int { refused.load(ordering: .relaxed) }
}
