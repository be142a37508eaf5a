import ControlLoop
import CoreTypes
import EXITool
import MallocCounting
import Testing
import V2GSession

/// The charge loop from the car's side allocates nothing: one EVCC tick that reads a
/// CurrentDemandRes (V2GTP framing, EXI decode in place), integrates the battery, decides, and
/// sends the next CurrentDemandReq (EXI encode into the preallocated buffer) makes 0 mallocs.
/// Only the EVCC's tick is counted; the scripted SECC (test code, JSON) answers outside the window.
@Suite(.serialized) struct EVCCAllocationTests {
    @Test(arguments: [EXISchema.din, .iso2])
    func zeroMallocsPerCurrentDemandRound(_ schema: EXISchema) throws {
        var c = EVCCConfiguration(protocols: [schema == .din ? .din70121 : .iso15118_2])
        c.quirks.chargeLoopRounds = 10_000
        var pack = EVCCHarness.smallPack
        pack.capacityWattHours = 1_000_000  // stays in the loop
        let h = EVCCHarness(schema, configuration: c, battery: pack)
        try h.run(until: { h.evcc.session.currentDemands >= 5 })
        h.evcc.report = nil
        var total = 0
        let rounds = 200
        let before = h.evcc.session.currentDemands
        for _ in 0..<rounds {
            h.clock.advance(by: h.period)
            let context = TickContext(now: h.clock.now(), index: 0, period: h.period)
            total += MallocCounter.count { h.evcc.tick(context) }
            try h.secc.serve()
        }
        #expect(h.evcc.session.currentDemands == before + UInt32(rounds))
        #expect(h.evcc.session.phase == .charging)
        print("EVCC \(schema): \(total) mallocs over \(rounds) CurrentDemand rounds")
        #expect(total == 0)
    }

    /// The counter sees an allocating tick (negative control): with `report` set to a closure that
    /// appends to an array, the same rounds allocate.
    @Test func counterSeesAnAllocatingReport() throws {
        var c = EVCCConfiguration(protocols: [.din70121])
        c.quirks.chargeLoopRounds = 10_000
        var pack = EVCCHarness.smallPack
        pack.capacityWattHours = 1_000_000
        let h = EVCCHarness(.din, configuration: c, battery: pack)
        try h.run(until: { h.evcc.session.currentDemands >= 5 })
        var log: [String] = []
        h.evcc.report = { log.append("\($0.roundTrip)") }
        var total = 0
        for _ in 0..<20 {
            h.clock.advance(by: h.period)
            let context = TickContext(now: h.clock.now(), index: 0, period: h.period)
            total += MallocCounter.count { h.evcc.tick(context) }
            try h.secc.serve()
        }
        #expect(total > 0)
        #expect(log.count == 20)
    }
}
