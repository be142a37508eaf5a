import CoreTypes

/// One timer a controller owns: armed with an absolute instant, tested once per tick. The building block
/// of every protocol timer (TT_match_sequence, V2G_SECC_Sequence_Timer, the CP debounce...): keep one
/// `Deadline` per timer, named after the requirement, next to its constant.
@frozen
public struct Deadline: Sendable, Equatable {
    /// The absolute expiry, nil when not armed.
    public var instant: MonotonicInstant? { _instant }
    @usableFromInline var _instant: MonotonicInstant?

    @inlinable public init() { _instant = nil }

    /// Arms the timer to expire `after` from `now` (re-arming replaces the old deadline).
    @_noAllocation @_noLocks @inlinable public mutating func arm(_ now: MonotonicInstant, after: Nanoseconds) { _instant = now + after }

    /// Arms the timer at an absolute instant.
    @_noAllocation @_noLocks @inlinable public mutating func arm(at instant: MonotonicInstant) { _instant = instant }

    @_noAllocation @_noLocks @inlinable public mutating func cancel() { _instant = nil }

    @inlinable public var isArmed: Bool { _instant != nil }

    /// True once `now` reaches the deadline (and stays true until cancelled or re-armed).
    @_noAllocation @_noLocks @inlinable public func hasExpired(_ now: MonotonicInstant) -> Bool {
        guard let instant = _instant else { return false }
        return now >= instant
    }

    /// True once when the deadline passes: disarms itself.
    @_noAllocation @_noLocks @inlinable public mutating func fire(_ now: MonotonicInstant) -> Bool {
        guard hasExpired(now) else { return false }
        _instant = nil
        return true
    }

    /// Time left (zero when expired, nil when not armed).
    @_noAllocation @_noLocks @inlinable public func remaining(_ now: MonotonicInstant) -> Nanoseconds? {
        guard let instant = _instant else { return nil }
        return instant > now ? instant - now : .zero
    }
}

/// A fixed set of timers identified by small integers, for a controller with many of them or for the
/// runtime itself: `nextExpired` hands them out in deadline order. Allocated once; arming, cancelling
/// and expiring never allocate.
public final class TimerSet {
    @usableFromInline let deadlines: UnsafeMutablePointer<Int64>
    public let capacity: Int
    @usableFromInline static let disarmed = Int64.max

    public init(capacity: Int) {
        guard capacity > 0 else { fatalError("TimerSet capacity must be positive") }
        self.capacity = capacity
        deadlines = .allocate(capacity: capacity)
        deadlines.initialize(repeating: Self.disarmed, count: capacity)
    }

    deinit { deadlines.deallocate() }

    /// Arms timer `id` (0..<capacity) at `instant`.
    @_noAllocation @_noLocks
    public func arm(_ id: Int, at instant: MonotonicInstant) {
        guard id >= 0, id < capacity else { fatalError("TimerSet id out of range") }
        deadlines[id] = instant.nanoseconds
    }

    @_noAllocation @_noLocks
    public func cancel(_ id: Int) {
        guard id >= 0, id < capacity else { fatalError("TimerSet id out of range") }
        deadlines[id] = Self.disarmed
    }

    @_noAllocation @_noLocks
    public func isArmed(_ id: Int) -> Bool {
        guard id >= 0, id < capacity else { return false }
        return deadlines[id] != Self.disarmed
    }

    /// The earliest armed deadline, or nil.
    @_noAllocation @_noLocks
    public func earliest() -> MonotonicInstant? {
        var best = Self.disarmed
        var i = 0
        while i < capacity {
            if deadlines[i] < best { best = deadlines[i] }
            i += 1
        }
        return best == Self.disarmed ? nil : MonotonicInstant(nanoseconds: best)
    }

    /// Disarms and returns the id of the earliest timer that has expired at `now`, or nil. Call in a
    /// loop to take every expired timer in deadline order.
    @_noAllocation @_noLocks
    public func nextExpired(_ now: MonotonicInstant) -> Int? {
        var best = Self.disarmed
        var id = -1
        var i = 0
        while i < capacity {
            let d = deadlines[i]
            if d <= now.nanoseconds, d < best {
                best = d
                id = i
            }
            i += 1
        }
        guard id >= 0 else { return nil }
        deadlines[id] = Self.disarmed
        return id
    }
}
