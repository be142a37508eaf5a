import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import CoreTypes
import HAL
import MallocCounting
import Testing
import TestSupport

/// Our PEV role (vehicle side, PEV v2) with a battery model and the simulated inlet against the
/// scripted EVCC (advantics-can.md §2.7), counted in 1 ms ticks of the manual clock.
@Suite struct AdvanticsPEVSessionTests {
    /// P0–P2, D1–D8: boot, plug-in, negotiation, lock, insulation test, precharge to the battery, the
    /// contactor handshake, the ramped charge, the charger's stop, welding detection, safe unlock.
    @Test func wholeDCSession() throws {
        let rig = PEVRig()
        let soc = rig.battery.soc
        let done = rig.run(30_000) { $0.evcc.sessionsCompleted == 1 }
        print("stages: \(rig.stages)")
        try #require(done, "session did not complete: EVCC at \(rig.evcc.stage), end \(String(describing: rig.evcc.lastEnd))")
        #expect(rig.stages == [.initialising, .waitingForEVSE, .negotiating, .connected, .insulationTest, .precharge, .closingContactors,
                               .waitingForCharge, .charging, .ending, .weldingDetection, .closing, .waitingForEVSE])
        #expect(rig.evcc.lastEnd == .chargerStop)
        #expect(rig.battery.soc > soc)
        #expect(rig.contactorsEverClosed && !rig.inlet.conducting && !rig.inlet.coilClosed)
        #expect(rig.pev.fault == nil && rig.pev.sessionsEnded == 1)
        #expect(rig.pev.rejectedFrames == 0 && rig.pev.transmitDropped == 0 && rig.evcc.framesRejected == 0)
        // The ramp: 20 A/s for 3 s of charging, never above the battery's request.
        print("peak current \(rig.peakAmps) A, SoC \(soc) → \(rig.battery.soc) %")
        #expect(rig.peakAmps > 50 && rig.peakAmps <= 61)
        // EV_Information, DC_Status1, DC_Status2 every 100 ticks from the start, never late (§2.2).
        let gaps = Set(zip(rig.statusTicks.dropFirst(), rig.statusTicks).map { $0 - $1 })
        print("status rounds: \(rig.statusTicks.count) in \(rig.index) ticks, gaps \(gaps.sorted())")
        #expect(gaps == [100])
        #expect(rig.statusTicks.first == 1)
    }

    /// The battery is full: a Normal_End_of_Charge edge, the EVCC ends the charge (D4, D8).
    @Test func vehicleStopsWhenTheBatteryIsComplete() throws {
        var script = EVCCScript()
        script.stop = .vehicle
        script.currentRampAmpsPerSecond = 400
        let rig = PEVRig(script: script, battery: PEVRig.pack { $0.initialSoC = 89.95; $0.capacityWattHours = 2_000 })
        try #require(rig.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .vehicleStop)
        #expect(rig.battery.soc >= 90)
        #expect(!rig.inlet.conducting && rig.pev.fault == nil)
        let edges = rig.sent.filter { $0.id == 0x613 && $0.data[0] & 0b10 != 0 }.count
        print("Normal_End_of_Charge frames at 1: \(edges)")
        #expect(edges == AdvanticsPEVConfiguration().edgeFrames)
    }

    /// A user stop mid-charge: ticks from the request to the EVCC's Ending_Charge and to open contactors.
    @Test func userStopReactionInTicks() throws {
        var script = EVCCScript()
        script.stop = .vehicle
        let rig = PEVRig(script: script)
        try #require(rig.run(30_000) { $0.charging })
        rig.pev.requestStop()
        let toEnding = try #require(rig.ticks(500) { $0.evcc.stage == .ending })
        let toOpen = try #require(rig.ticks(5_000) { !$0.inlet.conducting })
        print("user stop: EVCC ending after \(toEnding) ticks, contactors open \(toOpen) ticks later")
        #expect(toEnding <= 101)  // the next status round carries the edge
        try #require(rig.run(5_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .vehicleStop)
    }

    /// The EVCC falls silent mid-charge: after 1 s without DC_Control the VCU opens its contactors
    /// (advantics-can.md §2.3), counted in ticks from the last DC_Control.
    @Test func evccSilenceOpensTheContactors() throws {
        let rig = PEVRig()
        try #require(rig.run(30_000) { $0.charging })
        rig.evcc.silenced = true
        let last = try #require(rig.pev.lastDCControlAt)
        try #require(rig.run(2_000) { !$0.inlet.coilClosed })
        let since = (rig.clock.now().nanoseconds - last.nanoseconds) / 1_000_000
        print("EVCC silent: contactors commanded open \(since) ms after the last DC_Control")
        #expect(since == 1001)
        #expect(rig.pev.fault == .controllerSilent)
        #expect(rig.pev.requestAmps == 0)
        rig.run(200) { _ in false }
        let emergency = rig.sent.suffix(30).contains { $0.id == 0x613 && $0.data[0] & 0b100 != 0 }
        #expect(emergency)
        #expect(!rig.inlet.conducting)
    }

    /// The charger shuts down in an emergency: Close_Contactors = Open and the VCU opens in the same tick.
    @Test func chargerEmergencyOpensAtOnce() throws {
        let rig = PEVRig()
        try #require(rig.run(30_000) { $0.charging })
        rig.evcc.triggerChargerEmergency()
        let ticks = try #require(rig.ticks(200) { !$0.inlet.coilClosed })
        print("charger emergency: vehicle contactors commanded open after \(ticks) tick(s)")
        #expect(ticks <= 1)
        #expect(rig.evcc.lastEnd == .chargerEmergency)
        try #require(rig.run(5_000) { $0.evcc.stage == .waitingForEVSE })
        #expect(rig.evcc.sessionsAborted == 1)
    }

    /// The charger's insulation test fails: no precharge, the vehicle contactors never close.
    @Test func isolationFailureEndsWithoutPower() throws {
        var script = EVCCScript()
        script.insulationFault = true
        let rig = PEVRig(script: script)
        try #require(rig.run(30_000) { $0.evcc.stage == .closing })
        rig.run(50) { _ in false }
        #expect(rig.pev.diagnostics.isolationLevel == EVCCDiagnostics.isolationFault)
        try #require(rig.run(5_000) { $0.evcc.sessionsAborted == 1 })
        #expect(rig.evcc.lastEnd == .isolationFault)
        #expect(!rig.contactorsEverClosed)
        #expect(!rig.stages.contains(.precharge))
    }

    /// The vehicle's emergency: contactors open in the same tick, the EVCC sees the edge and aborts.
    @Test func vehicleEmergencyStop() throws {
        let rig = PEVRig()
        try #require(rig.run(30_000) { $0.charging })
        rig.pev.requestEmergencyStop()
        rig.step()
        #expect(!rig.inlet.coilClosed)
        let ticks = try #require(rig.ticks(500) { $0.evcc.lastEnd == .vehicleEmergency })
        print("vehicle emergency: EVCC aborted \(ticks + 1) ticks after the request")
        #expect(ticks <= 100)
    }

    /// The VCU hangs mid-charge: the EVCC's can_timeout_ms (500 ms) aborts and opens the contactors.
    @Test func vehicleSilenceIsSeenByTheEVCC() throws {
        let rig = PEVRig()
        try #require(rig.run(30_000) { $0.charging })
        rig.pevRunning = false
        let ticks = try #require(rig.ticks(1_000) { $0.evcc.lastEnd == .vehicleSilent })
        print("VCU silent: EVCC aborted after \(ticks) ticks")
        #expect(ticks > 400 && ticks <= 601)
        #expect(!rig.evcc.closeContactors)
    }

    /// A1–A5: Ready_To_Deliver_Power ↔ Ready_To_Charge, the draw within Max_Current, the charger's stop.
    @Test func acSessionChargerStop() throws {
        let rig = PEVRig(script: .ac)
        let soc = rig.battery.soc
        var drew: Double = 0
        try #require(rig.run(30_000) { r in
            drew = max(drew, r.pev.acDrawAmps)
            return r.evcc.sessionsCompleted == 1
        })
        print("AC stages: \(rig.stages), draw \(drew) A")
        #expect(rig.stages == [.initialising, .waitingForEVSE, .negotiating, .connected, .acReady, .acCharging, .acEnding, .closing,
                               .waitingForEVSE])
        #expect(rig.evcc.lastEnd == .chargerStop)
        #expect(drew == 16)
        #expect(rig.battery.soc > soc)
        #expect(!rig.pev.readyToCharge && rig.pev.acDrawAmps == 0)
        #expect(!rig.contactorsEverClosed)
    }

    /// A4: the vehicle stops: the draw ends before Ready_To_Charge returns to 0.
    @Test func acSessionVehicleStop() throws {
        var script = EVCCScript.ac
        script.stop = .vehicle
        let rig = PEVRig(script: script)
        try #require(rig.run(30_000) { $0.evcc.stage == .acCharging && $0.pev.acDrawAmps > 0 })
        rig.pev.requestStop()
        var drawStoppedAt: UInt64?, notReadyAt: UInt64?
        try #require(rig.run(1_000) { r in
            if drawStoppedAt == nil, r.pev.acDrawAmps == 0 { drawStoppedAt = r.index }
            if notReadyAt == nil, !r.pev.readyToCharge { notReadyAt = r.index }
            return r.evcc.stage == .closing
        })
        let stopped = try #require(drawStoppedAt), notReady = try #require(notReadyAt)
        print("AC vehicle stop: draw 0 at tick \(stopped), Ready_To_Charge 0 at tick \(notReady)")
        #expect(stopped < notReady)
        try #require(rig.run(5_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .vehicleStop)
    }

    /// The early-database firmware (0.1 A, 0.01 kWh) on both sides: the same session; the request is
    /// sent ten times larger in raw bits.
    @Test func earlyFirmwareScaling() throws {
        let rig = PEVRig(scaling: .exampleDatabase)
        try #require(rig.run(30_000) { $0.charging && $0.pev.requestAmps > 100 })
        let s1 = try #require(rig.sent.last { $0.id == 0x612 })
        let raw = Int16(bitPattern: UInt16(s1.data[0]) | UInt16(s1.data[1]) << 8)
        #expect(Double(raw) == (rig.pev.requestAmps * 10).rounded())
        try #require(rig.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.pev.rejectedFrames == 0 && rig.evcc.framesRejected == 0)
    }
}

/// Steady state at 0 mallocs per tick while charging, with 1 kHz of extra CAN traffic.
@Suite struct AdvanticsPEVAllocationTests {
    @Test func chargingWithOneKilohertzTrafficDoesNotAllocate() throws {
        var script = EVCCScript()
        script.stop = .vehicle
        let rig = PEVRig(script: script)
        try #require(rig.run(30_000) { $0.charging })
        rig.recording = false
        let stray = CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        let start = rig.pev.unknownFrames
        let rounds = rig.pev.statusRounds
        let mallocs = MallocCounter.count {
            for _ in 0..<20_000 {
                rig.ourBus.backend.inject(stray)
                rig.step()
            }
        }
        print("advantics PEV steady state: \(mallocs) mallocs in 20 000 ticks, \(rig.pev.unknownFrames - start) stray frames, "
              + "\(rig.pev.statusRounds - rounds) status rounds")
        #expect(mallocs == 0)
        #expect(rig.pev.unknownFrames - start == 20_000)
        #expect(rig.evcc.stage == .charging && rig.inlet.conducting)
    }
}
