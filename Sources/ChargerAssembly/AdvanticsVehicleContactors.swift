import Contracts
import ControlLoop
import HAL
import PowerPlantSim

/// The vehicle's contactors in the simulated plant when the ADVANTICS controller is another process
/// (the `udp-multicast` board: python-can or `boardctl can emulate` plays it over the bus and cannot
/// reach the plant). It does what the vehicle does in advantics-can.md §1.7: closes once the inlet is
/// within 20 V of the battery during precharge (E8), opens once the current is ≤ 1 A after the charge
/// (E11) or on any safe stop.
public final class AdvanticsVehicleContactors: TickController {
    public let name = "simulated vehicle contactors"
    private let facts: ChargerFacts
    private let plant: SimulatedPowerPlant
    private var matchingSince: MonotonicInstant?
    /// The vehicle's precharge tolerance (E8: inlet and battery within 20 V).
    static let matchVolts = 20.0
    /// How long the match must hold before the vehicle closes (as the in-process SECC script).
    static let closeDelay = Nanoseconds.milliseconds(50)

    public init(facts: ChargerFacts, plant: SimulatedPowerPlant) {
        self.facts = facts
        self.plant = plant
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        let phase = facts.power.value.phase
        let volts = plant.meter.measurement.volts
        if !plant.vehicleContactorsClosed {
            guard phase == .precharge, abs(volts - plant.batteryVolts) <= Self.matchVolts else { matchingSince = nil; return }
            let since = matchingSince ?? now
            matchingSince = since
            if now.nanoseconds &- since.nanoseconds >= Self.closeDelay.count { plant.closeVehicleContactors() }
        } else if phase != .precharge, phase != .charging, abs(plant.meter.measurement.amps) <= 1 {
            plant.openVehicleContactors()
            matchingSince = nil
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        plant.openVehicleContactors()
        return SafeStopReport(name, ["vehicle contactors open"])
    }
}
