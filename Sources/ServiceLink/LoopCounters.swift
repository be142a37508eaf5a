import Contracts
import ControlLoop
import CoreTypes

/// What the metrics page needs that a snapshot every 50 ticks would miss (issue 20 item 4): counts of
/// edges seen tick by tick on the loop (sessions, CP faults, SLAC outcomes, decode errors) and a
/// fixed-bucket histogram of the loop's jitter. Counted by `ServiceBridge` on the loop thread in
/// place (fixed size, no allocation) and copied into every `FactsSnapshot`.
///
/// Jitter here is the deviation of one tick's start from the previous one's plus the period
/// (|interval − period|), which a controller can see without the loop's deadlines.
@frozen
public struct LoopCounters: Sendable, Equatable, BitwiseCopyable {
    /// Upper bounds of the jitter buckets, in ns (Prometheus `le`; the last bucket is +Inf).
    public static let jitterBounds: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) =
        (10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000, 10_000_000)
    public static let jitterBucketCount = 9

    public var ticks: UInt64 = 0
    /// Per-bucket (not cumulative) counts of the jitter; index 8 is above the last bound.
    public var jitterBuckets: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// Sum of the jitter samples in ns (for the histogram's `_sum`).
    public var jitterSumNanoseconds: UInt64 = 0
    public var jitterSamples: UInt64 = 0
    /// V2G sessions that began (phase left idle) and that ended, and of those the completed ones.
    public var sessionsStarted: UInt64 = 0
    public var sessionsEnded: UInt64 = 0
    public var sessionsCompleted: UInt64 = 0
    /// EXI/V2GTP decode errors over all sessions (the SECC's per-session counter, summed).
    public var decodeErrors: UInt64 = 0
    /// Control-pilot faults (a fault or emergency stop appearing on the pilot).
    public var pilotFaults: UInt64 = 0
    /// SLAC outcomes: matches and failures.
    public var slacMatches: UInt64 = 0
    public var slacFailures: UInt64 = 0

    private var lastAt: MonotonicInstant = .zero
    private var lastDecodeErrors: UInt16 = 0
    private var wasOpen = false
    private var wasFaulted = false
    private var wasMatched = false
    private var wasFailed = false

    public init() {}

    /// The jitter bucket (0…8) of a sample.
    @inlinable
    public static func bucket(_ ns: Int64) -> Int {
        let b = jitterBounds
        if ns <= b.0 { return 0 }
        if ns <= b.1 { return 1 }
        if ns <= b.2 { return 2 }
        if ns <= b.3 { return 3 }
        if ns <= b.4 { return 4 }
        if ns <= b.5 { return 5 }
        if ns <= b.6 { return 6 }
        if ns <= b.7 { return 7 }
        return 8
    }

    /// The count in bucket `i` (0…8).
    public func jitterCount(_ i: Int) -> UInt64 {
        withUnsafeBytes(of: jitterBuckets) { $0.load(fromByteOffset: i * 8, as: UInt64.self) }
    }

    /// The bound of bucket `i` in ns (0…7).
    public static func jitterBound(_ i: Int) -> Int64 {
        withUnsafeBytes(of: jitterBounds) { $0.load(fromByteOffset: i * 8, as: Int64.self) }
    }

    /// One tick: the interval since the last one, and the edges in the facts.
    public mutating func observe(_ facts: ChargerFacts, _ context: TickContext) {
        ticks &+= 1
        if lastAt != .zero {
            let deviation = abs((context.now - lastAt).count - context.period.count)
            withUnsafeMutableBytes(of: &jitterBuckets) { raw in
                let offset = Self.bucket(deviation) * 8
                raw.storeBytes(of: raw.load(fromByteOffset: offset, as: UInt64.self) &+ 1, toByteOffset: offset, as: UInt64.self)
            }
            jitterSumNanoseconds &+= UInt64(deviation)
            jitterSamples &+= 1
        }
        lastAt = context.now

        let v2g = facts.v2g.value
        let open = v2g.phase != .idle && !v2g.isFinished
        if open, !wasOpen { sessionsStarted &+= 1; lastDecodeErrors = 0 }
        if v2g.decodeErrors > lastDecodeErrors {
            decodeErrors &+= UInt64(v2g.decodeErrors - lastDecodeErrors)
        }
        lastDecodeErrors = v2g.decodeErrors
        if wasOpen, !open {
            sessionsEnded &+= 1
            if v2g.stopReason == .completed { sessionsCompleted &+= 1 }
        }
        wasOpen = open

        let pilot = facts.pilot.value
        let faulted = pilot.fault != nil || pilot.emergencyStop
        if faulted, !wasFaulted { pilotFaults &+= 1 }
        wasFaulted = faulted

        var matched = false, failed = false
        switch facts.plcLink.value {
        case .matched: matched = true
        case .failed: failed = true
        case .unmatched, .matching: break
        }
        if matched, !wasMatched { slacMatches &+= 1 }
        if failed, !wasFailed { slacFailures &+= 1 }
        wasMatched = matched
        wasFailed = failed
    }

    public static func == (a: LoopCounters, b: LoopCounters) -> Bool {
        (0..<jitterBucketCount).allSatisfy { a.jitterCount($0) == b.jitterCount($0) }
            && a.ticks == b.ticks && a.jitterSumNanoseconds == b.jitterSumNanoseconds && a.jitterSamples == b.jitterSamples
            && a.sessionsStarted == b.sessionsStarted && a.sessionsEnded == b.sessionsEnded
            && a.sessionsCompleted == b.sessionsCompleted && a.decodeErrors == b.decodeErrors
            && a.pilotFaults == b.pilotFaults && a.slacMatches == b.slacMatches && a.slacFailures == b.slacFailures
    }
}
