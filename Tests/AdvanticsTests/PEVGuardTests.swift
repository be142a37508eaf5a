import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import CoreTypes
import HAL
import Testing

/// The PEV role's guards and the bench views around it, against the scripted EVCC under the manual clock.
@Suite struct AdvanticsPEVGuardTests {
    /// `EV_Status.HV_Preparing_Hold_Off` holds the session in Connected_With_Full_Info (§2.5 0x618);
    /// EV_Status goes out on change only (DB v2.5).
    @Test func holdOffHoldsTheSession() throws {
        let rig = PEVRig()
        rig.pev.holdOff(true)
        try #require(rig.run(10_000) { $0.evcc.stage == .connected })
        rig.run(2_000) { _ in false }
        #expect(rig.evcc.stage == .connected && rig.evcc.holdOff)
        rig.pev.holdOff(false)
        try #require(rig.run(2_000) { $0.evcc.stage == .insulationTest })
        let evStatus = rig.sent.filter { $0.id == 0x618 }
        print("EV_Status frames: \(evStatus.map(\.payload))")
        #expect(evStatus.map { $0.data[0] } == [1, 0])
    }

    /// A Close_Contactors command while the inlet is far from the battery (here: at the insulation
    /// test voltage) is refused, and the vehicle asks for a normal end of charge (§2.7 D2).
    @Test func closeAgainstAMismatchIsRefused() throws {
        let rig = PEVRig()
        try #require(rig.run(10_000) { $0.evcc.stage == .insulationTest && $0.inlet.measurement.volts > 450 })
        rig.ourBus.backend.inject(CANFrame(id: 0x602, bytes: [1]))
        rig.step()
        guard case .closeRefused(let inlet, let battery)? = rig.pev.fault else {
            Issue.record("fault \(String(describing: rig.pev.fault))")
            return
        }
        print("close refused: inlet \(inlet) V, battery \(battery) V")
        #expect(!rig.inlet.coilClosed && rig.pev.stopRequested && rig.pev.requestAmps == 0)
        try #require(rig.run(1_000) { $0.evcc.lastEnd == .vehicleStop })
        #expect(!rig.contactorsEverClosed)
    }

    /// ISO 15118-20: `EV_Energy_Request` every 100 ms with Minimum ≤ Target ≤ Maximum (§2.5 0x614), at
    /// both firmware resolutions of the energy fields.
    @Test(arguments: [PEVScaling.reference, .exampleDatabase])
    func energyRequestForPart20(_ scaling: PEVScaling) throws {
        var configuration = AdvanticsPEVConfiguration()
        configuration.sendsEnergyRequest = true
        let rig = PEVRig(configuration: configuration, scaling: scaling)
        rig.run(1_000) { _ in false }
        let codec = AdvanticsCANCodec(pevScaling: scaling)
        let frames = rig.sent.filter { $0.id == 0x614 }
        #expect(frames.count == 10)
        var v = SignalValues()
        let last = try #require(frames.last)
        _ = try codec.decode(AdvanticsFrame(id: last.id, extended: false, bytes: last.payload), into: &v)
        print("EV_Energy_Request (\(scaling)): target \(v[0]) kWh, maximum \(v[1]) kWh, minimum \(v[2]) kWh")
        #expect(v[2] <= v[0] && v[0] <= v[1])
        #expect(abs(v[1] - 40) < 0.01 && abs(v[0] - 36) < 0.01 && abs(v[2] - 20) < 0.06)
        #expect(rig.pev.rejectedFrames == 0)
    }

    /// The PEV monitor view (`boardctl can monitor --role pev`) over both sides' frames mid-charge.
    @Test func monitorShowsBothSides() throws {
        let rig = PEVRig()
        try #require(rig.run(30_000) { $0.charging })
        let monitor = AdvanticsMonitor(interface: .pev)
        for f in rig.sent.suffix(40) { monitor.observe(f, at: rig.clock.now()) }
        while let f = rig.evccBus.backend.transmitted.pop() { monitor.observe(f, at: rig.clock.now()) }
        let view = monitor.render(at: rig.clock.now())
        print(view)
        #expect(view.contains("controller: charging, pins ccsDCCore"))
        #expect(view.contains("Close_Contactors Close"))
        #expect(view.contains("contactors Close"))
        #expect(view.contains("DC_Status1:"))
        #expect(monitor.rejectedFrames == 0)
    }
}
