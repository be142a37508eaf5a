import AdvanticsEVSE
import AdvanticsEmulator
import Contracts
import ControlLoop
import CoreTypes
import Drivers
import Glibc
import HAL
import PowerPath
import PowerPlantSim
import Testing
import TestSupport

/// The ADVANTICS EVSE v3 role on a real kernel's SocketCAN: our role (with the power path and the
/// simulated plant) on can0, the scripted SECC on can1, two emulated SJA1000 controllers on one QEMU
/// CAN bus at 500 kbit/s. The manual clock steps 1 ms per tick; each tick also waits 200 µs of real
/// time so the emulated bus carries the frames.
@Suite("HILKernel ADVANTICS: EVSE v3 role against the SECC emulator over can0 ⇄ can1", .serialized, HIL.onlyInVM,
       .required("hil-kernel"))
struct HILKernelAdvanticsTests {
    @Test("a whole EVSE v3 session over the emulated SJA1000 bus")
    func wholeSessionOverSocketCAN() throws {
        let ours = try LinuxCANBus(interface: "can0")
        let theirs = try LinuxCANBus(interface: "can1")
        let facts = ChargerFacts()
        let plant = SimulatedPowerPlant()
        let pump = CANPump(name: "can0", bus: ours)
        let evse = AdvanticsEVSE(facts: facts, received: pump.received, transmit: pump.transmit)
        let power = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        let secc = ScriptedSECC(bus: theirs)
        // A third socket on can1: the bench monitor sees both directions (SocketCAN loops frames back
        // to the other sockets of the sending interface).
        let watching = try LinuxCANBus(interface: "can1")
        let monitor = AdvanticsMonitor()
        secc.vehicleContactors = { closed in closed ? plant.closeVehicleContactors() : plant.openVehicleContactors() }
        secc.batteryVolts = { plant.batteryVolts }
        let clock = ManualClock()
        var index: UInt64 = 0
        var phases: [PowerPhase] = []
        while secc.sessionsCompleted == 0, secc.rushedStops == 0, index < 40_000 {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            plant.pump(context)
            secc.tick(context)
            pump.pump(context)
            evse.tick(context)
            power.tick(context)
            if phases.last != facts.power.value.phase { phases.append(facts.power.value.phase) }
            while let f = try watching.receive() { monitor.observe(f, at: clock.now()) }
            usleep(200)
        }
        print("ADVANTICS over can0 ⇄ can1: \(index) ticks, phases \(phases), \(evse.statusFramesSent) status frames, "
              + "unknown \(evse.unknownFrames), rejected \(evse.rejectedFrames), SECC sent \(secc.framesSent)")
        #expect(secc.sessionsCompleted == 1)
        #expect(phases == [.idle, .cableCheck, .precharge, .charging, .stopping, .weldingCheck, .idle])
        #expect(evse.rejectedFrames == 0)
        #expect(pump.errorCount == 0)
        print(monitor.render(at: clock.now()))
        #expect(monitor.statistics[0]!.count >= 100)   // Advantics_Controller_Status, from can1
        #expect(monitor.statistics[18]!.count >= 100)  // Power_Modules_Status, from can0
        #expect(monitor.rejectedFrames == 0)
    }
}
