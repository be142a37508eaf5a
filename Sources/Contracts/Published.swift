import ControlLoop
import CoreTypes

/// One fact on the `ChargerFacts` board: the value its single writer last published, and the tick
/// that published it.
///
/// Timing promise: writers publish every tick they run (not only on change), in the loop's fixed
/// controller order, so a reader sees the value published in the same tick (writer registered
/// before it) or the previous tick (writer after it) — never an older one unless the writer
/// stopped. `age(in:)` tells a reader which; anything older than one tick means the writer is not
/// running, and a safety reader treats that as a fault. There is no queue: a fact is a level, not an
/// event, so a slow reader can miss a change but never acts on a stale entry. Fixed size, copied by
/// value, never allocates (generic, so the `@_noAllocation` checker cannot see it; the malloc-count
/// test of the whole composition does).
@frozen
public struct Published<Value: BitwiseCopyable>: BitwiseCopyable {
    /// The value last published.
    @inlinable public var value: Value { _value }
    /// The tick that published `value` (`UInt64.max` until the first publication).
    @inlinable public var tick: UInt64 { _tick }
    /// When that tick started.
    @inlinable public var at: MonotonicInstant { _at }
    @usableFromInline var _value: Value
    @usableFromInline var _tick: UInt64
    @usableFromInline var _at: MonotonicInstant

    @inlinable public init(_ initial: Value) {
        _value = initial
        _tick = .max
        _at = .zero
    }

    /// True once the writer has published at least once.
    @inlinable public var hasBeenPublished: Bool { tick != .max }

    /// Publishes `value` as of the tick `context` describes.
    @inlinable
    public mutating func publish(_ value: Value, _ context: TickContext) {
        _value = value
        _tick = context.index
        _at = context.now
    }

    /// Publishes outside a running loop (tools and tests that play the writer, start-up values).
    @inlinable
    public mutating func publish(_ value: Value, tick: UInt64, at: MonotonicInstant) {
        _value = value
        _tick = tick
        _at = at
    }

    /// Ticks since publication as seen from `context` (nil before the first publication). 0: this
    /// tick; 1: the previous tick; more: the writer did not run.
    @inlinable
    public func age(in context: TickContext) -> UInt64? {
        guard tick != .max else { return nil }
        return context.index >= tick ? context.index - tick : 0
    }

    /// Published this tick or the previous one (the contract's promise while the writer runs).
    @inlinable
    public func isCurrent(in context: TickContext) -> Bool {
        guard let a = age(in: context) else { return false }
        return a <= 1
    }
}
