import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import CoreTypes
import HAL
import MallocCounting
import Testing
import V2GSession

/// D5 (advantics-can.md §2.7): our PEV role as a bidirectional vehicle in ISO 15118-20 Dynamic mode
/// against the scripted EVCC, whose charger charges, then discharges within our limits; under the
/// manual clock, 1 tick = 1 ms.
@Suite struct AdvanticsPEVBidirectionalTests {
    static func script(_ change: (inout EVCCScript) -> Void = { _ in }) -> EVCCScript {
        var s = EVCCScript.iso20Bidirectional
        s.currentRampAmpsPerSecond = 100
        change(&s)
        return s
    }

    /// Charge, then discharge: the SoC rises then falls, the energy is counted both ways, DC_Status1
    /// carries our discharge limit and a negative present current, the energy requests reach down to
    /// the battery's floor, the V2X window and the departure time go out; the vehicle ends it normally.
    @Test func chargesThenDischargesWithinTheLimits() throws {
        let rig = PEVRig(script: Self.script(), configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack())
        let pack = try #require(rig.bidirectional)
        let start = pack.soc
        try #require(rig.run(30_000) { $0.charging })
        try #require(rig.run(5_000) { $0.discharging })
        let peak = pack.soc
        rig.run(3_000) { _ in false }
        print("bidirectional: SoC \(start) → \(peak) → \(pack.soc) %, in \(pack.chargedWattHours) Wh, out \(pack.dischargedWattHours) Wh, "
              + "current \(rig.inlet.measurement.amps) A, charger peak discharge \(rig.evcc.peakDischargeAmps) A")
        #expect(peak > start && pack.soc < peak)
        #expect(pack.chargedWattHours > 0 && pack.dischargedWattHours > 0)
        #expect(abs(rig.inlet.measurement.amps + 80) < 0.5)  // the charger's own limit, below ours
        #expect(rig.evcc.peakDischargeAmps == 80)
        #expect(rig.pev.dischargeLimitAmps == 100)
        #expect(rig.evcc.status1.maxDischargeAmps == 100)
        #expect(rig.evcc.status1.presentAmps < -79)
        // 0x614: Minimum (the 20 % floor) ≤ Target (90 %) ≤ Maximum; 0x615: the 40–80 % window; 0x616.
        #expect(abs(rig.evcc.energyRequest.minimumKWh - 8) < 0.05 && abs(rig.evcc.energyRequest.targetKWh - 36) < 0.05
                && abs(rig.evcc.energyRequest.maximumKWh - 40) < 0.05)
        #expect(abs(rig.evcc.v2xMinimumKWh - 16) < 0.05 && abs(rig.evcc.v2xMaximumKWh - 32) < 0.05)
        #expect(rig.evcc.departureSeconds < 7_200 && rig.evcc.departureSeconds > 7_180)
        rig.pev.requestStop()
        try #require(rig.run(10_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .vehicleStop)
        #expect(rig.pev.fault == nil && !rig.inlet.conducting && rig.inlet.measurement.amps == 0)
        #expect(rig.pev.rejectedFrames == 0 && rig.evcc.framesRejected == 0 && rig.pev.transmitDropped == 0)
    }

    /// At the battery's minimum SoC our discharge limit drops to 0 and the charger stops taking
    /// current, counted in ticks; the SoC does not fall further.
    @Test func dischargeEndsAtTheMinimumSoC() throws {
        let rig = PEVRig(script: Self.script { $0.dischargeAfter = .zero }, configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack { $0.pack.capacityWattHours = 500; $0.pack.initialSoC = 21 })
        let pack = try #require(rig.bidirectional)
        try #require(rig.run(30_000) { $0.discharging })
        try #require(rig.run(10_000) { $0.pev.dischargeLimitAmps == 0 })
        let ticks = try #require(rig.ticks(1_000) { abs($0.inlet.measurement.amps) < 1 })
        rig.run(1_000) { _ in false }
        print("minimum SoC: limit 0 at SoC \(pack.soc) %, current below 1 A \(ticks) ticks later")
        #expect(ticks <= 60)
        #expect(pack.soc > 19.9 && pack.soc <= 20)
        #expect(rig.pev.fault == nil && rig.evcc.stage == .charging && abs(rig.inlet.measurement.amps) < 1)
    }

    /// Safety: the EVCC falls silent mid-discharge → contactors open 1001 ms after the last
    /// DC_Control, the current stops, an Emergency_Stop edge goes out (§2.3).
    @Test func evccSilenceDuringDischargeOpensTheContactors() throws {
        let rig = PEVRig(script: Self.script(), configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.discharging })
        rig.evcc.silenced = true
        let last = try #require(rig.pev.lastDCControlAt)
        try #require(rig.run(2_000) { !$0.inlet.coilClosed })
        let since = (rig.clock.now().nanoseconds - last.nanoseconds) / 1_000_000
        rig.run(100) { _ in false }
        print("EVCC silent while discharging: contactors commanded open \(since) ms after the last DC_Control")
        #expect(since == 1001)
        #expect(rig.pev.fault == .controllerSilent && rig.pev.dischargeLimitAmps == 0)
        #expect(!rig.inlet.conducting && rig.inlet.measurement.amps == 0)
        #expect(rig.sent.suffix(30).contains { $0.id == 0x613 && $0.data[0] & 0b100 != 0 })
    }

    /// Safety: the vehicle's emergency mid-discharge: contactors open in the same tick, the EVCC aborts
    /// on the edge within one status round.
    @Test func vehicleEmergencyDuringDischarge() throws {
        let rig = PEVRig(script: Self.script(), configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.discharging })
        rig.pev.requestEmergencyStop()
        rig.step()
        #expect(!rig.inlet.coilClosed)
        let ticks = try #require(rig.ticks(500) { $0.evcc.lastEnd == .vehicleEmergency })
        print("vehicle emergency while discharging: EVCC aborted \(ticks + 1) ticks after the request")
        #expect(ticks <= 100)
        #expect(!rig.evcc.closeContactors && !rig.inlet.conducting)
    }

    /// Safety: a charger that keeps draining the pack past what we allow (here a charge-only vehicle,
    /// limit 0) → fault after the configured 500 ms: contactors open, Emergency_Stop edge.
    @Test func chargerDrainingPastTheLimitIsAFault() throws {
        let rig = PEVRig(script: Self.script())
        try #require(rig.run(30_000) { $0.charging })
        // The charger behind the EVCC misbehaves: it pulls 60 A out whatever the vehicle says.
        rig.inlet.charger = { SimulatedPEVInlet.ChargerView(stage: .charging, maxAmps: -60, requestAmps: 0, dischargeLimitAmps: 1_000) }
        let excess = try #require(rig.ticks(1_000) { $0.inlet.measurement.amps < -10 })
        let ticks = try #require(rig.ticks(2_000) { !$0.inlet.coilClosed })
        rig.run(100) { _ in false }
        print("charger draining past the limit: contactors commanded open \(ticks) ticks after \(excess) ticks to exceed it")
        guard case .dischargeBeyondLimit(let amps, let limit)? = rig.pev.fault else {
            Issue.record("fault \(String(describing: rig.pev.fault))")
            return
        }
        #expect(amps > 10 && limit == 0)
        #expect(ticks >= 500 && ticks <= 502)
        #expect(!rig.inlet.conducting)
        #expect(rig.sent.suffix(30).contains { $0.id == 0x613 && $0.data[0] & 0b100 != 0 })
    }

    /// A charge-only vehicle never offers discharge: DC_Status1.Max_Discharge_Current stays 0 and no
    /// V2X frames go out, even against a bidirectional charger.
    @Test func chargeOnlyVehicleOffersNoDischarge() throws {
        let rig = PEVRig(script: Self.script(), bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.charging })
        rig.run(3_000) { _ in false }
        #expect(rig.pev.dischargeLimitAmps == 0 && rig.evcc.status1.maxDischargeAmps == 0)
        #expect(rig.inlet.measurement.amps >= 0 && rig.evcc.peakDischargeAmps == 0)
        #expect(!rig.sent.contains { $0.id == 0x615 || $0.id == 0x616 })
    }
}

/// 0 mallocs per tick over the discharge loop, with 1 kHz of extra CAN traffic.
@Suite struct AdvanticsPEVDischargeAllocationTests {
    @Test func dischargingWithOneKilohertzTrafficDoesNotAllocate() throws {
        let rig = PEVRig(script: AdvanticsPEVBidirectionalTests.script(), configuration: PEVRig.bidirectionalConfiguration,
                         bidirectional: PEVRig.bidirectionalPack())
        try #require(rig.run(30_000) { $0.discharging })
        rig.recording = false
        let stray = CANFrame(id: 0x18FF_50E5, extended: true, bytes: [1, 2, 3, 4, 5, 6, 7, 8])
        let pack = try #require(rig.bidirectional)
        let out = pack.dischargedWattHours
        let mallocs = MallocCounter.count {
            for _ in 0..<20_000 {
                rig.ourBus.backend.inject(stray)
                rig.step()
            }
        }
        print("advantics PEV discharge steady state: \(mallocs) mallocs in 20 000 ticks, \(pack.dischargedWattHours - out) Wh out")
        #expect(mallocs == 0)
        #expect(rig.evcc.stage == .charging && rig.inlet.measurement.amps < -79)
    }
}
