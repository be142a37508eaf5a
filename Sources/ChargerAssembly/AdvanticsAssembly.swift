import AdvanticsEVSE
import AdvanticsEmulator
import Boards
import Contracts
import ControlLoop
import Drivers
import HAL
import PowerPath
import PowerPlantSim

/// `vehicle_link: advantics`: the ADVANTICS EVSE v3 role on the `advantics-can` device's CAN pump,
/// registered before the power path it drives (advantics-can.md §1). A simulated board gets the
/// simulated DC plant behind the `PowerPathController` and, with `secc`, a scripted ADVANTICS SECC on
/// a twin joined to the board's CAN twin, so whole sessions play in one process. A real board's DC
/// supply driver (power modules) is planned: without it the role runs but no power path is composed,
/// unless the board says `simulated_power_plant` (a bench: the simulated plant, with the board's GPIO
/// contactors when it has them, and the controller another process on the CAN bus).
public struct AdvanticsAssembly {
    public let evse: AdvanticsEVSE?
    public let powerPath: PowerPathController?
    public let plant: SimulatedPowerPlant?
    public let secc: ScriptedSECC?
    public let sources: [any IOSource]
    /// In tick order: SECC emulator, EVSE role, power path.
    public let controllers: [any TickController]
    public let notes: [String]

    public static func make(devices: BoardDevices, pumps: [any IOSource], facts: ChargerFacts, secc withSECC: Bool) -> AdvanticsAssembly {
        let board = devices.board
        guard let device = board.devices.first(where: { $0.role == .advanticsCAN }),
              let pump = pumps.lazy.compactMap({ $0 as? CANPump }).first(where: { $0.name == device.name }) else {
            return AdvanticsAssembly(evse: nil, powerPath: nil, plant: nil, secc: nil, sources: [], controllers: [],
                                     notes: ["ADVANTICS: no open advantics-can device, the EVSE role is not composed"])
        }
        let evse = AdvanticsEVSE(facts: facts, received: pump.received, transmit: pump.transmit)
        guard board.simulated || board.simulatedPowerPlant else {
            return AdvanticsAssembly(evse: evse, powerPath: nil, plant: nil, secc: nil, sources: [], controllers: [evse],
                                     notes: ["ADVANTICS: EVSE v3 role on \(device.name); the power-module supply driver is planned, "
                                             + "so no power path is composed (System_Enable follows the role's faults only)"])
        }
        let plant = SimulatedPowerPlant()
        var sources: [any IOSource] = [plant]
        var notes = ["ADVANTICS: EVSE v3 role on \(device.name) with the simulated power plant"]
        // A bench board (real devices, simulated plant): the contactor coils and auxiliary contacts
        // are the board's GPIO lines, and the plant's poles follow the same commands.
        var contactors: any DCContactors = plant.contactors
        if !board.simulated, let gpio = BenchContactors.gpioContactors(devices) {
            contactors = BenchContactors(gpio: gpio, plant: plant.contactors)
            sources.append(gpio)
            notes.append("ADVANTICS: DC contactors on the board's GPIO lines (coils and auxiliary contacts), the plant's poles following them")
        }
        let power = PowerPathController(facts: facts, supply: plant.supply, contactors: contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        var controllers: [any TickController] = []
        var secc: ScriptedSECC?
        if withSECC, case .can(let bus)? = devices[device.name], let twin = bus as? SimulatedCANBus {
            let peer = SimulatedCANBus(interface: "advantics-secc")
            SimulatedCANBus.connect(twin, peer)
            let s = ScriptedSECC(bus: peer)
            s.vehicleContactors = { closed in closed ? plant.closeVehicleContactors() : plant.openVehicleContactors() }
            s.batteryVolts = { plant.batteryVolts }
            secc = s
            controllers.append(s)
            notes.append("ADVANTICS: scripted SECC on the far end of the CAN twin (one session after another)")
        } else if case .can(let bus)? = devices[device.name], !board.simulated || bus is UDPMulticastCANBus {
            // The controller is another process on the bus; the plant's vehicle follows the power path.
            controllers.append(RemoteVehicleContactors(facts: facts, plant: plant))
            notes.append("ADVANTICS: the controller is whoever \(board.simulated ? "joins the udp_multicast bus" : "is on the CAN bus") on \(bus.interface); "
                         + "the simulated vehicle closes its contactors at the end of precharge")
        }
        controllers += [evse, power]
        return AdvanticsAssembly(evse: evse, powerPath: power, plant: plant, secc: secc, sources: sources,
                                 controllers: controllers, notes: notes)
    }
}
