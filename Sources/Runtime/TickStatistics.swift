import HAL
import Histogram

/// Timing of the loop: how late each tick started (jitter) and how long it ran, in fixed-size HDR
/// histograms (allocated once; recording never allocates), plus overrun counts.
public struct TickStatistics: Sendable {
    /// Tick start minus its deadline, in ns.
    public private(set) var jitter: Histogram<UInt64>
    /// Time from tick start to the end of the last controller, in ns.
    public private(set) var duration: Histogram<UInt64>
    public private(set) var ticks: UInt64 = 0
    /// Ticks whose work ended after the next tick's deadline.
    public private(set) var overruns: UInt64 = 0
    /// Deadlines skipped entirely because a tick ran longer than a whole period.
    public private(set) var missedDeadlines: UInt64 = 0
    /// Wake-ups between ticks to service a readable descriptor.
    public private(set) var ioWakeups: UInt64 = 0
    /// Of those, wake-ups in which no source moved any data (each puts the sources it woke out of the
    /// poll set until the next tick, so there is at most one per source and tick).
    public private(set) var idleWakeups: UInt64 = 0
    /// Bytes and frames sources dropped because a receive queue stayed full (the sum of every
    /// source's `droppedForFullQueue` since the last reset, as of the last tick).
    public private(set) var droppedForFullQueue: UInt64 = 0

    /// Highest value kept exactly; longer values are recorded at this value.
    static let highest: UInt64 = 10_000_000_000

    public init() {
        jitter = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .two)
        duration = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highest, numberOfSignificantValueDigits: .two)
    }

    // Not annotated: HdrHistogram's in-place `record` is proven allocation-free by the malloc-count
    // test, but the checker cannot see through its array storage.
    mutating func record(lateness: Nanoseconds, duration d: Nanoseconds) {
        ticks &+= 1
        jitter.record(min(UInt64(clamping: lateness.count), Self.highest))
        duration.record(min(UInt64(clamping: d.count), Self.highest))
    }

    @_noAllocation @_noLocks
    mutating func recordOverrun(missed: UInt64) {
        overruns &+= 1
        missedDeadlines &+= missed
    }

    @_noAllocation @_noLocks
    mutating func recordWakeup() { ioWakeups &+= 1 }

    @_noAllocation @_noLocks
    mutating func recordIdleWakeup() { idleWakeups &+= 1 }

    @_noAllocation @_noLocks
    mutating func recordDropped(total: UInt64) { droppedForFullQueue = total }

    /// Forgets everything recorded (e.g. after start-up, to measure the steady state).
    public mutating func reset() {
        jitter.reset()
        duration.reset()
        ticks = 0
        overruns = 0
        missedDeadlines = 0
        ioWakeups = 0
        idleWakeups = 0
        droppedForFullQueue = 0
    }

    /// A printable, encodable summary.
    public var report: TickReport {
        TickReport(
            ticks: ticks, overruns: overruns, missedDeadlines: missedDeadlines, ioWakeups: ioWakeups,
            idleWakeups: idleWakeups, droppedForFullQueue: droppedForFullQueue,
            jitter: .init(jitter, empty: ticks == 0), duration: .init(duration, empty: ticks == 0))
    }
}

/// One source's share of the loop's I/O (`TickLoop.sourceStatistics`).
public struct IOSourceStatistics: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// Wake-ups in which this source's descriptor was ready.
    public var wakeups: UInt64
    /// Of those, the ones in which it moved nothing.
    public var idleWakeups: UInt64
    /// Bytes or frames it dropped because its receive queue stayed full.
    public var droppedForFullQueue: UInt64

    public init(name: String, wakeups: UInt64, idleWakeups: UInt64, droppedForFullQueue: UInt64) {
        self.name = name
        self.wakeups = wakeups
        self.idleWakeups = idleWakeups
        self.droppedForFullQueue = droppedForFullQueue
    }

    public var description: String {
        "\(name): wake-ups \(wakeups) (idle \(idleWakeups)), dropped for a full queue \(droppedForFullQueue)"
    }
}

/// Summary of a histogram in nanoseconds.
public struct Percentiles: Sendable, Codable, Equatable {
    public var min: UInt64
    public var median: UInt64
    public var p99: UInt64
    public var max: UInt64

    public init(min: UInt64, median: UInt64, p99: UInt64, max: UInt64) {
        self.min = min
        self.median = median
        self.p99 = p99
        self.max = max
    }

    init(_ h: Histogram<UInt64>, empty: Bool) {
        if empty {
            self.init(min: 0, median: 0, p99: 0, max: 0)
        } else {
            self.init(min: h.min, median: h.median, p99: h.valueAtPercentile(99.0), max: h.max)
        }
    }
}

/// What `boardctl` prints about the loop.
public struct TickReport: Sendable, Codable, Equatable, CustomStringConvertible {
    public var ticks: UInt64
    public var overruns: UInt64
    public var missedDeadlines: UInt64
    public var ioWakeups: UInt64
    /// Wake-ups that moved no data.
    public var idleWakeups: UInt64
    /// Bytes and frames dropped for a full receive queue.
    public var droppedForFullQueue: UInt64
    public var jitter: Percentiles
    public var duration: Percentiles

    public var description: String {
        func us(_ ns: UInt64) -> String {
            let v = Double(ns) / 1000
            return v < 10 ? String(format1: v) : String(Int(v.rounded()))
        }
        return """
            ticks \(ticks), overruns \(overruns), missed deadlines \(missedDeadlines), I/O wake-ups \(ioWakeups) (idle \(idleWakeups)), dropped for a full queue \(droppedForFullQueue)
            jitter µs   min \(us(jitter.min))  median \(us(jitter.median))  p99 \(us(jitter.p99))  max \(us(jitter.max))
            tick µs     min \(us(duration.min))  median \(us(duration.median))  p99 \(us(duration.p99))  max \(us(duration.max))
            """
    }
}

extension TickReport {
    /// One JSON object, keys in a fixed order (no Foundation needed).
    public var json: String {
        func p(_ x: Percentiles) -> String { #"{"min_ns":\#(x.min),"median_ns":\#(x.median),"p99_ns":\#(x.p99),"max_ns":\#(x.max)}"# }
        return #"{"ticks":\#(ticks),"overruns":\#(overruns),"missed_deadlines":\#(missedDeadlines),"io_wakeups":\#(ioWakeups),"idle_wakeups":\#(idleWakeups),"dropped_full_queue":\#(droppedForFullQueue),"jitter":\#(p(jitter)),"duration":\#(p(duration))}"#
    }
}

extension String {
    /// One decimal, without Foundation.
    init(format1 v: Double) {
        let tenths = Int((v * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
