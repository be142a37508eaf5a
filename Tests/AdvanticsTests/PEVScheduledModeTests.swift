import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import CoreTypes
import HAL
import Testing

/// D6 (advantics-can.md §2.5 0x618, §2.7): ISO 15118-20 Scheduled mode, current or voltage control
/// selected by `EV_Status.ISO15118_Part20_Scheduled_Mode_Control`, against the scripted EVCC.
@Suite struct AdvanticsPEVScheduledModeTests {
    static var iso20: EVCCScript {
        var s = EVCCScript()
        s.communicationProtocol = 4
        s.currentRampAmpsPerSecond = 100
        return s
    }

    static func controlBits(_ rig: PEVRig) -> [UInt8] { rig.sent.filter { $0.id == 0x618 }.map { $0.data[0] & 0b1000 } }

    /// Voltage control: the controller's loop target is our Target_Voltage with 0 A and the charger's
    /// voltage regulation drives the current; switched to current control mid-charge (allowed at any
    /// time), the loop target becomes our current request with 0 V, at the next tick.
    @Test func voltageControlThenCurrentControl() throws {
        var configuration = AdvanticsPEVConfiguration()
        configuration.scheduledVoltageControl = true
        let rig = PEVRig(script: Self.iso20, configuration: configuration)
        try #require(rig.run(30_000) { $0.charging })
        rig.run(500) { _ in false }
        let s1 = rig.evcc.status1
        print("voltage control: loop target \(rig.evcc.loopTargetVolts) V / \(rig.evcc.loopTargetAmps) A, battery "
              + "\(rig.evcc.status2.batteryVolts) V, current \(rig.inlet.measurement.amps) A")
        #expect(rig.evcc.scheduledVoltageControl)
        #expect(rig.evcc.loopTargetVolts == s1.targetVolts && s1.targetVolts > rig.evcc.status2.batteryVolts)
        #expect(rig.evcc.loopTargetAmps == 0)
        #expect(rig.inlet.measurement.amps > 20)
        rig.pev.scheduledControl(voltage: false)
        let ticks = try #require(rig.ticks(200) { !$0.evcc.scheduledVoltageControl })
        rig.step()
        print("current control after \(ticks) tick(s): loop target \(rig.evcc.loopTargetVolts) V / \(rig.evcc.loopTargetAmps) A")
        #expect(ticks <= 3)  // our next tick queues it, the pump sends it, the EVCC reads it
        #expect(rig.evcc.loopTargetVolts == 0 && rig.evcc.loopTargetAmps == min(rig.evcc.status1.maxChargeAmps, 125))
        try #require(rig.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        #expect(rig.evcc.lastEnd == .chargerStop && rig.pev.fault == nil)
        #expect(Self.controlBits(rig) == [8, 0])  // EV_Status on change only
    }

    /// The controller resets the control to Current_Control in Waiting_For_EVSE; the role asks for
    /// voltage control again before the next session's charge.
    @Test func voltageControlIsAskedAgainForTheNextSession() throws {
        var configuration = AdvanticsPEVConfiguration()
        configuration.scheduledVoltageControl = true
        let rig = PEVRig(script: Self.iso20, configuration: configuration)
        try #require(rig.run(30_000) { $0.evcc.sessionsCompleted == 1 })
        try #require(rig.run(30_000) { $0.charging })
        #expect(rig.evcc.scheduledVoltageControl && rig.evcc.loopTargetAmps == 0)
        print("EV_Status control bits over two sessions: \(Self.controlBits(rig))")
        #expect(Self.controlBits(rig) == [8, 8])
    }

    /// Current control (the default): our request is the loop target; EV_Status goes out once, all 0.
    @Test func currentControlByDefault() throws {
        let rig = PEVRig(script: Self.iso20)
        try #require(rig.run(30_000) { $0.charging })
        #expect(!rig.evcc.scheduledVoltageControl && rig.evcc.loopTargetVolts == 0 && rig.evcc.loopTargetAmps > 0)
        #expect(rig.sent.filter { $0.id == 0x618 }.map { $0.data[0] } == [0])
    }
}
