import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import ControlLoop
import CoreTypes
import Drivers
import Glibc
import HAL
import Testing
import TestSupport
import V2GSession

/// The ADVANTICS PEV v2 role on a real kernel's SocketCAN: our role (battery model, simulated inlet)
/// on can0, the scripted EVCC on can1, two emulated SJA1000 controllers on one QEMU CAN bus at
/// 500 kbit/s, 11-bit identifiers. The manual clock steps 1 ms per tick; each tick also waits 200 µs
/// of real time so the emulated bus carries the frames.
@Suite("HILKernel ADVANTICS PEV: the PEV v2 role against the EVCC emulator over can0 ⇄ can1", .serialized, HIL.onlyInVM,
       .required("hil-kernel"))
struct HILKernelAdvanticsPEVTests {
    @Test("a whole PEV v2 DC session over the emulated SJA1000 bus")
    func wholeSessionOverSocketCAN() throws {
        let ours = try LinuxCANBus(interface: "can0")
        let theirs = try LinuxCANBus(interface: "can1")
        let battery = LinearBatteryModel()
        let inlet = SimulatedPEVInlet()
        let pump = CANPump(name: "can0", bus: ours)
        let pev = AdvanticsPEV(received: pump.received, transmit: pump.transmit, battery: battery, contactors: inlet, inlet: inlet)
        inlet.charger = { SimulatedPEVInlet.ChargerView(stage: pev.stage, maxAmps: pev.evse.maxAmps, requestAmps: pev.requestAmps) }
        inlet.batteryVolts = { battery.terminalVolts }
        var script = EVCCScript()
        script.chargeFor = .seconds(2)
        let evcc = ScriptedEVCC(bus: theirs, script: script)
        let clock = ManualClock()
        var index: UInt64 = 0
        var closed = false
        let soc = battery.soc
        while evcc.sessionsCompleted == 0, evcc.sessionsAborted == 0, index < 30_000 {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            inlet.tick(context)
            evcc.tick(context)
            pump.pump(context)
            pev.tick(context)
            if inlet.conducting { closed = true }
            usleep(200)
        }
        print("ADVANTICS PEV over can0 ⇄ can1: \(index) ticks, end \(String(describing: evcc.lastEnd)), \(pev.statusRounds) status rounds, "
              + "SoC \(soc) → \(battery.soc), unknown \(pev.unknownFrames), rejected \(pev.rejectedFrames), EVCC sent \(evcc.framesSent)")
        #expect(evcc.sessionsCompleted == 1)
        #expect(evcc.lastEnd == .chargerStop)
        #expect(closed && !inlet.conducting)
        #expect(battery.soc > soc)
        #expect(pev.rejectedFrames == 0 && evcc.framesRejected == 0)
        #expect(pump.errorCount == 0)
    }
}
