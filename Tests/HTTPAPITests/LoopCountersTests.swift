import Contracts
import ControlLoop
import CoreTypes
import HTTPAPI
import ServiceLink
import Testing

@Suite struct LoopCountersTests {
    func context(_ i: UInt64, at ns: Int64) -> TickContext {
        TickContext(now: MonotonicInstant(nanoseconds: ns), index: i, period: .milliseconds(1))
    }

    /// Each tick's deviation from the period lands in its bucket: on time, 30 µs, 2 ms late.
    @Test func jitterBuckets() {
        let facts = ChargerFacts()
        var c = LoopCounters()
        c.observe(facts, context(0, at: 1_000_000))
        c.observe(facts, context(1, at: 2_000_000))       // on time: 0 ns
        c.observe(facts, context(2, at: 3_030_000))       // 30 µs
        c.observe(facts, context(3, at: 6_030_000))       // 2 ms
        #expect(c.ticks == 4)
        #expect(c.jitterSamples == 3)
        #expect(c.jitterCount(0) == 1)
        #expect(c.jitterCount(1) == 1)
        #expect(c.jitterCount(6) == 1)
        #expect(c.jitterSumNanoseconds == 30_000 + 2_000_000)
    }

    /// Edges, not levels: a session, a CP fault and a SLAC match each count once however many
    /// ticks they last; decode errors add up across the session.
    @Test func edgesCountOnce() {
        let facts = ChargerFacts()
        var c = LoopCounters()
        let t0 = TickContext(now: MonotonicInstant(nanoseconds: 1), index: 0, period: .milliseconds(1))
        var v2g = V2GSessionFacts()
        v2g.phase = .sessionSetup
        facts.v2g.publish(v2g, t0)
        facts.plcLink.publish(.matched(PLCLinkMatch(ev: MACAddress(2, 0, 0, 0, 0, 1), attenuation: 20, since: .zero)), t0)
        for i in 0..<5 { c.observe(facts, context(UInt64(i), at: Int64(i + 1) * 1_000_000)) }
        v2g.decodeErrors = 2
        facts.v2g.publish(v2g, t0)
        c.observe(facts, context(5, at: 6_000_000))
        v2g.phase = .ended
        v2g.stopReason = .completed
        facts.v2g.publish(v2g, t0)
        for i in 6..<9 { c.observe(facts, context(UInt64(i), at: Int64(i + 1) * 1_000_000)) }
        #expect(c.sessionsStarted == 1)
        #expect(c.sessionsEnded == 1)
        #expect(c.sessionsCompleted == 1)
        #expect(c.decodeErrors == 2)
        #expect(c.slacMatches == 1)
        #expect(c.slacFailures == 0)
    }
}
