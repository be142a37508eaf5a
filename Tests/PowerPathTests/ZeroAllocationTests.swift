import Contracts
import CoreTypes
import MallocCounting
import PowerPath
import PowerPathBench
import PowerPlantSim
import Testing

/// No heap allocation in the steady state: 100 000 charge-loop ticks (plant, session, power path and
/// the facts they publish) at 0 mallocs, with a negative control that proves the counter sees one.
@Suite(.serialized) struct PowerPathZeroAllocationTests {
    @Test func chargeLoopSteadyStateAllocatesNothing() throws {
        var script = SimulatedChargeSession.Script()
        script.chargeFor = .seconds(1_000)
        let bench = PowerPathBench(script: script)
        // Up to the charge loop at full current (cable check, precharge, the ramp: start-up may allocate).
        try #require(bench.run(maxTicks: 60_000) { b in
            b.facts.power.value.phase == .charging && b.facts.power.value.progress == .regulating
        })
        let start = bench.tick
        let mallocs = MallocCounter.count {
            for _ in 0..<100_000 { bench.step() }
        }
        #expect(mallocs == 0, "\(mallocs) allocations in 100 000 charge-loop ticks")
        #expect(bench.tick - start == 100_000)
        #expect(bench.facts.power.value.phase == .charging)
        #expect(bench.facts.power.value.outcome == .running)
        #expect(abs(bench.facts.power.value.amps - 100) < 1)
    }

    /// Negative control: the counter sees a tick that allocates.
    @Test func theCounterSeesAnAllocation() {
        let bench = PowerPathBench()
        var kept: [[Double]] = []
        let mallocs = MallocCounter.count {
            for _ in 0..<10 {
                bench.step()
                kept.append([bench.facts.power.value.volts])
            }
        }
        #expect(mallocs >= 10)
        #expect(kept.count == 10)
    }
}
