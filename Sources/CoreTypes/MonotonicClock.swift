#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock, in nanoseconds since an arbitrary origin (boot on Linux).
///
/// Controllers compare instants and add durations every tick, so this is a plain 64-bit count:
/// no calendar, no allocation, and arithmetic the `@_noAllocation` checker accepts (stdlib `Duration`
/// arithmetic is not inlinable).
@frozen
public struct MonotonicInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    @inlinable public static var zero: MonotonicInstant { MonotonicInstant(nanoseconds: 0) }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }

    /// `self` moved forward by `d` (saturating).
    @inlinable public static func + (a: Self, d: Nanoseconds) -> Self {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(d.count)
        return Self(nanoseconds: overflow ? (d.count > 0 ? .max : .min) : sum)
    }

    @inlinable public static func - (a: Self, d: Nanoseconds) -> Self { a + Nanoseconds(-d.count) }

    /// The time from `b` to `a`.
    @inlinable public static func - (a: Self, b: Self) -> Nanoseconds { Nanoseconds(a.nanoseconds &- b.nanoseconds) }

    public var description: String { "t+\(Nanoseconds(nanoseconds))" }
}

/// A signed span of time in nanoseconds; the unit of every timer and measurement in ChargeKit.
@frozen
public struct Nanoseconds: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var count: Int64

    @inlinable public init(_ count: Int64) { self.count = count }

    @inlinable public static func nanoseconds(_ n: Int64) -> Self { Self(n) }
    @inlinable public static func microseconds(_ n: Int64) -> Self { Self(n * 1_000) }
    @inlinable public static func milliseconds(_ n: Int64) -> Self { Self(n * 1_000_000) }
    @inlinable public static func seconds(_ n: Int64) -> Self { Self(n * 1_000_000_000) }
    @inlinable public static var zero: Self { Self(0) }

    /// Converts a standard-library duration (for configuration, not the hot path).
    public init(_ duration: Duration) {
        let c = duration.components
        count = c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
    }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.count < b.count }
    @inlinable public static func + (a: Self, b: Self) -> Self { Self(a.count &+ b.count) }
    @inlinable public static func - (a: Self, b: Self) -> Self { Self(a.count &- b.count) }
    @inlinable public static func * (a: Self, k: Int64) -> Self { Self(a.count &* k) }

    public var milliseconds: Double { Double(count) / 1e6 }
    public var microseconds: Double { Double(count) / 1e3 }

    public var description: String {
        let a = count.magnitude
        if a >= 1_000_000_000 { return "\(Double(count) / 1e9) s" }
        if a >= 1_000_000 { return "\(Double(count) / 1e6) ms" }
        if a >= 1_000 { return "\(Double(count) / 1e3) µs" }
        return "\(count) ns"
    }
}

/// Where the runtime and the drivers read the time. The Linux clock is CLOCK_MONOTONIC; tests and the
/// `sim` board use `ManualClock`, which moves only when told, so timer behaviour is reproducible.
public protocol MonotonicClock: AnyObject {
    func now() -> MonotonicInstant
}

/// CLOCK_MONOTONIC: never jumps with NTP or a manual date change.
public final class SystemMonotonicClock: MonotonicClock {
    public init() {}

    public func now() -> MonotonicInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}

/// The simulated twin of the clock: starts at `start` and moves only by `advance(by:)`/`set(_:)`.
public final class ManualClock: MonotonicClock {
    public private(set) var current: MonotonicInstant

    public init(start: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000)) { current = start }

    public func now() -> MonotonicInstant { current }

    /// Moves the clock forward; never backwards (a monotonic clock cannot).
    public func advance(by d: Nanoseconds) {
        guard d.count > 0 else { return }
        current = current + d
    }

    /// Jumps to `instant` if it is later than now.
    public func set(_ instant: MonotonicInstant) {
        if instant > current { current = instant }
    }
}
