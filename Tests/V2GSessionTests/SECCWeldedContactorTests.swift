import Contracts
import CoreTypes
import EXITool
import PowerPath
import PowerPlantSim
import Testing
import V2GSession

/// The charger's own contactor welds (issue 14, left over): the SECC ends the session with the
/// power fault named in its facts, the power path stays out of service, and the next car is refused
/// at SessionSetup — no authorisation, no contactor close, no power — until a service reset.
/// Manual clock, simulated plant, the car played from Josev's recorded requests.
@Suite struct SECCWeldedContactorTests {
    @Test(arguments: [EXISchema.din, .iso2])
    func aWeldedChargerContactorIsReportedAndTheNextCarRefused(_ schema: EXISchema) throws {
        var parameters = PlantParameters()
        parameters.battery.maxVolts = 450
        let bench = SECCBench(parameters: parameters)
        let first = ScriptedEV(schema: schema)
        try #require(first.corpusFound)
        first.chargeLoops = 20
        var injected = false
        bench.run(80_000, ev: { b in
            if !injected, first.step == .powerDeliveryStop {
                b.plant.inject(.contactorWelds)
                injected = true
            }
            first.tick(b)
        }) { b in first.finished && b.secc.session.isFinished }
        #expect(injected)
        print("first car (\(schema)): \(first.flow)")
        // The session says why it ended, and the power path why it is down.
        #expect(bench.secc.session.stopReason == .powerFault)
        #expect(bench.secc.session.powerFault == .contactorWelded)
        #expect(bench.facts.v2g.value.powerFault == .contactorWelded)
        #expect(first.lastAnswer?.responseCode == (schema == .din ? "FAILED" : "FAILED_ContactorError"))
        bench.run(1_000) { _ in false }
        #expect(bench.facts.power.value.phase == .safeStop)
        #expect(bench.facts.power.value.latchedFault == .contactorWelded)
        #expect(bench.plant.supply.readback.isOff)

        // The first car leaves (pilot A), a second one plugs in and connects.
        bench.pilot = .a
        bench.run(500) { _ in false }
        bench.pilot = .b
        _ = bench.responses()
        bench.received.removeAll()
        bench.secc.connectionOpened(at: bench.now)
        let second = ScriptedEV(schema: schema)
        let authorizedAt = bench.facts.authorization.tick
        var closed = false
        var exported = false
        bench.run(20_000, ev: { b in
            second.tick(b)
            if b.plant.contactors.coilClosed { closed = true }
            if b.plant.supply.commandedMode == .export { exported = true }
        }) { b in second.finished && b.secc.session.isFinished }
        print("second car (\(schema)): \(second.flow)")
        #expect(second.step == .failed)
        #expect(second.lastAnswer?.name == "SessionSetupRes")
        #expect(second.lastAnswer?.responseCode == "FAILED")
        #expect(bench.secc.session.stopReason == .powerFault)
        #expect(bench.secc.session.powerFault == .contactorWelded)
        #expect(!closed, "no contactor close for the second car")
        #expect(!exported, "no power for the second car")
        #expect(bench.facts.power.value.latchedFault == .contactorWelded)
        #expect(bench.facts.authorization.tick == authorizedAt, "no authorisation was asked for the second car")
    }
}
