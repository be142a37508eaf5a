import Contracts
import ControlLoop
import HAL
import PowerPlantSim

/// The vehicle's contactors in the simulated plant when the vehicle's side is another process that
/// cannot reach the plant: the ADVANTICS controller on the `udp-multicast` board (python-can or
/// `boardctl can emulate`), or a WHITE-beet whose module and car are `boardctl whitebeet emulate` on a
/// `kernel-packet` link. It does what the vehicle does (advantics-can.md §1.7; IEC 61851-23's
/// precharge, v2g-session.md): closes once the inlet has been within 20 V of the battery for 50 ms in
/// precharge (E8) — or, when the precharge ended matched before that, as the charge phase begins (a
/// car that closes on PowerDelivery(start), ISO 15118-2 / DIN 70121) — and opens once the current is ≤ 1 A after the charge (E11) or on any safe stop.
public final class RemoteVehicleContactors: TickController {
    public let name = "simulated vehicle contactors"
    private let facts: ChargerFacts
    private let plant: SimulatedPowerPlant
    private var matchingSince: MonotonicInstant?
    /// The vehicle's precharge tolerance (E8: inlet and battery within 20 V).
    static let matchVolts = 20.0
    /// How long the match must hold before the vehicle closes (as the in-process SECC script).
    static let closeDelay = Nanoseconds.milliseconds(50)
    /// The last precharge tick had the inlet matched to the battery.
    private var prechargeMatched = false

    public init(facts: ChargerFacts, plant: SimulatedPowerPlant) {
        self.facts = facts
        self.plant = plant
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        let phase = facts.power.value.phase
        let volts = plant.meter.measurement.volts
        if !plant.vehicleContactorsClosed {
            let matched = abs(volts - plant.batteryVolts) <= Self.matchVolts
            switch phase {
            case .precharge:
                prechargeMatched = matched
                guard matched else { matchingSince = nil; return }
                let since = matchingSince ?? now
                matchingSince = since
                if now.nanoseconds &- since.nanoseconds >= Self.closeDelay.count { plant.closeVehicleContactors() }
            case .charging:
                // The precharge ended matched and the car asked to start (PowerDelivery): it closes now,
                // before the charge loop's target voltage moves the open inlet away from its battery.
                if prechargeMatched { plant.closeVehicleContactors() }
            default:
                matchingSince = nil
                prechargeMatched = false
            }
        } else if phase != .precharge, phase != .charging, abs(plant.meter.measurement.amps) <= 1 {
            plant.openVehicleContactors()
            matchingSince = nil
            prechargeMatched = false
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        plant.openVehicleContactors()
        return SafeStopReport(name, ["vehicle contactors open"])
    }
}
