import Contracts
import ControlLoop
import CoreTypes

/// The simulated DC plant: supply → output contactors → cable and inlet → the car's contactors →
/// battery, with an IMD on the inlet and a meter on the inlet side. One `IOSource`: the loop pumps it
/// once per tick before the controllers, so each tick the controllers read the physics as of that
/// tick and their commands take effect in the next. Deterministic (no randomness, no wall clock) and
/// allocation-free once built.
///
/// Nodes: the supply's output capacitor (`supplyVolts`) and the inlet (`inletVolts`) are one node
/// while both contactor poles conduct. With the car's contactors closed the battery's open-circuit
/// voltage and internal resistance hold that node (solved quasi-statically: the battery is stiff).
public final class SimulatedPowerPlant: IOSource {
    public let name = "power-plant"
    public var pollDescriptor: Int32? { nil }
    public let parameters: PlantParameters
    public let supply: SimulatedDCSupply
    public let contactors: SimulatedContactors
    public let isolationMonitor: SimulatedIsolationMonitor
    public let meter: SimulatedOutputMeter

    public private(set) var supplyVolts: Double = 0
    public private(set) var supplyAmps: Double = 0
    public private(set) var inletVolts: Double = 0
    public private(set) var stateOfCharge: Double
    /// The car's contactors (the car closes them after precharge, opens them at the end).
    public private(set) var vehicleContactorsClosed = false
    private var voltageReference: Double = 0
    private var faults = Set<PlantFaultFlag>()
    private var tripped = false

    public init(parameters: PlantParameters = PlantParameters()) {
        self.parameters = parameters
        supply = SimulatedDCSupply(capabilities: parameters.supply)
        contactors = SimulatedContactors(parameters)
        isolationMonitor = SimulatedIsolationMonitor()
        meter = SimulatedOutputMeter()
        stateOfCharge = parameters.battery.initialSoC
    }

    // MARK: - Faults and the car

    public func inject(_ fault: PlantFault) {
        faults.insert(PlantFaultFlag(fault))
        if case .supplyTrips = fault { tripped = true }
    }

    public func clear(_ fault: PlantFault) {
        faults.remove(PlantFaultFlag(fault))
        if case .supplyTrips = fault { tripped = false }
    }

    public func isInjected(_ fault: PlantFault) -> Bool { faults.contains(PlantFaultFlag(fault)) }

    public func closeVehicleContactors() { vehicleContactorsClosed = true }

    /// Leaves the cable and inlet charged to `volts` with every contactor open, as the end of a session can
    /// (the bleeders then discharge it): for tests of what the next session finds.
    public func chargeCable(to volts: Double) {
        guard !vehicleContactorsClosed, !contactors.status.isClosed else { return }
        inletVolts = volts
        supplyVolts = volts
    }

    public func openVehicleContactors() {
        if !faults.contains(.vehicleContactorWelds) { vehicleContactorsClosed = false }
    }

    /// The car's pack is back at its initial SoC (the bench replugged the `sim` car, which arrives as it
    /// first did). Only while the car's contactors are open: a pack does not change under a live inlet.
    public func batteryArrivesAgain() {
        guard !vehicleContactorsClosed else { return }
        stateOfCharge = parameters.battery.initialSoC
    }

    /// The battery's open-circuit voltage now.
    public var batteryVolts: Double { parameters.battery.openCircuitVolts(soc: stateOfCharge) }

    // MARK: - Physics

    public func pump(_ context: TickContext) {
        step(now: context.now, dt: Double(context.period.count) / 1e9)
    }

    /// Advances the plant by `dt` seconds to `now`.
    public func step(now: MonotonicInstant, dt: Double) {
        let p = parameters
        supply.clockNow = now
        contactors.step(now, welded: faults.contains(.contactorWelds), stuckOpen: faults.contains(.contactorDoesNotClose))

        // The regulator: what it aims at, and with how much current.
        let overshoot = faults.contains(.overshoot)
        let scale = overshoot ? p.overshootFactor : 1
        let exporting = !tripped && supply.commandedMode == .export
        let runaway = !tripped && overshoot && supply.commandedMode == .off && supply.lastExport.volts > 0
        let active = exporting || runaway
        let target = exporting ? supply.setpoint : supply.lastExport
        let targetVolts = active ? min(target.volts * scale, p.supply.maxVolts) : 0
        let currentLimit = active ? min(target.amps * scale, p.supply.maxAmps) : 0
        if active {
            let step = p.voltageSlew * dt
            voltageReference += max(-step, min(step, targetVolts - voltageReference))
        } else {
            voltageReference = 0
        }

        let battery = p.battery
        let ocv = battery.openCircuitVolts(soc: stateOfCharge)
        let r = battery.internalResistance
        let connected = contactors.conducting
        var wanted: Double
        if connected, vehicleContactorsClosed {
            wanted = (voltageReference - ocv) / r + voltageReference / p.inletBleeder
        } else {
            let c = connected ? p.outputCapacitance + p.cableCapacitance : p.outputCapacitance
            let v = connected ? shared(p) : supplyVolts
            wanted = c * (voltageReference - v) / p.regulationTimeConstant + (connected ? v / p.inletBleeder : 0)
        }
        wanted = active ? max(0, min(currentLimit, wanted)) : 0
        if tripped {
            supplyAmps = 0
        } else {
            let step = p.currentSlew * dt
            supplyAmps += max(-step, min(step, wanted - supplyAmps))
        }
        let discharge = active ? 0 : 1 / p.dischargeResistance

        if connected, vehicleContactorsClosed {
            let v = (supplyAmps + ocv / r) / (1 / r + 1 / p.inletBleeder + discharge)
            supplyVolts = v
            inletVolts = v
            stateOfCharge += (v - ocv) / r * dt / (3600 * battery.capacityAmpHours)
        } else if connected {
            let c = p.outputCapacitance + p.cableCapacitance
            var v = shared(p)
            v += (supplyAmps - v / p.inletBleeder - v * discharge) * dt / c
            supplyVolts = max(0, v)
            inletVolts = supplyVolts
        } else {
            supplyVolts = max(0, supplyVolts + (supplyAmps - supplyVolts * discharge) * dt / p.outputCapacitance)
            if vehicleContactorsClosed {
                inletVolts = ocv
            } else {
                inletVolts = max(0, inletVolts - inletVolts / (p.inletBleeder * p.cableCapacitance) * dt)
            }
        }

        // Readbacks, as each device reports them.
        let switchedOff = supply.commandedMode == .off && !runaway && supplyAmps <= p.offCurrent
        supply.readback = DCSupplyReadback(mode: tripped || switchedOff ? .off : .export, volts: supplyVolts,
                                           amps: supplyAmps, fault: tripped ? .tripped : nil, at: now)
        if !faults.contains(.readingStops) {
            meter.measurement = OutputMeasurement(volts: inletVolts, amps: connected ? supplyAmps : 0, at: now)
        }
        if !faults.contains(.imdStops) {
            isolationMonitor.step(now, ohms: faults.contains(.isolationDrops) ? p.faultyIsolationOhms : p.isolationOhms,
                                  interval: p.imdInterval, selfTestTime: p.imdSelfTestTime,
                                  selfTestFails: faults.contains(.imdSelfTestFails))
        }
    }

    /// The voltage of the joined node (charge shared between the supply's and the cable's capacitance).
    private func shared(_ p: PlantParameters) -> Double {
        (p.outputCapacitance * supplyVolts + p.cableCapacitance * inletVolts) / (p.outputCapacitance + p.cableCapacitance)
    }
}

/// A fault as a set member without the string raw value's hashing (allocation-free lookups).
enum PlantFaultFlag: Int, Hashable {
    case isolationDrops, supplyTrips, overshoot, contactorWelds, contactorDoesNotClose, readingStops,
         imdStops, imdSelfTestFails, vehicleContactorWelds

    init(_ f: PlantFault) {
        switch f {
        case .isolationDrops: self = .isolationDrops
        case .supplyTrips: self = .supplyTrips
        case .overshoot: self = .overshoot
        case .contactorWelds: self = .contactorWelds
        case .contactorDoesNotClose: self = .contactorDoesNotClose
        case .readingStops: self = .readingStops
        case .imdStops: self = .imdStops
        case .imdSelfTestFails: self = .imdSelfTestFails
        case .vehicleContactorWelds: self = .vehicleContactorWelds
        }
    }
}
