import ServiceLink

/// `GET /metrics` in the Prometheus text exposition format 0.0.4 (issue 20 item 4): the loop's
/// jitter histogram, session counters, decode errors, CP faults and SLAC outcomes from the loop's
/// `LoopCounters`, and the present output as gauges. Every family has HELP and TYPE; counters end in
/// `_total`; the histogram's buckets are cumulative and end with `le="+Inf"`. Each metric is
/// stated once through `PrometheusText`.
public enum PrometheusExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ s: FactsSnapshot, snapshotsDropped: Int, sessionsRecorded: Int) -> String {
        let c = s.counters
        var m = PrometheusText()
        m.counter("chargekit_loop_ticks_total", "Ticks the loop ran since start.", c.ticks)
        m.histogram("chargekit_loop_jitter_seconds", "Deviation of each tick's start from the previous tick's plus the period.",
                    bounds: (0..<(LoopCounters.jitterBucketCount - 1)).map { Double(LoopCounters.jitterBound($0)) / 1e9 },
                    counts: (0..<LoopCounters.jitterBucketCount).map { c.jitterCount($0) },
                    sum: Double(c.jitterSumNanoseconds) / 1e9, count: c.jitterSamples)

        m.counter("chargekit_sessions_started_total", "V2G sessions that began.", c.sessionsStarted)
        m.counter("chargekit_sessions_ended_total", "V2G sessions that ended, by outcome.",
                  [("outcome=\"completed\"", "\(c.sessionsCompleted)"), ("outcome=\"failed\"", "\(c.sessionsEnded - c.sessionsCompleted)")])
        m.counter("chargekit_v2g_decode_errors_total", "EXI or V2GTP messages the SECC could not decode.", c.decodeErrors)
        m.counter("chargekit_cp_faults_total", "Control-pilot faults and emergency stops seen.", c.pilotFaults)
        m.counter("chargekit_slac_outcomes_total", "SLAC matching outcomes.",
                  [("outcome=\"matched\"", "\(c.slacMatches)"), ("outcome=\"failed\"", "\(c.slacFailures)")])
        m.counter("chargekit_service_snapshots_dropped_total", "Snapshots the loop dropped because the service plane was behind.",
                  UInt64(snapshotsDropped))
        m.counter("chargekit_session_records_total", "Per-session JSON records written.", UInt64(sessionsRecorded))

        m.gauge("chargekit_output_volts", "Measured output voltage (V).", s.volts)
        m.gauge("chargekit_output_amps", "Measured output current (A).", s.amps)
        m.gauge("chargekit_current_limit_amps", "The operator's current limit (A; +Inf when none).", s.limitAmps)
        m.counter("chargekit_energy_wh_total", "Energy delivered since start (Wh).", s.energyWattHours)
        m.gauge("chargekit_vehicle_soc_percent", "The car's state of charge (%; NaN when not sent).", s.soc.map { "\($0)" } ?? "NaN")
        return m.text
    }
}
