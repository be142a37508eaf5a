import OCPP16
import ServiceLink

/// The JSON views of the charger (issue 20 item 3; seed 003's `/vehicle/live` and `/hlc/status`
/// style): each a small object built from the newest `FactsSnapshot`. JSON text comes from the
/// OCPP codec's `JSON` value, the project's one RFC 8259 writer on the service plane.
public enum StatusViews {
    static func num(_ x: Double) -> JSON { x.isFinite ? .number((x * 1000).rounded() / 1000) : .null }

    public static func pilot(_ s: FactsSnapshot) -> JSON {
        .object([("state", .string("\(s.pilot)")), ("fault", .bool(s.pilotFault)), ("vehicle_connected", .bool(s.vehicleConnected))])
    }

    public static func slac(_ s: FactsSnapshot) -> JSON {
        .object([("matched", .bool(s.plcMatched)), ("matches", .number(Double(s.counters.slacMatches))),
                 ("failures", .number(Double(s.counters.slacFailures)))])
    }

    public static func v2g(_ s: FactsSnapshot) -> JSON {
        .object([("phase", .string("\(s.v2gPhase)")), ("stop_reason", .string("\(s.v2gStop)")),
                 ("authorization", .string("\(s.authorization)")), ("decode_errors", .number(Double(s.sessionDecodeErrors)))])
    }

    public static func power(_ s: FactsSnapshot) -> JSON {
        .object([("phase", .string("\(s.powerPhase)")), ("fault", s.powerFault.map { .string("\($0)") } ?? .null),
                 ("out_of_service", s.outOfService.map { .string("\($0)") } ?? .null),
                 ("active", .bool(s.powerActive)), ("volts", num(s.volts)), ("amps", num(s.amps)), ("watts", num(s.watts)),
                 ("setpoint_amps", num(s.setpointAmps)), ("limit_amps", num(s.limitAmps)),
                 ("energy_wh", num(s.energyWattHours))])
    }

    public static func battery(_ s: FactsSnapshot) -> JSON {
        .object([("soc", s.soc.map { .number(Double($0)) } ?? .null), ("volts", num(s.volts)), ("amps", num(s.amps))])
    }

    public static func loop(_ s: FactsSnapshot, snapshotsDropped: Int) -> JSON {
        let c = s.counters
        var buckets: [JSON] = []
        for i in 0..<LoopCounters.jitterBucketCount {
            let le: JSON = i < LoopCounters.jitterBucketCount - 1 ? .number(Double(LoopCounters.jitterBound(i))) : .string("+Inf")
            buckets.append(.object([("le_ns", le), ("count", .number(Double(c.jitterCount(i))))]))
        }
        let mean = c.jitterSamples == 0 ? 0 : Double(c.jitterSumNanoseconds) / Double(c.jitterSamples)
        return .object([("tick", .number(Double(s.tick))), ("ticks", .number(Double(c.ticks))),
                        ("jitter_mean_ns", num(mean)), ("jitter_buckets", .array(buckets)),
                        ("snapshots_dropped", .number(Double(snapshotsDropped))),
                        ("sessions_started", .number(Double(c.sessionsStarted))),
                        ("sessions_ended", .number(Double(c.sessionsEnded)))])
    }

    /// Everything at once (`GET /api/live`).
    public static func live(_ s: FactsSnapshot, snapshotsDropped: Int) -> JSON {
        .object([("pilot", pilot(s)), ("slac", slac(s)), ("v2g", v2g(s)), ("power", power(s)), ("battery", battery(s)),
                 ("loop", loop(s, snapshotsDropped: snapshotsDropped))])
    }

    /// One server-sent event's data: the plotted values (`GET /events`).
    public static func sample(_ s: FactsSnapshot) -> JSON {
        .object([("t", num(Double(s.at.nanoseconds) / 1e9)), ("volts", num(s.volts)), ("amps", num(s.amps)),
                 ("soc", s.soc.map { .number(Double($0)) } ?? .null), ("phase", .string("\(s.v2gPhase)"))])
    }
}
