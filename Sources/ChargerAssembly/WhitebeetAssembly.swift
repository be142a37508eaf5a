import Boards
import Contracts
import ControlLoop
import CoreTypes
import HAL
import PowerPath
import PowerPlantSim
import V2GSession
import WhitebeetEVSE
import WhitebeetEmulator
import WhitebeetHCI
import WhitebeetHost

/// `vehicle_link: whitebeet`: the module runs CP, SLAC and V2G; the host link over the board's
/// `whitebeet-host` transport (whitebeet-hci.md §1 Ethernet, §2 SPI) is pumped as a source, then
/// `WhitebeetEVSEController` (or, when the device says `firmware: gen1`, `WhitebeetGen1EVSEController`,
/// whitebeet-hci.md §12) — writer of `facts.pilot`, `facts.authorization`, `facts.powerRequest`
/// and `facts.v2g` (folded from the module's notifications) — then the `PowerPathController` it
/// asks, then the `SessionRecorder`. A simulated board gets the module emulator on the far end of
/// the twins (`SimulatedWhitebeetCar`: its car plugs in, charges one session and leaves) and the
/// simulated DC plant. The emulated car is a `BenchBatteryModel` (evsim's battery) matched to the
/// plant's battery (`carPack`): its SoC rises with the energy delivered and it stops at its target. A real board needs power drivers for its DC supply, output meter and
/// isolation monitor: none exists for the devices the WHITE-beet boards name, so the composition
/// refuses the board with `ChargerAssemblyError.noPowerDriver` rather than run a charger that
/// cannot switch power.
public struct WhitebeetAssembly {
    public let wiring: WhitebeetWiring
    public let host: WhitebeetHostLink
    /// The EVSE role for the module's firmware generation: exactly one of `evse` (generation 2) and
    /// `evseGen1` (generation 1) is set.
    public let evse: WhitebeetEVSEController?
    public let evseGen1: WhitebeetGen1EVSEController?
    public let firmware: EVSEFirmwareGeneration
    public let powerPath: PowerPathController
    public let plant: SimulatedPowerPlant?
    /// The emulated module and its car (simulated boards).
    public let car: SimulatedWhitebeetCar?
    public let sources: [any IOSource]
    /// In tick order: EVSE role, power path, (the remote car's simulated contactors), session recorder.
    public let controllers: [any TickController]
    public let notes: [String]

    public static func make(devices: BoardDevices, facts: ChargerFacts, recorder: SessionRecorder, authorizer: any Authorizer,
                            plant parameters: PlantParameters, plugInAfter: Nanoseconds,
                            battery: (any MeteredEVBattery)? = nil) throws(ChargerAssemblyError) -> WhitebeetAssembly {
        let board = devices.board
        guard board.simulated else {
            // The power path needs a supply, a meter and an isolation monitor (power-path.md); the
            // WHITE-beet boards name GPIO contactors only.
            let host = board.device(role: .whitebeetHost)
            throw .noPowerDriver("\(board.file)\(host.map { ":\($0.location)" } ?? ""): vehicle_link: whitebeet on \(board.name): "
                + "no power driver for the DC supply, output meter and isolation monitor (the board names no power-module-can, "
                + "isolation-monitor or ESP32 power helper the firmware drives); the WHITE-beet role is not started without a power path")
        }
        let firmware = board.device(role: .whitebeetHost)?.whitebeetFirmware ?? .gen2
        let plant = SimulatedPowerPlant(parameters: parameters)
        let pack: any MeteredEVBattery = battery ?? BenchBatteryModel(carPack(parameters))
        let wiring: WhitebeetWiring
        do throws(WhitebeetWiring.Failure) {
            wiring = try WhitebeetWiring.make(board: board, device: WhitebeetWiring.lookup(devices), car: ScriptedCarSession(battery: pack),
                                              gen1Car: firmware == .gen1 ? ScriptedGen1CarSession(battery: pack) : nil)
        } catch { throw .simulation(error.description) }
        var link = WhitebeetHostLink.Configuration()
        link.evseGeneration = firmware
        let host = WhitebeetHostLink(transport: wiring.transport, configuration: link)
        let evse = firmware == .gen2 ? WhitebeetEVSEController(facts: facts, host: host, authorizer: authorizer) : nil
        let evseGen1 = firmware == .gen1 ? WhitebeetGen1EVSEController(facts: facts, host: host, authorizer: authorizer) : nil
        let role: any TickController = evse ?? evseGen1!
        let power = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                        isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        var sources: [any IOSource] = [plant]
        var controllers: [any TickController] = [role, power]
        var car: SimulatedWhitebeetCar?
        var notes = ["WHITE-beet: EVSE role (generation \(firmware == .gen1 ? 1 : 2)) over \(wiring.summary) with the simulated power plant"]
        if let module = wiring.emulator {
            let c = SimulatedWhitebeetCar(module: module, plant: plant, facts: facts, plugInAfter: plugInAfter, battery: pack)
            car = c
            sources.append(c)
            notes.append("WHITE-beet: the module emulator (firmware \(module.firmwareVersion)) on the far end; its car plugs in after \(plugInAfter)"
                + " and charges its battery from \(Int(pack.soc)) % to \(Int(pack.targetSoC)) %")
        } else {
            // The module and its car are another process on a kernel link (`transport: kernel-packet`):
            // it cannot reach the plant, so the plant's vehicle contactors follow the power path here.
            controllers.append(RemoteVehicleContactors(facts: facts, plant: plant))
            notes.append("WHITE-beet: the module is whoever answers on \(wiring.summary); the simulated vehicle contactors close "
                + "when the inlet matches the battery in precharge")
        }
        controllers.append(recorder)
        sources.append(WhitebeetHostPump(host: host))
        return WhitebeetAssembly(wiring: wiring, host: host, evse: evse, evseGen1: evseGen1, firmware: firmware, powerPath: power, plant: plant, car: car, sources: sources,
                                 controllers: controllers, notes: notes)
    }
}

extension WhitebeetAssembly {
    /// The emulated car's pack on the plant's battery (the same open-circuit voltage line and
    /// internal resistance, so the current the charger regulates is the current the pack asks for),
    /// on the compressed time scale of the `sim` board's car: 1.5 kWh, from the plant's SoC to 3 %
    /// above it at up to 120 A — a few seconds of charge loop.
    public static func carPack(_ plant: PlantParameters) -> BenchBatteryModel.Parameters {
        let b = plant.battery
        var pack = BenchBatteryModel.Parameters()
        pack.linearCurve(emptyVolts: b.emptyVolts, fullVolts: b.fullVolts)
        pack.internalResistance = b.internalResistance
        pack.capacityWattHours = 1_500
        pack.initialSoC = b.initialSoC * 100
        pack.targetSoC = min(100, pack.initialSoC + 3)
        pack.bulkSoC = pack.targetSoC
        pack.maxVolts = b.maxVolts
        pack.maxAmps = min(120, b.maxAmps)
        pack.maxWatts = 50_000
        // Constant current up to the target: the CV limit sits above the OCV + I·R of a full pack.
        pack.chargeVolts = min(b.maxVolts, b.fullVolts + pack.maxAmps * b.internalResistance)
        return pack
    }
}

/// Moves the host link's frames each tick (receive, re-send after busy or a timeout), before the
/// controller reads its outcomes and notifications (WhitebeetEVSEController: "the composition
/// pumps the link's poll before this tick").
public final class WhitebeetHostPump: IOSource {
    public let name = "whitebeet-host"
    public var pollDescriptor: Int32? { nil }
    public let host: WhitebeetHostLink

    public init(host: WhitebeetHostLink) { self.host = host }

    public func pump(_ context: TickContext) { host.poll(context.now) }
}
