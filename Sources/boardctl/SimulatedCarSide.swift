import Contracts
import ControlLoop
import HAL
import PowerPlantSim

/// The car's part of the simulated plant under `boardctl v2g --role secc`: the pilot it shows (B with
/// 5 %, C from cable check to welding detection, IEC 61851-1 / ISO 15118-2 §8.8.2) and its own
/// contactors, closed for PowerDelivery(start) and the charge loop and opened once the current has
/// fallen after PowerDelivery(stop). It reads the SECC's `facts.v2g`, as a car follows the messages.
final class SimulatedCarSide: TickController {
    let name = "simulated-car"
    let facts: ChargerFacts
    let plant: SimulatedPowerPlant

    init(facts: ChargerFacts, plant: SimulatedPowerPlant) {
        self.facts = facts
        self.plant = plant
    }

    func tick(_ context: TickContext) {
        let phase = facts.v2g.value.phase
        let drawing = phase == .powerDelivery || phase == .charging
        if drawing, !plant.vehicleContactorsClosed {
            plant.closeVehicleContactors()
        } else if !drawing, plant.vehicleContactorsClosed, abs(plant.meter.measurement.amps) <= 1 {
            plant.openVehicleContactors()
        }
        let c = phase.rawValue >= V2GSessionPhase.cableCheck.rawValue && phase.rawValue <= V2GSessionPhase.weldingDetection.rawValue
        let pilot = PilotFacts(state: c ? .c : .b, stateSince: .zero, commandedPWM: .digitalCommunication,
                               appliedPWM: .digitalCommunication, digitalCommunication: true, fault: nil, emergencyStop: false)
        facts.pilot.publish(pilot, context)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, ["car: contactors \(plant.vehicleContactorsClosed ? "closed" : "open")"])
    }
}
