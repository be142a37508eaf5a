import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import CoreTypes
import HAL
import Testing

/// D7 (advantics-can.md §2.5 0x618, §2.7): pause with the contactors open (stage Charge_Pause) and
/// resume without a new plug-in, against the scripted EVCC, counted in 1 ms ticks.
@Suite struct AdvanticsPEVPauseResumeTests {
    static var script: EVCCScript {
        var s = EVCCScript()
        s.stop = .vehicle
        s.currentRampAmpsPerSecond = 100
        return s
    }

    /// Pause: no current, the contactors open, Charge_Pause; paused for 2 s nothing flows and nothing
    /// faults; resume: precharge, the contactor handshake and the charge again, in the same session;
    /// paused again, a user stop ends the session from the pause.
    @Test func pauseAndResumeWithoutANewPlugIn() throws {
        let rig = PEVRig(script: Self.script)
        try #require(rig.run(30_000) { $0.charging })
        #expect(rig.pev.requestPause())
        let toOpen = try #require(rig.ticks(3_000) { $0.evcc.stage == .chargePause && !$0.inlet.coilClosed && !$0.inlet.conducting })
        rig.run(2_000) { _ in false }
        let soc = rig.battery.soc
        print("pause: contactors open \(toOpen) ticks after the request; stage \(rig.pev.stage)")
        #expect(rig.pev.stage == .chargePause && rig.pev.pauses == 1 && !rig.pev.pauseRequested)
        #expect(rig.pev.requestAmps == 0 && rig.inlet.measurement.amps == 0 && !rig.inlet.coilClosed)
        #expect(rig.pev.fault == nil && rig.evcc.pauses == 1)
        rig.run(100) { _ in false }
        #expect(rig.battery.soc == soc)

        #expect(rig.pev.requestResume())
        let toCharge = try #require(rig.ticks(10_000) { $0.charging })
        print("resume: charging again \(toCharge) ticks after the request; stages \(rig.stages)")
        #expect(rig.pev.resumes == 1 && rig.evcc.resumes == 1 && !rig.pev.resumeRequested)
        #expect(rig.stages == [.initialising, .waitingForEVSE, .negotiating, .connected, .insulationTest, .precharge, .closingContactors,
                               .waitingForCharge, .charging, .chargePause, .precharge, .closingContactors, .waitingForCharge, .charging])
        #expect(rig.battery.soc > soc)

        #expect(rig.pev.requestPause())
        try #require(rig.run(3_000) { $0.evcc.stage == .chargePause && !$0.inlet.conducting })
        rig.pev.requestStop()
        try #require(rig.run(5_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .vehicleStop && rig.pev.sessionsEnded == 1 && rig.pev.fault == nil)
        #expect(rig.evcc.pauses == 2 && rig.evcc.resumes == 1)
        // EV_Status: the first (all 0), pause, cleared when acknowledged, resume, cleared, pause, cleared.
        #expect(rig.sent.filter { $0.id == 0x618 }.map { $0.data[0] } == [0, 2, 0, 4, 0, 2, 0])
    }

    /// Not valid before the charging phase, on AC, with DIN 70121 (ISO 15118 only), nor a resume
    /// outside Charge_Pause: refused, nothing sent.
    @Test func pauseOnlyWhereTheSpecAllowsIt() throws {
        let rig = PEVRig(script: Self.script)
        try #require(rig.run(30_000) { $0.evcc.stage == .precharge })
        #expect(!rig.pev.requestPause())
        try #require(rig.run(30_000) { $0.charging })
        #expect(!rig.pev.requestResume())
        var din = Self.script
        din.communicationProtocol = 2
        let dinRig = PEVRig(script: din)
        try #require(dinRig.run(30_000) { $0.charging })
        #expect(!dinRig.pev.requestPause())
        let ac = PEVRig(script: .ac)
        try #require(ac.run(30_000) { $0.evcc.stage == .acCharging })
        #expect(!ac.pev.requestPause())
        #expect(!(rig.sent + dinRig.sent + ac.sent).contains { $0.id == 0x618 && $0.data[0] != 0 })
    }

    /// Safety while paused: the EVCC falls silent → the fault 1001 ms after the last DC_Control, the
    /// contactors stay open, an Emergency_Stop edge, and no resume is accepted.
    @Test func evccSilenceWhilePaused() throws {
        let rig = PEVRig(script: Self.script)
        try #require(rig.run(30_000) { $0.charging })
        rig.pev.requestPause()
        try #require(rig.run(3_000) { $0.evcc.stage == .chargePause && !$0.inlet.conducting })
        rig.evcc.silenced = true
        let last = try #require(rig.pev.lastDCControlAt)
        try #require(rig.run(2_000) { $0.pev.fault != nil })
        let since = (rig.clock.now().nanoseconds - last.nanoseconds) / 1_000_000
        rig.run(100) { _ in false }
        print("EVCC silent while paused: fault \(since) ms after the last DC_Control")
        #expect(since == 1001 && rig.pev.fault == .controllerSilent)
        #expect(!rig.inlet.coilClosed && !rig.inlet.conducting)
        #expect(rig.sent.suffix(30).contains { $0.id == 0x613 && $0.data[0] & 0b100 != 0 })
        #expect(!rig.pev.requestResume())
    }

    /// Pause mid-discharge (D5 with D7): the discharge stops, the contactors open; resume discharges again.
    @Test func pauseDuringDischarge() throws {
        let rig = PEVRig(script: AdvanticsPEVBidirectionalTests.script(), configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.discharging })
        #expect(rig.pev.requestPause())
        let ticks = try #require(rig.ticks(3_000) { $0.evcc.stage == .chargePause && !$0.inlet.conducting })
        print("pause while discharging: contactors open \(ticks) ticks after the request")
        #expect(rig.pev.dischargeLimitAmps == 0 && rig.inlet.measurement.amps == 0)
        #expect(rig.pev.requestResume())
        try #require(rig.run(10_000) { $0.discharging })
        #expect(rig.pev.fault == nil && rig.evcc.resumes == 1)
    }
}
