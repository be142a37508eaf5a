import AdvanticsCAN
import AdvanticsEVSE
import AdvanticsEmulator
import Contracts
import ControlLoop
import CoreTypes
import HAL
import MallocCounting
import PowerPath
import PowerPlantSim
import Testing
import TestSupport

/// Our EVSE role + PowerPathController + PowerPlantSim against the scripted SECC (advantics-can.md
/// §1.7), counted in 1 ms ticks of the manual clock.
@Suite struct AdvanticsSessionTests {
    /// E0–E13: availability, negotiation, modules wake-up, insulation test, lowering, precharge, the
    /// vehicle closes, charging, the three-step stop, welding detection, closing — clean.
    @Test func wholeSession() throws {
        let rig = AdvanticsRig()
        let done = rig.run(60_000) { $0.secc.sessionsCompleted == 1 }
        print("stages: \(rig.stages)\nphases: \(rig.phases)")
        try #require(done, "session did not complete: SECC at \(rig.secc.stage), power \(rig.facts.power.value.phase) \(rig.facts.power.value.outcome)")
        #expect(rig.stages == [.notAvailable, .waitingForPEV, .negotiating, .connected, .wakingModules, .insulationTest, .lowering,
                               .precharge, .waitingForCharge, .charging, .ending, .weldingDetection, .closing, .waitingForPEV])
        #expect(rig.phases == [.idle, .cableCheck, .precharge, .charging, .stopping, .weldingCheck, .idle])
        #expect(rig.secc.rushedStops == 0 && rig.secc.insulationFailures == 0)
        #expect(rig.plant.stateOfCharge > rig.plant.parameters.battery.initialSoC)
        #expect(rig.plant.contactors.status.isOpen)
        #expect(rig.plant.supply.readback.isOff)
        #expect(rig.evse.fault == nil)
        #expect(rig.evse.rejectedFrames == 0 && rig.evse.transmitDropped == 0)
        // Power_Modules_Status every 100 ticks, never late (§1.5).
        let gaps = zip(rig.statusTicks.dropFirst(), rig.statusTicks).map { $0 - $1 }
        print("Power_Modules_Status: \(rig.statusTicks.count) frames in \(rig.index) ticks, gaps \(Set(gaps).sorted())")
        #expect(Set(gaps) == [100])
    }

    /// The charging current follows the Target_Mode setpoint.
    @Test func chargingFollowsTheSetpoint() throws {
        var script = SECCScript()
        script.chargeAmps = 80
        script.chargeFor = .seconds(10)
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 79 })
        rig.run(2000) { _ in false }
        #expect(abs(rig.facts.power.value.amps - 80) < 1.5)
        #expect(abs(rig.secc.modules.presentAmps - rig.facts.power.value.amps) < 0.2)
        if case .charge(let v, let i) = rig.evse.request.step {
            #expect(v == 440 && i == 80)
        } else {
            Issue.record("request \(rig.evse.request.step)")
        }
    }

    /// The controller falls silent mid-charge: after the 200 ms status timeout the power path is in
    /// its safe stop (supply off, contactors commanded open) — counted in ticks.
    @Test func controllerSilenceIsASafeStop() throws {
        let rig = AdvanticsRig()
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 50 })
        let lastStatus = try #require(rig.evse.lastControllerStatusAt)
        rig.secc.silenced = true
        let ticks = try #require(rig.ticks(1000) { $0.phase == .safeStop })
        let sinceLastStatus = (rig.clock.now().nanoseconds - lastStatus.nanoseconds) / 1_000_000
        print("controller silent: safe stop \(ticks) ticks after silence, \(sinceLastStatus) ms after its last status")
        #expect(rig.evse.fault == .controllerSilent)
        #expect(sinceLastStatus <= 202)
        #expect(rig.facts.power.value.outcome == .failed(.pilotFault))
        #expect(rig.plant.supply.commandedMode == .off)
        #expect(!rig.plant.contactors.coilClosed)
        rig.run(300) { _ in false }
        #expect(rig.secc.modules.systemEnable == false)
    }

    /// The SECC signals Emergency_Stop mid-charge: safe stop within the tick after the frame.
    @Test func emergencyStopFromTheController() throws {
        let rig = AdvanticsRig()
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 50 })
        rig.secc.triggerEmergencyStop(origin: .pev)
        let ticks = try #require(rig.ticks(200) { $0.phase == .safeStop })
        print("emergency stop: safe stop after \(ticks) ticks")
        #expect(ticks <= 3)
        #expect(rig.evse.fault == .emergencyStop(origin: 3))
        // The controller closes (rushed) and returns to Waiting_For_PEV; our role acknowledges and the
        // power path leaves its safe stop for idle.
        try #require(rig.run(10_000) { $0.secc.rushedStops == 1 && $0.secc.stage == .waitingForPEV })
        rig.run(50) { _ in false }
        #expect(rig.phase == .idle)
        #expect(rig.evse.fault == nil)
    }

    /// The charger's stop button (E10): a User_Stop_Button edge ends the charge normally.
    @Test func stopFromTheCustomer() throws {
        var script = SECCScript()
        script.stop = .customer
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 50 })
        rig.evse.requestUserStop()
        try #require(rig.run(20_000) { $0.secc.sessionsCompleted == 1 })
        #expect(rig.secc.rushedStops == 0)
        #expect(Array(rig.phases.suffix(4)) == [.charging, .stopping, .weldingCheck, .idle])
        #expect(rig.secc.flags.userStopPressed == false)  // the edge returned to 0
    }

    /// The isolation drops: the SECC judges the reported insulation resistance below its threshold
    /// (E6) and terminates the session (rushed); our role stops the power path (supply off, contactors
    /// open) without ever precharging, and is idle for the next session.
    @Test func insulationFailure() throws {
        let rig = AdvanticsRig()
        rig.plant.inject(.isolationDrops)
        try #require(rig.run(60_000) { $0.secc.rushedStops == 1 })
        print("insulation failure: phases \(rig.phases), stages \(rig.stages)")
        #expect(rig.secc.insulationFailures == 1)
        #expect(!rig.stages.contains(.precharge))
        #expect(!rig.phases.contains(.precharge))
        #expect(rig.secc.modules.insulationKiloohms < 100)
        rig.run(2000) { $0.phase == .idle }
        #expect(rig.plant.contactors.status.isOpen)
        #expect(rig.plant.supply.readback.isOff)
        rig.run(100) { _ in false }
        #expect(rig.phase == .idle)
    }

    /// A discharge setpoint (Range_Mode entirely below 0) on a plant that cannot discharge: refused with
    /// System_Enable = Not_Allowed, the power path in its safe stop; the SECC treats it as the modules'
    /// emergency shutdown (§1.3).
    @Test func dischargeIsRefused() throws {
        var script = SECCScript()
        script.rangeMode = (min: -50, max: -10)
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.evse.fault != nil })
        #expect(rig.evse.fault == .dischargeRefused)
        rig.run(300) { _ in false }
        #expect(rig.phase == .safeStop)
        #expect(rig.secc.modules.systemEnable == false)
        #expect(rig.secc.stage == .emergency || rig.secc.stage == .closing)
    }

    /// A range that allows charging is served with a charge point (no discharge): Current_Range_Max.
    @Test func rangeModeChargesWithinTheRange() throws {
        var script = SECCScript()
        script.rangeMode = (min: -50, max: 60)
        script.chargeFor = .seconds(8)
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 59 })
        #expect(rig.evse.fault == nil)
        #expect(abs(rig.facts.power.value.amps - 60) < 1.5)
    }

    /// Our frames stop reaching the controller (a broken transmit path): after its 500 ms
    /// Power_Modules_Status timeout the SECC signals Emergency_Stop (§1.3) and our role's safe stop
    /// follows within the tick the frame arrives.
    @Test func modulesSilenceIsAnInterlock() throws {
        let rig = AdvanticsRig()
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 50 })
        rig.ourBus.backend.silenced = true
        let toEmergency = try #require(rig.ticks(2000) { $0.secc.stage == .emergency })
        let toSafeStop = try #require(rig.ticks(200) { $0.phase == .safeStop })
        print("modules silent: SECC emergency after \(toEmergency) ticks, our safe stop \(toSafeStop) ticks later")
        #expect(toEmergency >= 500 && toEmergency <= 601)
        #expect(toSafeStop <= 2)
        #expect(rig.evse.fault == .emergencyStop(origin: 1))
    }

    /// Reaction times in ticks: the first Power_Transfer request becomes a charge step in the power
    /// path within the tick it is received; DC_Power_Parameters goes out every 100 ticks, never faster.
    @Test func reactionAndPeriods() throws {
        let rig = AdvanticsRig()
        try #require(rig.run(60_000) { $0.secc.stage == .charging })
        let ticks = try #require(rig.ticks(200) { $0.phase == .charging })
        print("Power_Transfer → charging phase: \(ticks) ticks after the SECC entered Charging")
        #expect(ticks <= 101)  // one DC_Power_Control period (100 ms) + the tick it is received
        var parameterTicks: [UInt64] = []
        while rig.ourBus.backend.transmitted.pop() != nil {}
        for _ in 0..<1000 {
            rig.step()
            // What our bus put on the wire this tick (the twin's record; the SECC still gets every frame).
            while let f = rig.ourBus.backend.transmitted.pop() {
                if f.id == 0x0106_3001 { parameterTicks.append(rig.index) }
            }
        }
        let gaps = Set(zip(parameterTicks.dropFirst(), parameterTicks).map { $0 - $1 })
        print("DC_Power_Parameters: \(parameterTicks.count) frames in 1000 ticks, gaps \(gaps.sorted())")
        #expect(gaps == [100])
    }

    /// Without sequence flags (E1: straight to Waiting_For_PEV) and with CCS external authorisation
    /// (E3: state 11 until our Done + Valid), on pistol 3: whole sessions still complete.
    @Test func sequenceVariantsAndPistolIndex() throws {
        var script = SECCScript()
        script.useSequenceFlags = false
        let plain = AdvanticsRig(script: script)
        #expect(plain.run(60_000) { $0.secc.sessionsCompleted == 1 })
        #expect(!plain.stages.contains(.notAvailable))

        var authorised = SECCScript()
        authorised.externalAuthorisation = true
        authorised.pistol = 3
        var configuration = AdvanticsEVSEConfiguration()
        configuration.pistol = 3
        let rig = AdvanticsRig(script: authorised, configuration: configuration)
        #expect(rig.run(60_000) { $0.secc.sessionsCompleted == 1 })
        #expect(rig.stages.contains(.authorising))
        #expect(rig.evse.ignoredFrames == 0)

        // Done + Invalid: the SECC ends the session without powering (E3).
        configuration.ccsAuthorisationValid = false
        let refused = AdvanticsRig(script: authorised, configuration: configuration)
        #expect(refused.run(20_000) { $0.secc.rushedStops == 1 })
        #expect(!refused.stages.contains(.insulationTest))
        #expect(refused.phases == [.idle])
    }

    /// Garbage on the bus mid-charge (random identifiers, random payloads of real messages, wrong
    /// lengths, undefined values): the role never traps, every frame is taken, counted or rejected, and
    /// the session still ends cleanly. Seed: ADVANTICS_BUS_FUZZ_SEED.
    @Test func randomBusTrafficDuringASession() throws {
        let seed = FuzzSeed.value("ADVANTICS_BUS_FUZZ_SEED", default: 0xB05_0016)
        print("advantics bus fuzz: seed \(seed) (replay: ADVANTICS_BUS_FUZZ_SEED=\(seed))")
        var rng = FuzzRandom(seed: seed)
        var script = SECCScript()
        script.chargeFor = .seconds(6)
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging })
        // Identifiers the role does not act on: other pistols, the PEV interface, P→C messages, unknown.
        let ids: [UInt32] = [0x0206_B003, 0x1F06_B000, 0x0106_3000, 0x0106_3002, 0x600, 0x612, 0x18FF_50E5, 0x0106_B0FF, 0x7FF]
        for _ in 0..<3000 {
            let id = ids.randomElement(using: &rng)!
            var f = CANFrame(id: id, extended: id > 0x7FF, length: UInt8.random(in: 0...8, using: &rng))
            for i in 0..<8 { f.data[i] = UInt8.random(in: 0...255, using: &rng) }
            rig.ourBus.backend.inject(f)
            rig.step()
        }
        let counted = rig.evse.unknownFrames + rig.evse.ignoredFrames + rig.evse.rejectedFrames
        print("advantics bus fuzz: \(rig.evse.unknownFrames) unknown, \(rig.evse.ignoredFrames) ignored, \(rig.evse.rejectedFrames) rejected")
        #expect(counted == 3000)
        #expect(rig.evse.fault == nil)
        #expect(rig.run(30_000) { $0.secc.sessionsCompleted == 1 })
        #expect(rig.secc.rushedStops == 0)
    }

    /// Range_Mode with `OCPP_Control.Dynamic_Target_Current` (§1.4, E10): the setpoint follows the
    /// third party's target, clamped to the range; a negative target on a plant that cannot discharge
    /// is served at 0 A while the range allows charging.
    @Test func rangeModeFollowsTheOCPPTarget() throws {
        var script = SECCScript()
        script.rangeMode = (min: -50, max: 60)
        script.chargeFor = .seconds(20)
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 20 })
        let codec = AdvanticsCANCodec()
        func ocpp(_ amps: Double) throws {
            let f = try codec.encodeEVSE(EVSEMessageIndex.ocppControl, EVSEMessage.single(amps), pistol: 1)
            rig.ourBus.backend.inject(CANFrame(id: f.id, extended: true, bytes: f.bytes))
        }
        try ocpp(30)
        rig.run(3000) { _ in false }
        #expect(abs(rig.facts.power.value.amps - 30) < 1.5)
        try ocpp(90)  // above the range: Current_Range_Max
        rig.run(3000) { _ in false }
        #expect(abs(rig.facts.power.value.amps - 60) < 1.5)
        try ocpp(-20)  // a discharge this plant cannot do, inside a range that allows charging
        rig.run(4000) { _ in false }
        #expect(abs(rig.facts.power.value.amps) < 1.5)
        #expect(rig.evse.fault == nil)
        #expect(rig.phase == .charging)
    }

    /// Frames of neither interface, of another pistol, and malformed ones are counted, never acted on.
    @Test func strayFramesAreCounted() throws {
        let rig = AdvanticsRig()
        rig.ourBus.backend.inject(CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3]))
        rig.ourBus.backend.inject(CANFrame(id: 0x0206_B003, extended: true, bytes: [0, 0, 0, 0, 0, 0, 8]))  // pistol 2
        rig.ourBus.backend.inject(CANFrame(id: 0x0106_B003, extended: true, bytes: [0, 0, 0, 0, 0, 0, 3]))  // function 3
        rig.ourBus.backend.inject(CANFrame(id: 0x600, extended: false, bytes: [0, 0, 0, 0, 0, 0]))  // PEV
        rig.step()
        #expect(rig.evse.unknownFrames == 1)
        #expect(rig.evse.ignoredFrames == 2)
        #expect(rig.evse.rejectedFrames == 1)
        #expect(rig.phase == .idle)
    }
}

/// Steady state at 0 mallocs per tick while charging, with 1 kHz of extra CAN traffic (one stray frame
/// every tick on top of the session's own).
@Suite struct AdvanticsAllocationTests {
    @Test func chargingWithOneKilohertzTrafficDoesNotAllocate() throws {
        var script = SECCScript()
        script.stop = .customer
        let rig = AdvanticsRig(script: script)
        try #require(rig.run(60_000) { $0.secc.stage == .charging && $0.facts.power.value.amps > 99 })
        rig.recording = false
        let stray = CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        let start = rig.evse.unknownFrames
        let received = rig.secc.framesSent
        let mallocs = MallocCounter.count {
            for _ in 0..<20_000 {
                rig.ourBus.backend.inject(stray)
                rig.step()
            }
        }
        print("advantics steady state: \(mallocs) mallocs in 20 000 ticks, \(rig.evse.unknownFrames - start) stray frames, "
              + "\(rig.secc.framesSent - received) SECC frames, \(rig.evse.statusFramesSent) status frames")
        #expect(mallocs == 0)
        #expect(rig.evse.unknownFrames - start == 20_000)
        #expect(rig.secc.stage == .charging)
        #expect(rig.phase == .charging)
    }

    /// Negative control: the counter sees a tick that allocates.
    @Test func theCounterSeesAnAllocation() {
        let rig = AdvanticsRig()
        var kept: [[UInt64]] = []
        let mallocs = MallocCounter.count {
            for _ in 0..<10 {
                rig.step()
                kept.append([rig.index])
            }
        }
        #expect(mallocs >= 10)
        #expect(kept.count == 10)
    }
}

/// The bench monitor watching both directions of a live session.
@Suite struct AdvanticsMonitorTests {
    @Test func monitorShowsStateSetpointsReadoutsAndRates() throws {
        let rig = AdvanticsRig()
        let monitor = AdvanticsMonitor()
        while rig.ourBus.backend.transmitted.pop() != nil {}
        while rig.seccBus.backend.transmitted.pop() != nil {}
        for _ in 0..<60_000 {
            rig.step()
            while let f = rig.ourBus.backend.transmitted.pop() { monitor.observe(f, at: rig.clock.now()) }
            while let f = rig.seccBus.backend.transmitted.pop() { monitor.observe(f, at: rig.clock.now()) }
            if rig.secc.stage == .charging, rig.facts.power.value.amps > 50 { break }
        }
        let view = monitor.render(at: rig.clock.now())
        print(view)
        #expect(view.contains("controller: charging"))
        #expect(view.contains("request:    powerTransfer Target_Mode 440.0 V, 100.0..100.0 A, contactors Close"))
        #expect(view.contains("System_Enable Allowed"))
        #expect(view.contains("Power_Modules_Status: "))
        #expect(view.contains("Advantics_Controller_Status: "))
        #expect(monitor.statistics[EVSEMessageIndex.powerModulesStatus]!.count > 10)
        #expect(monitor.rejectedFrames == 0 && monitor.unknownFrames == 0)
    }
}
