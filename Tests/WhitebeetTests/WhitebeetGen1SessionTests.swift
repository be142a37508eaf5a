import Contracts
import ControlLoop
import CoreTypes
import HAL
import MallocCounting
import PowerPath
import PowerPlantSim
import Testing
import WhitebeetEmulator
import WhitebeetEVSE
import WhitebeetHCI
import WhitebeetHost

/// The generation-1 EVSE role end to end under the manual clock: WhitebeetGen1EVSEController ⇄ host
/// link (decoding Gen-1) ⇄ Ethernet twins ⇄ module emulator playing firmware V01_01_07 with its
/// scripted car (the §15.1 flow and its time-outs), the controller asking the real
/// PowerPathController on the simulated plant.
final class WhitebeetGen1Bench {
    let ethernet: WhitebeetBench
    let facts = ChargerFacts()
    let plant = SimulatedPowerPlant()
    let controller: WhitebeetGen1EVSEController
    let powerPath: PowerPathController
    var tick: UInt64 = 0
    var maxAmps = 0.0
    var sawPhases: Set<Int> = []
    /// Steps that skip the controller (a host that stopped answering).
    var controllerPaused = false

    init(chargeLoops: Int = 40, authorizer: any Authorizer = FreeVendAuthorizer()) {
        var profile = ScriptedCarSession.Profile()
        profile.batteryVoltage = plant.batteryVolts
        profile.maximumVoltage = plant.parameters.battery.maxVolts
        profile.maximumCurrent = plant.parameters.battery.maxAmps
        profile.chargeCurrent = 100
        profile.chargeLoops = chargeLoops
        ethernet = WhitebeetBench(gen1Car: ScriptedGen1CarSession(profile: profile))
        controller = WhitebeetGen1EVSEController(facts: facts, host: ethernet.host, authorizer: authorizer)
        powerPath = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
    }

    var module: WhitebeetModuleEmulator { ethernet.module }
    var car: ScriptedGen1CarSession { ethernet.module.gen1Car }

    /// One 1 ms tick: plant, module, host link, controller, power path; the car's contactors.
    func step() {
        ethernet.clock.advance(by: .milliseconds(1))
        tick += 1
        let context = TickContext(now: ethernet.clock.now(), index: tick, period: .milliseconds(1))
        plant.pump(context)
        module.tick(context.now)
        ethernet.host.poll(context.now)
        if !controllerPaused { controller.tick(context) }
        powerPath.tick(context)
        switch car.phase {
        case .awaiting(0x89), .awaiting(0x8A), .charging:
            if !plant.vehicleContactorsClosed { plant.closeVehicleContactors() }
        case .awaiting(0x8B), .awaiting(0x8C), .closing, .finished, .failed:
            if plant.vehicleContactorsClosed, abs(plant.meter.measurement.amps) <= 1 { plant.openVehicleContactors() }
        default: break
        }
        maxAmps = max(maxAmps, plant.meter.measurement.amps)
        sawPhases.insert(facts.power.value.phase.ordinal)
    }

    func run(seconds: Int64, until done: () -> Bool) -> Bool {
        for _ in 0 ..< seconds * 1000 {
            step()
            if done() { return true }
        }
        return false
    }
}

@Suite struct WhitebeetGen1SessionTests {
    /// §15.1 from "session started" to "session stopped": every parameter request answered within its
    /// time-out, the power path's cable check, precharge, charge, stop and welding check in between.
    @Test func dcSessionThroughThePowerPath() {
        let bench = WhitebeetGen1Bench()
        #expect(bench.run(seconds: 5) { bench.controller.stage == .waitingForCar }, "stage \(bench.controller.stage)")
        #expect(bench.controller.firmwareVersion == "V01_01_07")
        bench.module.plugIn()
        #expect(bench.run(seconds: 10) { bench.controller.stage == .session }, "stage \(bench.controller.stage)")
        #expect(bench.module.gen1Protocols == [0, 2])
        let finished = bench.run(seconds: 120) { bench.car.phase == .finished && bench.facts.power.value.phase == .idle }
        #expect(finished, "car \(bench.car.phase), power \(bench.facts.power.value.phase) \(bench.facts.power.value.outcome), stage \(bench.controller.stage), \(String(describing: bench.controller.abortReason))")
        #expect(bench.controller.stage == .ended)
        #expect(bench.car.timedOutWaitingFor == nil)
        #expect(bench.car.chargeLoopsDone == 40)
        // Pre-charge repeats while the output ramps to the battery's voltage (§15.1 step 20).
        #expect(bench.car.prechargeRequests > 1, "\(bench.car.prechargeRequests) pre-charge requests")
        for p in [PowerPhase.cableCheck, .precharge, .charging, .stopping, .weldingCheck] { #expect(bench.sawPhases.contains(p.ordinal), "\(p)") }
        #expect(!bench.sawPhases.contains(PowerPhase.safeStop.ordinal))
        #expect(bench.maxAmps > 80)
        let v2g = bench.controller.sessionFacts
        #expect(v2g.stopReason == .completed)
        #expect(v2g.currentDemands == 40)
        #expect(bench.run(seconds: 2) { !bench.module.listening }) // V2G stop after the session (§15.1 step 26)
        print("whitebeet gen-1 session: finished at \(bench.tick) ms, peak \(Int(bench.maxAmps)) A, \(bench.controller.answered) requests answered, "
              + "\(bench.ethernet.host.statistics.sent) commands")
    }

    /// Authorisation through the shared `Authorizer`: not on the list → "not authorized", the module
    /// ends the session, no power.
    @Test func rejectedAuthorizationEndsTheSession() {
        let bench = WhitebeetGen1Bench(authorizer: LocalListAuthorizer(allowed: [IdentificationToken(.externalIdentification, "CARD-1")]))
        _ = bench.run(seconds: 5) { bench.controller.stage == .waitingForCar }
        bench.module.plugIn()
        #expect(bench.run(seconds: 20) { bench.car.phase == .failed(sub: 0x83) })
        #expect(bench.run(seconds: 2) { bench.controller.stage == .ended })
        #expect(!bench.sawPhases.contains(PowerPhase.cableCheck.ordinal))
        #expect(bench.controller.sessionFacts.stopReason == .authorizationRejected)
    }

    /// A host that stops answering in the charge loop: the module ends the session at the request's
    /// time-out (as the firmware does), and the controller, back, finds the session over and the
    /// power path is stopped safe.
    @Test func missedTimeOutEndsTheSession() {
        let bench = WhitebeetGen1Bench(chargeLoops: 100_000)
        _ = bench.run(seconds: 5) { bench.controller.stage == .waitingForCar }
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.facts.power.value.phase == .charging && bench.plant.meter.measurement.amps > 50 })
        // The charge loop's steady state, every part of the tick: no allocation.
        let mallocs = MallocCounter.count { for _ in 0 ..< 2000 { bench.step() } }
        print("whitebeet gen-1 charge loop: \(mallocs) mallocs over 2000 ticks")
        #expect(mallocs == 0)
        bench.controllerPaused = true
        #expect(bench.run(seconds: 2) { bench.car.timedOutWaitingFor == 0x8A })
        bench.controllerPaused = false
        #expect(bench.run(seconds: 10) { bench.controller.stage == .ended && abs(bench.plant.meter.measurement.amps) < 1 },
                "stage \(bench.controller.stage), \(bench.plant.meter.measurement.amps) A")
        #expect(bench.run(seconds: 10) { bench.facts.power.value.phase == .idle || bench.facts.power.value.phase == .safeStop })
        #expect(bench.controller.sessionFacts.stopReason != .completed)
    }

    /// The module goes silent while power flows (every frame lost): 2 s without a request stops the power path.
    @Test func silentModuleStopsThePowerPath() {
        let bench = WhitebeetGen1Bench(chargeLoops: 100_000)
        _ = bench.run(seconds: 5) { bench.controller.stage == .waitingForCar }
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.facts.power.value.phase == .charging && bench.plant.meter.measurement.amps > 50 })
        bench.module.faults.dropFrames = 1_000_000
        let start = bench.tick
        #expect(bench.run(seconds: 4) { abs(bench.plant.meter.measurement.amps) < 1 && !bench.facts.power.value.contactorsClosed })
        print("whitebeet gen-1: silent module → current off and contactors open in \(bench.tick - start) ms")
        #expect(bench.controller.abortReason != nil)
    }

    /// A power-path fault in the charge loop: the next charge-loop request is answered with code 3
    /// "stop charging" [obs] and the current goes off.
    @Test func powerPathFaultAnswersStopCharging() {
        let bench = WhitebeetGen1Bench(chargeLoops: 100_000)
        _ = bench.run(seconds: 5) { bench.controller.stage == .waitingForCar }
        bench.module.plugIn()
        #expect(bench.run(seconds: 60) { bench.facts.power.value.phase == .charging && bench.plant.meter.measurement.amps > 50 })
        bench.plant.inject(.supplyTrips)
        #expect(bench.run(seconds: 10) { abs(bench.plant.meter.measurement.amps) < 1 && bench.facts.power.value.outcome.fault != nil },
                "power \(bench.facts.power.value.phase) \(bench.facts.power.value.outcome)")
        #expect(bench.run(seconds: 20) { bench.car.phase == .finished || bench.car.phase == .failed(sub: 0x8A) || bench.car.phase == .failed(sub: 0x8B) },
                "car \(bench.car.phase)")
        #expect(bench.controller.abortReason?.contains("fault") == true, "\(String(describing: bench.controller.abortReason))")
    }

    /// Generation-2 firmware behind a board that says gen1: refused after the version, nothing sent.
    @Test func generationTwoFirmwareIsRefused() {
        let bench = WhitebeetGen1Bench()
        bench.module.firmwareVersion = "V02_01_00"
        #expect(bench.run(seconds: 5) { bench.controller.stage == .failed })
        #expect(bench.controller.abortReason?.contains("not generation 1") == true)
        _ = bench.run(seconds: 1) { false }
        #expect(bench.module.pilotMode == nil)
    }

    /// The module side alone: a host that never answers "request EVSE ID" sees the session end when
    /// the announced time-out runs out — not before — with "session stopped" and no further request.
    @Test func emulatorEndsTheSessionAtTheTimeOut() {
        let car = ScriptedGen1CarSession()
        car.answerTimeout = 1500
        let bench = WhitebeetBench(gen1Car: car)
        for r: HCIRequest in [.setPilotMode(.evse), .startPilot, .startSlac(.evse)] { #expect(bench.ok(r)) }
        bench.module.plugIn()
        #expect(bench.ok(.startMatching))
        #expect(bench.ok(.setDutyCycle(permille: 50)))
        #expect(bench.run(for: .seconds(2)) { bench.notifications.contains(.slacMatched) })
        #expect(bench.ok(.setV2GMode(.evse)))
        #expect(bench.ok(.evseGen1(.setSupportedProtocols([0, 2]))))
        // Gen-2 commands do not exist here: "start listen" is read as Gen-1's 0x6A without its payload.
        if case .failed(.moduleReported(0x27, 0x6A, _, let result)) = bench.exchange(.startListen) {
            #expect(result == .malformed)
        } else {
            Issue.record("Gen-2 start listen was taken by a Gen-1 module")
        }
        #expect(bench.ok(.startV2G))
        #expect(bench.run(for: .seconds(1)) { bench.notifications.contains(.evseGen1(.requestEVSEID(timeoutMilliseconds: 1500, format: 1))) })
        let asked = bench.now
        #expect(bench.run(for: .seconds(3)) { bench.notifications.contains(.evseGen1(.sessionStopped(closure: 0))) })
        let waited = bench.now - asked
        #expect(waited >= .milliseconds(1500), "ended after \(waited)")
        #expect(car.timedOutWaitingFor == 0x82)
        #expect(car.phase == .failed(sub: 0x82))
        // Answering late is "wrong phase" (0x11), as the module says outside the window (§3.5).
        let late = bench.exchange(.evseGen1(.setEVSEID("DE*CKT*E0001")))
        guard case .failed(.moduleReported(_, _, _, let result)) = late else {
            Issue.record("late answer: \(String(describing: late))")
            return
        }
        #expect(result == .wrongPhase)
    }
}
