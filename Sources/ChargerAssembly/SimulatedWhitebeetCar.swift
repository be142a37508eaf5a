import Contracts
import ControlLoop
import CoreTypes
import PowerPlantSim
import V2GSession
import WhitebeetEmulator

/// The far side of the `sim-whitebeet` board: the WHITE-beet module emulator (whose car, driven by
/// `battery`, runs the V2G session) ticked before the host link reads it, the car's plug (in after
/// `plugInAfter`, out once its session ended and the power path is idle again) and the car's
/// contactors on the simulated plant — closed once it asked to start charging, opened when the
/// current is down after its stop (as `SimulatedChargeSession`'s car does). A simulator composed in;
/// the controller sees only the module's frames.
public final class SimulatedWhitebeetCar: IOSource {
    public let name = "whitebeet-module-sim"
    public var pollDescriptor: Int32? { nil }
    public let module: WhitebeetModuleEmulator
    let plant: SimulatedPowerPlant
    let facts: ChargerFacts
    let plugInAfter: Nanoseconds
    /// The car's pack (the module emulator's car asks for what it demands).
    public let battery: (any MeteredEVBattery)?
    /// Plug in again after an unplug (nil: one session, then the car stays away).
    public var replugAfter: Nanoseconds?
    private var start: MonotonicInstant?
    private var endedAt: MonotonicInstant?
    private var unpluggedAt: MonotonicInstant?
    /// The car has left after its session (the end of a `chargerd --board sim-whitebeet` run).
    public private(set) var unplugged = false
    /// Sessions the car finished (`finished` or `failed`).
    public private(set) var sessions = 0

    public init(module: WhitebeetModuleEmulator, plant: SimulatedPowerPlant, facts: ChargerFacts, plugInAfter: Nanoseconds,
                battery: (any MeteredEVBattery)? = nil) {
        self.module = module
        self.battery = battery
        self.plant = plant
        self.facts = facts
        self.plugInAfter = plugInAfter
    }

    public func pump(_ context: TickContext) {
        let now = context.now
        if start == nil { start = now }
        module.tick(now)
        let car = carState
        let due: Bool
        if let at = unpluggedAt {
            due = replugAfter.map { now - at >= $0 } ?? false
        } else {
            due = now - start! >= plugInAfter
        }
        if !module.plugged, due {
            module.plugIn()
            unplugged = false
            unpluggedAt = nil
            endedAt = nil
        }
        if car == .closing, !plant.vehicleContactorsClosed {
            plant.closeVehicleContactors()
        }
        if car == .opening, plant.vehicleContactorsClosed, abs(plant.meter.measurement.amps) <= 1 {
            plant.openVehicleContactors()
        }
        switch car {
        case .ended:
            guard module.plugged else { break }
            if endedAt == nil {
                endedAt = now
                sessions += 1
            }
            // Out once the charger let go of the power path (welding check done, idle or safe).
            let power = facts.power.value.phase
            if power == .idle || power == .safeStop, now - endedAt! >= .milliseconds(200) {
                if plant.vehicleContactorsClosed { plant.openVehicleContactors() }
                module.unplug()
                unplugged = true
                unpluggedAt = now
            }
        default:
            break
        }
    }

    /// What the car's contactors do in its current phase, for either firmware generation's car.
    enum CarState { case closing, opening, ended, other }

    var carState: CarState {
        if module.evseGeneration == .gen1 {
            switch module.gen1Car.phase {
            // Start charging asked (the inlet matched in precharge) and the charge loop: closed.
            case .awaiting(0x89), .awaiting(0x8A), .charging: return .closing
            case .awaiting(0x8B), .awaiting(0x8C), .closing: return .opening
            case .finished, .failed: return .ended
            default: return .other
            }
        }
        switch module.car.phase {
        case .awaitingStartCharging, .charging: return .closing
        case .awaitingStopCharging, .weldingDetection: return .opening
        case .finished, .failed: return .ended
        default: return .other
        }
    }
}
