import CoreTypes
import OCPP16
import ServiceLink

/// One charging session as the service plane saw it, written as one JSON line per session (issue 20
/// item 4; seed 003's per-session metrics record): when, how long, energy, the car's state of charge
/// at both ends, the peaks, why it ended and the decode errors.
public struct SessionRecord: Sendable, Equatable {
    public var number: Int
    /// Loop time (s since the loop's clock origin) at the first and last snapshot of the session.
    public var startedAt: Double
    public var endedAt: Double
    public var energyWattHours: Double
    public var socStart: UInt8?
    public var socEnd: UInt8?
    public var peakVolts: Double
    public var peakAmps: Double
    public var stopReason: String
    public var completed: Bool
    public var decodeErrors: Int
    public var pilotFaults: Int

    /// The JSON line (no newline), members in this order.
    public var json: JSON {
        .object([
            ("session", .number(Double(number))),
            ("started_s", .number(Self.rounded(startedAt))),
            ("ended_s", .number(Self.rounded(endedAt))),
            ("duration_s", .number(Self.rounded(endedAt - startedAt))),
            ("energy_wh", .number(Self.rounded(energyWattHours))),
            ("soc_start", socStart.map { .number(Double($0)) } ?? .null),
            ("soc_end", socEnd.map { .number(Double($0)) } ?? .null),
            ("peak_volts", .number(Self.rounded(peakVolts))),
            ("peak_amps", .number(Self.rounded(peakAmps))),
            ("stop_reason", .string(stopReason)),
            ("completed", .bool(completed)),
            ("decode_errors", .number(Double(decodeErrors))),
            ("cp_faults", .number(Double(pilotFaults))),
        ])
    }

    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}

/// Builds `SessionRecord`s from the loop's snapshots: a session opens when the loop's
/// `sessionsStarted` counter moves and closes when `sessionsEnded` catches up, so a session shorter
/// than the snapshot period is still recorded (the counters are kept tick by tick).
public struct SessionRecordKeeper: Sendable {
    public private(set) var open: SessionRecord?
    private var startFaults: UInt64 = 0
    private var last = LoopCounters()
    private var count = 0

    public init() {}

    /// Feeds one snapshot; returns the record of a session that ended with it.
    public mutating func take(_ s: FactsSnapshot) -> SessionRecord? {
        let t = Double(s.at.nanoseconds) / 1e9
        var finished: SessionRecord?
        if s.counters.sessionsStarted > last.sessionsStarted, open == nil {
            count += 1
            startFaults = s.counters.pilotFaults
            open = SessionRecord(number: count, startedAt: t, endedAt: t, energyWattHours: 0, socStart: s.soc, socEnd: s.soc,
                                 peakVolts: 0, peakAmps: 0, stopReason: "running", completed: false, decodeErrors: 0,
                                 pilotFaults: 0)
        }
        if var r = open {
            r.endedAt = t
            r.energyWattHours = s.sessionEnergyWattHours
            if r.socStart == nil { r.socStart = s.soc }
            if let soc = s.soc { r.socEnd = soc }
            r.peakVolts = max(r.peakVolts, s.volts)
            r.peakAmps = max(r.peakAmps, s.amps)
            r.decodeErrors = Int(s.sessionDecodeErrors)
            r.pilotFaults = Int(s.counters.pilotFaults - startFaults)
            if s.counters.sessionsEnded >= s.counters.sessionsStarted {
                r.stopReason = "\(s.v2gStop)"
                r.completed = s.counters.sessionsCompleted > last.sessionsCompleted
                finished = r
                open = nil
            } else {
                open = r
            }
        }
        last = s.counters
        return finished
    }
}
