import ServiceLink

/// `GET /metrics` in the Prometheus text exposition format 0.0.4 (issue 20 item 4): the loop's
/// jitter histogram, session counters, decode errors, CP faults and SLAC outcomes from the loop's
/// `LoopCounters`, and the present output as gauges. Every family has HELP and TYPE; counters end in
/// `_total`; the histogram's buckets are cumulative and end with `le="+Inf"`.
public enum PrometheusExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ s: FactsSnapshot, snapshotsDropped: Int, sessionsRecorded: Int) -> String {
        let c = s.counters
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: String = "", value: String) {
            out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n"
        }
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : (x > 0 ? "+Inf" : (x < 0 ? "-Inf" : "NaN")) }

        family("chargekit_loop_ticks_total", "counter", "Ticks the loop ran since start.")
        sample("chargekit_loop_ticks_total", value: "\(c.ticks)")
        family("chargekit_loop_jitter_seconds", "histogram", "Deviation of each tick's start from the previous tick's plus the period.")
        var cumulative: UInt64 = 0
        for i in 0..<(LoopCounters.jitterBucketCount - 1) {
            cumulative &+= c.jitterCount(i)
            sample("chargekit_loop_jitter_seconds_bucket", "le=\"\(Double(LoopCounters.jitterBound(i)) / 1e9)\"", value: "\(cumulative)")
        }
        cumulative &+= c.jitterCount(LoopCounters.jitterBucketCount - 1)
        sample("chargekit_loop_jitter_seconds_bucket", "le=\"+Inf\"", value: "\(cumulative)")
        sample("chargekit_loop_jitter_seconds_sum", value: number(Double(c.jitterSumNanoseconds) / 1e9))
        sample("chargekit_loop_jitter_seconds_count", value: "\(c.jitterSamples)")

        family("chargekit_sessions_started_total", "counter", "V2G sessions that began.")
        sample("chargekit_sessions_started_total", value: "\(c.sessionsStarted)")
        family("chargekit_sessions_ended_total", "counter", "V2G sessions that ended, by outcome.")
        sample("chargekit_sessions_ended_total", "outcome=\"completed\"", value: "\(c.sessionsCompleted)")
        sample("chargekit_sessions_ended_total", "outcome=\"failed\"", value: "\(c.sessionsEnded - c.sessionsCompleted)")
        family("chargekit_v2g_decode_errors_total", "counter", "EXI or V2GTP messages the SECC could not decode.")
        sample("chargekit_v2g_decode_errors_total", value: "\(c.decodeErrors)")
        family("chargekit_cp_faults_total", "counter", "Control-pilot faults and emergency stops seen.")
        sample("chargekit_cp_faults_total", value: "\(c.pilotFaults)")
        family("chargekit_slac_outcomes_total", "counter", "SLAC matching outcomes.")
        sample("chargekit_slac_outcomes_total", "outcome=\"matched\"", value: "\(c.slacMatches)")
        sample("chargekit_slac_outcomes_total", "outcome=\"failed\"", value: "\(c.slacFailures)")
        family("chargekit_service_snapshots_dropped_total", "counter", "Snapshots the loop dropped because the service plane was behind.")
        sample("chargekit_service_snapshots_dropped_total", value: "\(snapshotsDropped)")
        family("chargekit_session_records_total", "counter", "Per-session JSON records written.")
        sample("chargekit_session_records_total", value: "\(sessionsRecorded)")

        family("chargekit_output_volts", "gauge", "Measured output voltage (V).")
        sample("chargekit_output_volts", value: number(s.volts))
        family("chargekit_output_amps", "gauge", "Measured output current (A).")
        sample("chargekit_output_amps", value: number(s.amps))
        family("chargekit_current_limit_amps", "gauge", "The operator's current limit (A; +Inf when none).")
        sample("chargekit_current_limit_amps", value: number(s.limitAmps))
        family("chargekit_energy_wh_total", "counter", "Energy delivered since start (Wh).")
        sample("chargekit_energy_wh_total", value: number(s.energyWattHours))
        family("chargekit_vehicle_soc_percent", "gauge", "The car's state of charge (%; NaN when not sent).")
        sample("chargekit_vehicle_soc_percent", value: s.soc.map { "\($0)" } ?? "NaN")
        return out
    }
}
