import AdvanticsCAN
import AdvanticsEVSE
import AdvanticsEmulator
import Contracts
import ControlLoop
import CoreTypes
import Drivers
import HAL
import PowerPath
import PowerPlantSim

/// Our EVSE role with the power path and the simulated plant, against the scripted SECC, on two
/// simulated CAN twins joined into one bus, under the manual clock: 1 tick = 1 ms. Order per tick:
/// plant physics, the SECC, the CAN pump (frames in, our queued frames out), our role, the power path.
final class AdvanticsRig {
    let clock = ManualClock()
    let facts = ChargerFacts()
    let plant: SimulatedPowerPlant
    let ourBus = SimulatedCANBus(interface: "can0")
    let seccBus = SimulatedCANBus(interface: "secc0")
    let pump: CANPump
    let evse: AdvanticsEVSE
    let power: PowerPathController
    let secc: ScriptedSECC
    private(set) var index: UInt64 = 0
    /// Ticks at which our Power_Modules_Status frames were queued.
    private(set) var statusTicks: [UInt64] = []
    private(set) var phases: [PowerPhase] = []
    private(set) var stages: [ScriptedSECC.Stage] = []
    var recording = true

    init(script: SECCScript = SECCScript(), configuration: AdvanticsEVSEConfiguration = AdvanticsEVSEConfiguration(),
         plant: PlantParameters = PlantParameters()) {
        self.plant = SimulatedPowerPlant(parameters: plant)
        SimulatedCANBus.connect(ourBus, seccBus)
        pump = CANPump(name: "can0", bus: ourBus)
        evse = AdvanticsEVSE(facts: facts, received: pump.received, transmit: pump.transmit, configuration: configuration)
        power = PowerPathController(facts: facts, supply: self.plant.supply, contactors: self.plant.contactors,
                                    isolationMonitor: self.plant.isolationMonitor, meter: self.plant.meter)
        secc = ScriptedSECC(bus: seccBus, script: script)
        let p = self.plant
        secc.vehicleContactors = { closed in closed ? p.closeVehicleContactors() : p.openVehicleContactors() }
        secc.batteryVolts = { p.batteryVolts }
    }

    func step() {
        clock.advance(by: .milliseconds(1))
        index += 1
        let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
        plant.pump(context)
        secc.tick(context)
        pump.pump(context)
        let sent = evse.statusFramesSent
        evse.tick(context)
        power.tick(context)
        if recording {
            if evse.statusFramesSent != sent { statusTicks.append(index) }
            if phases.last != facts.power.value.phase { phases.append(facts.power.value.phase) }
            if stages.last != secc.stage { stages.append(secc.stage) }
        }
    }

    /// Steps until `done` holds (true) or `limit` ticks passed (false).
    @discardableResult
    func run(_ limit: Int, until done: (AdvanticsRig) -> Bool) -> Bool {
        for _ in 0..<limit {
            if done(self) { return true }
            step()
        }
        return done(self)
    }

    /// Ticks until `done` holds, at most `limit`.
    func ticks(_ limit: Int, until done: (AdvanticsRig) -> Bool) -> Int? {
        for n in 0...limit {
            if done(self) { return n }
            step()
        }
        return nil
    }

    var phase: PowerPhase { facts.power.value.phase }
}
