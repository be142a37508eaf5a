import HTTPAPI
import ServiceLink
import Testing

/// `/metrics` written through `PrometheusText` (each metric stated once) is byte for byte what the
/// exposition was before the helper: the golden text below is the old renderer's output (checked
/// against it, side by side, when the helper came in).
@Suite struct PrometheusTextTests {
    /// A charger some sessions in: every counter non-zero, a jitter histogram with an overflow bucket,
    /// an operator limit of +Inf and a SoC.
    static func busySnapshot() -> FactsSnapshot {
        var c = LoopCounters()
        c.ticks = 12_345
        c.jitterBuckets = (5, 4, 3, 2, 1, 0, 0, 1, 2)
        c.jitterSumNanoseconds = 2_500_000
        c.jitterSamples = 18
        c.sessionsStarted = 3
        c.sessionsEnded = 2
        c.sessionsCompleted = 1
        c.decodeErrors = 4
        c.pilotFaults = 1
        c.slacMatches = 3
        c.slacFailures = 1
        var s = FactsSnapshot()
        s.counters = c
        s.volts = 398.5
        s.amps = 120.25
        s.energyWattHours = 12.5
        s.soc = 77
        return s
    }

    static let busyGolden = """
        # HELP chargekit_loop_ticks_total Ticks the loop ran since start.
        # TYPE chargekit_loop_ticks_total counter
        chargekit_loop_ticks_total 12345
        # HELP chargekit_loop_jitter_seconds Deviation of each tick's start from the previous tick's plus the period.
        # TYPE chargekit_loop_jitter_seconds histogram
        chargekit_loop_jitter_seconds_bucket{le="1e-05"} 5
        chargekit_loop_jitter_seconds_bucket{le="5e-05"} 9
        chargekit_loop_jitter_seconds_bucket{le="0.0001"} 12
        chargekit_loop_jitter_seconds_bucket{le="0.00025"} 14
        chargekit_loop_jitter_seconds_bucket{le="0.0005"} 15
        chargekit_loop_jitter_seconds_bucket{le="0.001"} 15
        chargekit_loop_jitter_seconds_bucket{le="0.005"} 15
        chargekit_loop_jitter_seconds_bucket{le="0.01"} 16
        chargekit_loop_jitter_seconds_bucket{le="+Inf"} 18
        chargekit_loop_jitter_seconds_sum 0.0025
        chargekit_loop_jitter_seconds_count 18
        # HELP chargekit_sessions_started_total V2G sessions that began.
        # TYPE chargekit_sessions_started_total counter
        chargekit_sessions_started_total 3
        # HELP chargekit_sessions_ended_total V2G sessions that ended, by outcome.
        # TYPE chargekit_sessions_ended_total counter
        chargekit_sessions_ended_total{outcome="completed"} 1
        chargekit_sessions_ended_total{outcome="failed"} 1
        # HELP chargekit_v2g_decode_errors_total EXI or V2GTP messages the SECC could not decode.
        # TYPE chargekit_v2g_decode_errors_total counter
        chargekit_v2g_decode_errors_total 4
        # HELP chargekit_cp_faults_total Control-pilot faults and emergency stops seen.
        # TYPE chargekit_cp_faults_total counter
        chargekit_cp_faults_total 1
        # HELP chargekit_slac_outcomes_total SLAC matching outcomes.
        # TYPE chargekit_slac_outcomes_total counter
        chargekit_slac_outcomes_total{outcome="matched"} 3
        chargekit_slac_outcomes_total{outcome="failed"} 1
        # HELP chargekit_service_snapshots_dropped_total Snapshots the loop dropped because the service plane was behind.
        # TYPE chargekit_service_snapshots_dropped_total counter
        chargekit_service_snapshots_dropped_total 2
        # HELP chargekit_session_records_total Per-session JSON records written.
        # TYPE chargekit_session_records_total counter
        chargekit_session_records_total 2
        # HELP chargekit_output_volts Measured output voltage (V).
        # TYPE chargekit_output_volts gauge
        chargekit_output_volts 398.5
        # HELP chargekit_output_amps Measured output current (A).
        # TYPE chargekit_output_amps gauge
        chargekit_output_amps 120.25
        # HELP chargekit_current_limit_amps The operator's current limit (A; +Inf when none).
        # TYPE chargekit_current_limit_amps gauge
        chargekit_current_limit_amps +Inf
        # HELP chargekit_energy_wh_total Energy delivered since start (Wh).
        # TYPE chargekit_energy_wh_total counter
        chargekit_energy_wh_total 12.5
        # HELP chargekit_vehicle_soc_percent The car's state of charge (%; NaN when not sent).
        # TYPE chargekit_vehicle_soc_percent gauge
        chargekit_vehicle_soc_percent 77

        """

    @Test func busyChargerIsByteIdentical() {
        let text = PrometheusExposition.render(Self.busySnapshot(), snapshotsDropped: 2, sessionsRecorded: 2)
        #expect(Array(text.utf8) == Array(Self.busyGolden.utf8), "\(text)")
    }

    /// A charger just started: zero counters, no SoC (NaN), an operator limit of 30 A (the lines that
    /// differ from the golden text above, as the old renderer wrote them).
    @Test func freshChargerAsBefore() {
        var s = FactsSnapshot()
        s.limitAmps = 30
        let text = PrometheusExposition.render(s, snapshotsDropped: 0, sessionsRecorded: 0)
        #expect(text.contains("chargekit_loop_jitter_seconds_bucket{le=\"+Inf\"} 0\nchargekit_loop_jitter_seconds_sum 0.0\n"))
        #expect(text.contains("chargekit_current_limit_amps 30.0\n"))
        #expect(text.hasSuffix("chargekit_vehicle_soc_percent NaN\n"))
    }

    /// Every family is introduced once: as many `# TYPE` lines as distinct metric names before `_bucket`,
    /// `_sum`, `_count`.
    @Test func eachFamilyHasOneHeader() {
        let text = PrometheusExposition.render(Self.busySnapshot(), snapshotsDropped: 2, sessionsRecorded: 2)
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(types).count == types.count)
        #expect(types.count == 14)
    }
}
