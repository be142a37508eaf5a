import ChargerAssembly
import Contracts
import ControlLoop
import ControlPilot
import ESP32CPEmulator
import HAL
import PowerPath
import PowerPlantSim
import Testing

/// Issue 14 item 1: while the power path is out of service the charger's own pilot says "not
/// available" — state F, a constant −12 V (IEC 61851-1 Table A.3) — so a car plugged in meanwhile never
/// sees the 5 % PWM and never starts SLAC; after the service reset the pilot is back at A (+12 V) and
/// the next car's session starts. The composition's rule (`OutOfServicePilot`, registered after the
/// power path as `Charger` does) on both front ends of our pilot — the direct Pi CP on its twins and the
/// ESP32 helper emulator over a pty — with the simulated plant, one deterministic 1 ms loop (ManualClock).
@Suite struct OutOfServicePilotTests {
    enum Front: String, CaseIterable, CustomStringConvertible, Sendable {
        case direct, helper
        var description: String { rawValue }
    }

    /// Publishes the power request the test asks for (the SECC's part).
    final class Requester: TickController {
        let name = "test-requester"
        let facts: ChargerFacts
        var request = PowerRequest(ev: EVLimits(maxVolts: 450, maxAmps: 150))
        init(facts: ChargerFacts) { self.facts = facts }
        func ask(_ step: PowerStep) {
            request.sequence &+= 1
            request.step = step
        }
        func tick(_ context: TickContext) { facts.powerRequest.publish(request, context) }
        func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
    }

    /// The pilot bench of one front end, plus the plant, a requester, the power path and the rule, in
    /// `Charger`'s order: CP → requester → power path → out-of-service pilot.
    final class Rig {
        let facts = ChargerFacts()
        let bench: PilotBench
        let direct: DirectBench?
        let helper: PtyBench?
        let plant = SimulatedPowerPlant()
        let requester: Requester
        let powerPath: PowerPathController
        let rule: OutOfServicePilot

        init(_ front: Front) throws {
            switch front {
            case .direct:
                let d = DirectBench(facts: facts)
                direct = d
                helper = nil
                bench = d
            case .helper:
                let h = try PtyBench(facts: facts)
                direct = nil
                helper = h
                bench = h
            }
            requester = Requester(facts: facts)
            powerPath = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                            isolationMonitor: plant.isolationMonitor, meter: plant.meter)
            rule = OutOfServicePilot(facts: facts, pilot: bench.pilot)
            bench.loop.addSource(plant)
            bench.loop.addController(requester)
            bench.loop.addController(powerPath)
            bench.loop.addController(rule)
        }

        /// What the car presents on the CP line.
        func car(_ state: PilotState) {
            if let direct {
                switch state {
                case .b: direct.model.vehicle = .b
                case .c: direct.model.vehicle = .c
                default: direct.model.vehicle = .a
                }
            }
            if let helper {
                switch state {
                case .b: helper.emulator.vehicle = .b
                case .c: helper.emulator.vehicle = .c
                default: helper.emulator.vehicle = .a
                }
            }
        }

        /// The generator oscillates on the wire (what a car takes for a PWM offer).
        var wireOscillates: Bool {
            if let direct { let d = direct.model.pwm.backend.dutyPermille; return d > 0 && d < 1000 }
            if let helper { let d = helper.emulator.outputDuty; return d > 0 && d < 100 }
            return false
        }

        /// Steady −12 V on the wire (the generator held low).
        var wireSteadyLow: Bool {
            if let direct { return direct.model.pwm.backend.dutyPermille == 0 }
            if let helper { return helper.emulator.outputDuty == 0 }
            return false
        }

        /// Steps until `done` (at most `limit` ticks); the ticks it took, nil if never.
        func ticks(_ limit: Int, until done: () -> Bool) -> Int? {
            for n in 1...limit {
                bench.step()
                if done() { return n }
            }
            return nil
        }

        var power: PowerPathStatus { facts.power.value }
        var pilot: PilotFacts { facts.pilot.value }
    }

    @Test(arguments: Front.allCases)
    func outOfServiceSignalsStateFAndTheResetBringsBackA(_ front: Front) throws {
        let rig = try Rig(front)
        let bench = rig.bench
        bench.step(50)
        #expect(rig.pilot.state == .a && !rig.wireOscillates)

        // A first car: 5 %, C, the cable check closes the contactors; a pole welds and the stop finds it.
        rig.car(.b)
        try #require(bench.run(until: .readyForSLAC) != nil, "the first car gets the 5 %")
        rig.car(.c)
        try #require(bench.run(until: .evRequestsPower(ventilation: false)) != nil)
        rig.requester.ask(.cableCheck)
        try #require(rig.ticks(10_000) { rig.plant.contactors.status.isClosed } != nil, "\(rig.power.phase) \(rig.power.outcome)")
        rig.plant.inject(.contactorWelds)
        rig.requester.ask(.stop)
        try #require(rig.ticks(5_000) { rig.power.latchedFault != nil } != nil)
        #expect(rig.power.latchedFault == .contactorWelded)

        // F commanded in the next tick; on the wire and read back as F (PilotFault.unavailable) soon after.
        let commanded = rig.ticks(1) { rig.bench.pilot.commandedPWM == .steadyLow }
        #expect(commanded == 1, "F is commanded in the tick after the latch")
        let onWire = rig.ticks(500) { rig.wireSteadyLow && rig.pilot.state == .f && rig.pilot.appliedPWM == .steadyLow }
        print("\(front): state F commanded 1 tick after the latch, on the wire and read back as F \(onWire.map { "\($0)" } ?? "never") ticks later")
        #expect(onWire != nil && onWire! <= 200, "F on the wire within 200 ticks of the command")
        #expect(rig.pilot.fault == .unavailable)
        #expect(rig.rule.unavailableSince != nil)

        // The car leaves; a second car plugs in while the charger is out of service: no PWM, ever, and no
        // "ready for SLAC".
        rig.car(.a)
        bench.step(300)
        let pluggedAt = bench.tick
        rig.car(.b)
        var oscillated = false
        var digital = false
        for _ in 0..<3_000 {
            bench.step()
            if rig.wireOscillates { oscillated = true }
            if rig.pilot.digitalCommunication { digital = true }
        }
        #expect(!oscillated, "no PWM for a car plugged in while out of service")
        #expect(!digital)
        #expect(!bench.eventsSince(pluggedAt).contains(.readyForSLAC))
        #expect(rig.pilot.state == .f && rig.wireSteadyLow)
        #expect(rig.power.phase == .safeStop && rig.power.latchedFault == .contactorWelded)

        // That car gives up and leaves; the contactor is repaired and the technician resets: back in
        // service, the pilot back at A (+12 V).
        rig.car(.a)
        bench.step(100)
        rig.plant.clear(.contactorWelds)
        bench.step(50)
        rig.powerPath.serviceReset()
        let released = rig.ticks(2) { rig.bench.pilot.commandedPWM != .steadyLow }
        #expect(released == 2, "the pilot leaves F in the tick after the power path published the reset")
        #expect(rig.power.latchedFault == nil)
        let backAtA = rig.ticks(1_000) { rig.pilot.state == .a && rig.pilot.fault == nil && rig.pilot.appliedPWM == .steadyHigh }
        print("\(front): back at A (+12 V) \(backAtA.map { "\($0)" } ?? "never") ticks after the pilot was released")
        #expect(backAtA != nil)

        // The next car: 5 %, C, and its cable check closes the contactors.
        rig.car(.b)
        #expect(bench.run(until: .readyForSLAC) != nil, "the next car gets the 5 %")
        rig.car(.c)
        #expect(bench.run(until: .evRequestsPower(ventilation: false)) != nil)
        rig.requester.ask(.cableCheck)
        #expect(rig.ticks(10_000) { rig.plant.contactors.status.isClosed } != nil, "the next session's cable check closes")
        #expect(rig.power.latchedFault == nil)
        #expect(rig.power.outcome != .failed(.contactorWelded))
    }
}
