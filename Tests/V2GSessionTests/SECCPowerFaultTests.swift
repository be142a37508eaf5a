import Contracts
import CoreTypes
import EXITool
import PowerPath
import PowerPlantSim
import Testing
import V2GSession

/// Power faults as the car sees them: the fault injected into the simulated plant, the power path
/// goes to its safe stop by itself, and the SECC answers the car's next request with the failure
/// code each protocol defines (DIN 70121: FAILED; ISO 15118-2: FAILED, FAILED_ContactorError for the
/// contactors) with EVSE_EmergencyShutdown / EVSE_Malfunction and the isolation status, then ends.
@Suite struct SECCPowerFaultTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let fault: PlantFault
        /// Injected when the car reaches this step.
        let at: ScriptedEV.Step
        let schema: EXISchema
        /// Expected: the request answered with the failure, its code, the status code, the power fault.
        let answer: String
        let code: String
        let status: String
        let powerFault: PowerFault
        var testDescription: String { "\(fault) in \(at), \(schema)" }
    }

    static let cases: [Case] = [EXISchema.din, .iso2].flatMap { s -> [Case] in
        [
            Case(fault: .isolationDrops, at: .cableCheck, schema: s, answer: "CableCheckRes", code: "FAILED",
                 status: "EVSE_Malfunction", powerFault: .isolationFault),
            Case(fault: .supplyTrips, at: .currentDemand, schema: s, answer: "CurrentDemandRes", code: "FAILED",
                 status: "EVSE_EmergencyShutdown", powerFault: .supplyTrip),
            // A runaway regulator: over the precharge ceiling (target + 20 V) before the car closes, and
            // in the loop the battery turns the extra voltage into over-current.
            Case(fault: .overshoot, at: .preCharge, schema: s, answer: "PreChargeRes", code: "FAILED",
                 status: "EVSE_EmergencyShutdown", powerFault: .overVoltage),
            Case(fault: .overshoot, at: .currentDemand, schema: s, answer: "CurrentDemandRes", code: "FAILED",
                 status: "EVSE_EmergencyShutdown", powerFault: .overCurrent),
            Case(fault: .contactorWelds, at: .weldingDetection, schema: s, answer: "WeldingDetectionRes",
                 code: s == .din ? "FAILED" : "FAILED_ContactorError", status: "EVSE_Malfunction", powerFault: .contactorWelded),
        ]
    }

    @Test(arguments: cases)
    func faultIsAnsweredWithTheProtocolsCodeAndEndsSafe(_ c: Case) throws {
        var parameters = PlantParameters()
        parameters.battery.maxVolts = 450
        let bench = SECCBench(parameters: parameters)
        let ev = ScriptedEV(schema: c.schema)
        try #require(ev.corpusFound)
        ev.chargeLoops = 60
        var injected = false
        bench.run(80_000, ev: { b in
            if !injected, ev.step == c.at, c.at != .currentDemand || ev.currentDemands >= 25 {
                b.plant.inject(c.fault)
                injected = true
            }
            ev.tick(b)
        }) { b in ev.finished && b.secc.session.isFinished }
        #expect(injected)
        #expect(ev.step == .failed, "\(ev.flow)")
        let last = try #require(ev.lastAnswer)
        #expect(last.name == c.answer)
        #expect(last.responseCode == c.code)
        #expect(last.string("DC_EVSEStatus", "EVSEStatusCode") == c.status)
        if c.powerFault == .isolationFault { #expect(last.string("DC_EVSEStatus", "EVSEIsolationStatus") == "Fault") }
        #expect(bench.secc.session.stopReason == .powerFault)
        #expect(bench.secc.closeRequested)
        #expect(bench.facts.power.value.outcome == .failed(c.powerFault))
        // The power path holds its safe stop: supply off, contactors commanded open (a welded pole stays
        // closed, but nothing drives it).
        bench.run(2_000) { _ in false }
        #expect(bench.facts.power.value.phase == .safeStop)
        #expect(bench.plant.supply.readback.isOff || c.fault == .overshoot)
        if c.fault != .contactorWelds, c.fault != .overshoot { #expect(bench.powerIsSafe) }
        if c.fault == .overshoot { #expect(bench.plant.contactors.status.isOpen) }
    }

    @Test(arguments: [EXISchema.din, .iso2])
    func prechargeTimeoutOfThePowerPathFailsPreCharge(_ schema: EXISchema) throws {
        var power = PowerPathConfiguration()
        power.prechargeTimeLimit = .milliseconds(100)  // the supply cannot reach 370 V in 100 ms at 1000 V/s
        let bench = SECCBench(powerPath: power)
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        bench.run(60_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        let last = try #require(ev.lastAnswer)
        #expect(last.name == "PreChargeRes")
        #expect(last.responseCode == "FAILED")
        #expect(bench.facts.power.value.outcome == .failed(.prechargeTimeout))
        #expect(bench.secc.session.stopReason == .powerFault)
        bench.run(2_000) { $0.powerIsSafe }
        #expect(bench.powerIsSafe)
    }

    /// A fault of this car or this session (here the power path's precharge timeout) is acknowledged
    /// once the car has left (pilot A) and the safe stop is complete: the charger is ready for the next
    /// car. While the car is still plugged in, the safe stop holds.
    @Test func aSessionFaultIsAcknowledgedOnceTheCarHasLeft() throws {
        var power = PowerPathConfiguration()
        power.prechargeTimeLimit = .milliseconds(100)
        let bench = SECCBench(powerPath: power)
        let ev = ScriptedEV(schema: .iso2)
        try #require(ev.corpusFound)
        bench.run(60_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        #expect(bench.facts.power.value.outcome == .failed(.prechargeTimeout))
        bench.run(1_000) { _ in false }
        #expect(bench.facts.power.value.phase == .safeStop, "held while the car is plugged in")
        bench.pilot = .a
        var safeWhenIdle = false
        let idle = bench.run(2_000) { b in
            if b.facts.power.value.phase == .idle { safeWhenIdle = b.powerIsSafe; return true }
            return false
        }
        #expect(idle, "ready for the next car after the car left")
        #expect(safeWhenIdle, "only once the supply is off and the contactors open")
    }

    /// A welded contactor latches: the car leaving does not make the charger ready again.
    @Test func aWeldedContactorIsNotAcknowledgedWhenTheCarLeaves() throws {
        var parameters = PlantParameters()
        parameters.battery.maxVolts = 450
        let bench = SECCBench(parameters: parameters)
        let ev = ScriptedEV(schema: .iso2)
        try #require(ev.corpusFound)
        ev.chargeLoops = 60
        var injected = false
        bench.run(80_000, ev: { b in
            if !injected, ev.step == .weldingDetection { b.plant.inject(.contactorWelds); injected = true }
            ev.tick(b)
        }) { b in ev.finished && b.secc.session.isFinished }
        #expect(bench.facts.power.value.outcome == .failed(.contactorWelded))
        bench.pilot = .a
        bench.run(3_000) { _ in false }
        #expect(bench.facts.power.value.phase == .safeStop)
        #expect(bench.facts.power.value.outcome == .failed(.contactorWelded))
    }
}
