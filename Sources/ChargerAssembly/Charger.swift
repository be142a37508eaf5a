import Boards
import Contracts
import ControlLoop
import ControlPilot
import Drivers
import HAL
import HomePlugAV
import PowerPlantSim
import Runtime
import ESP32CPEmulator
import Scenarios
import SimBoard
import SLAC
import V2GSession

/// Why a board could not be composed into a charger.
public enum ChargerAssemblyError: Error, CustomStringConvertible {
    case devices(BoardOpenError)
    case pilot(PilotAssemblyError)
    case plcLink(PLCLinkError)
    case simulation(String)
    /// V2G on a real own-stack board: no power driver, or no usable PLC interface.
    case ownStackV2G(OwnStackV2GError)
    /// A real board whose power path has no driver (the text names the board file line).
    case noPowerDriver(String)

    public var description: String {
        switch self {
        case .devices(let e): e.description
        case .pilot(let e): e.description
        case .plcLink(let e): e.description
        case .simulation(let s): "sim board: \(s)"
        case .ownStackV2G(let e): e.description
        case .noPowerDriver(let s): s
        }
    }
}

/// The composition step: a board's devices, drivers and controllers, built from its `vehicle_link`
/// and registered on the loop in the order the contracts promise (ARCHITECTURE.md, "One tick").
///
/// - `own-stack`: the control pilot (ESP32 helper or direct Pi CP) publishes `facts.pilot`; SLAC
///   (`SlacMatcher` over the qcaspi netdev or the user-space QCA7000 driver) reads it — matching starts
///   when the pilot says B/C/D and stops on A/E/F — and publishes `facts.plcLink`. Then
///   `SECCAssembly`: SDP (answering while matched), the SECC on its TCP connection (ending on CP
///   A/E/F or link loss) and the power path after it; on the `sim` board over the simulated IP
///   network and `SimulatedPowerPlant` (on real boards planned: their power hardware has no driver).
/// - `advantics`: the EVSE v3 role (`AdvanticsEVSE`) on the CAN pump of the `advantics-can` device,
///   before the power path; on a simulated board with the simulated plant and a scripted SECC on the
///   far end of the CAN twin (`AdvanticsAssembly`).
/// - `advantics-pev`: the PEV v2 role (`AdvanticsPEV`, the vehicle's BMS) on the `advantics-pev-can`
///   device with a battery model; on a simulated board the simulated inlet and a scripted EVCC on the
///   CAN twin (`AdvanticsPEVAssembly`).
/// - `whitebeet`: the module runs CP, SLAC and V2G; its host link, the EVSE role and the power path
///   (`WhitebeetAssembly`); on a simulated board with the module emulator and the simulated plant.
///
/// A simulated board is composed with the `SimBoard` factory and, when asked, a `SimulatedVehicle`
/// on the far end of the power line whose plug is the CP helper emulator's script.
public final class Charger {
    public struct Options {
        /// Add a simulated vehicle (sim boards only): it plugs in at `plugInAfter` and matches SLAC.
        public var simulatedVehicle = true
        public var plugInAfter: Nanoseconds = .milliseconds(500)
        /// The simulated vehicle unplugs (state A) this long after start (nil: it stays).
        public var unplugAfter: Nanoseconds?
        /// The host MAC behind a user-space QCA7000 driver (nil: a random locally administered one;
        /// sim boards use a fixed one so runs are reproducible).
        public var plcHostMAC: MACAddress?
        public var authorizer: any Authorizer = FreeVendAuthorizer()
        public var pilot = ControlPilotConfiguration()
        public var slac = SlacMatcher.Configuration()
        /// Compose V2G (SDP, the SECC, the power path) after SLAC on `own-stack` boards (today the
        /// `sim` board, over its simulated IP network and plant).
        public var v2g = true
        /// The simulated vehicle charges after SLAC (SDP, TCP, EVCC, battery), then unplugs. Off: it
        /// only matches SLAC and stays plugged in.
        public var vehicleCharges = true
        public var secc = SECCConfiguration()
        /// The sim board's plant: fast precharge (5 kV/s, 50 µF) and a small battery, so a session
        /// runs on a compressed time scale (well under a minute).
        public var plant = Charger.simulatedPlant
        /// The simulated car's battery (nil: `SimulatedEVCharging.compressedPack(plant)`).
        public var vehicleBattery: LinearBatteryModel.Parameters?
        /// The simulated car's EVCC (protocols it offers, timers, quirks).
        public var vehicleEVCC = EVCCConfiguration()
        /// A scenario file's car, plant settings and events (sim boards; `ScenarioComposition.swift`).
        public var scenario: Scenario?
        /// `advantics-pev` simulated boards: the vehicle's user pauses and resumes the charge (D7).
        public var pevPause: PEVPausePlan?
        public init() {}
    }

    public let board: BoardDefinition
    public let devices: BoardDevices
    public let facts: ChargerFacts
    public let authorizer: any Authorizer
    /// In registration order.
    public let sources: [any IOSource]
    /// In tick order: CP → SLAC → V2G connection → SDP → SECC → power path → session recorder →
    /// out-of-service pilot → simulated vehicle.
    public let controllers: [any TickController]
    public let pilot: PilotAssembly?
    public let slac: SlacMatcher?
    public let plcDriver: QCA7000Driver?
    public let vehicle: SimulatedVehicle?
    /// The ADVANTICS EVSE role and what the simulated board adds to it (`vehicle_link: advantics`).
    public private(set) var advantics: AdvanticsAssembly?
    /// The ADVANTICS PEV role and its simulated bench (`vehicle_link: advantics-pev`).
    public private(set) var advanticsPEV: AdvanticsPEVAssembly?
    /// The WHITE-beet EVSE role and what the simulated board adds to it (`vehicle_link: whitebeet`).
    public private(set) var whitebeet: WhitebeetAssembly?
    /// The V2G side after SLAC (own-stack boards with V2G composed).
    public private(set) var secc: SECCAssembly?
    /// A real own-stack board's V2G: the PLC interface, the ESP32 helper's DC power, the IMD choice.
    public private(set) var ownStack: OwnStackV2G?
    /// The user-space QCA7000's bridge to its TAP (`tap:` on the plc-modem).
    public private(set) var plcSplitter: PLCFrameSplitter?
    public private(set) var plcTap: LinuxTapLink?
    /// The sim board's power plant (the supply, contactors, IMD and meter the power path drives).
    public private(set) var plant: SimulatedPowerPlant?
    /// The session's measurements (energy from the meter, peak power, phases, the summary).
    public private(set) var recorder: SessionRecorder
    /// The scenario's events and outcome notes (when `Options.scenario` was set on a sim board).
    public private(set) var scenarioDirector: ScenarioDirector?
    /// Our pilot's state F while the power path is out of service (own-stack boards with V2G).
    public private(set) var outOfServicePilot: OutOfServicePilot?
    /// What the composition left out and why (planned drivers), for the log.
    public let notes: [String]

    /// The device factory for `board`: the `sim` board's twins (with the helper emulator's vehicle
    /// plugging in after `plugInAfter` when `vehicle` is set), or the Linux devices.
    public static func deviceFactory(for board: BoardDefinition, vehicle: Bool = false,
                                     plugInAfter: Nanoseconds = .milliseconds(500),
                                     unplugAfter: Nanoseconds? = nil) -> any DeviceFactory {
        guard board.simulated else { return LinuxDeviceFactory() }
        let factory = SimulatedDeviceFactory()
        if vehicle { factory.helperScript = SimulatedVehicle.plugInScript(after: plugInAfter, unplugAfter: unplugAfter) }
        return factory
    }

    /// Opens the board and composes its charger.
    public static func open(_ board: BoardDefinition, options: Options = Options()) throws(ChargerAssemblyError) -> Charger {
        let factory = deviceFactory(for: board, vehicle: options.simulatedVehicle, plugInAfter: options.plugInAfter,
                                    unplugAfter: options.unplugAfter)
        return try open(board, factory: factory, options: options)
    }

    /// Opens the board with `factory` (a real board on twins, in tests) and composes its charger.
    public static func open(_ board: BoardDefinition, factory: any DeviceFactory,
                            options: Options = Options()) throws(ChargerAssemblyError) -> Charger {
        let devices: BoardDevices
        do throws(BoardOpenError) { devices = try BoardDevices.open(board, factory: factory) } catch { throw .devices(error) }
        return try compose(devices, factory: factory, options: options)
    }

    /// Composes a charger over devices already open (`factory` is the one that opened them).
    public static func compose(_ devices: BoardDevices, factory: any DeviceFactory,
                               options: Options = Options()) throws(ChargerAssemblyError) -> Charger {
        let board = devices.board
        let facts = ChargerFacts()
        var notes: [String] = []
        var sources: [any IOSource] = []
        var controllers: [any TickController] = []
        var pilot: PilotAssembly?
        var slac: SlacMatcher?
        var driver: QCA7000Driver?
        var vehicle: SimulatedVehicle?
        var advantics: AdvanticsAssembly?
        var advanticsPEV: AdvanticsPEVAssembly?
        var whitebeet: WhitebeetAssembly?
        var secc: SECCAssembly?
        var plant: SimulatedPowerPlant?
        var network: SimulatedIPNetwork?
        var ownStack: OwnStackV2G?
        var splitter: PLCFrameSplitter?
        var tap: LinuxTapLink?
        var director: ScenarioDirector?
        var outOfServicePilot: OutOfServicePilot?
        let recorder = SessionRecorder(facts: facts)

        // The sim vehicle pumps the EV's end of the power line itself.
        let sim = factory as? SimulatedDeviceFactory
        let evLinkDevice = board.simulated && options.simulatedVehicle
            ? board.devices.first(where: { $0.role == .auxiliary && $0.kind == .ethernet }) : nil
        // The WHITE-beet host link reads its Ethernet device itself.
        let whitebeetHost = board.vehicleLink == .whitebeet ? board.device(role: .whitebeetHost)?.name : nil
        let pumps = devices.makePumps(excluding: Set([evLinkDevice?.name, whitebeetHost].compactMap { $0 }))
        sources += pumps

        switch board.vehicleLink {
        case .ownStack:
            // A real board that cannot run V2G is refused (no power driver, no IP interface), not
            // composed to charge blindly.
            if options.v2g, !board.simulated {
                do throws(OwnStackV2GError) {
                    _ = try OwnStackV2G.powerHelper(of: board)
                    _ = try OwnStackV2G.interfaceName(of: board)
                } catch { throw .ownStackV2G(error) }
            }
            do throws(PilotAssemblyError) {
                pilot = try PilotAssembly.make(devices: devices, pumps: pumps, facts: facts, configuration: options.pilot)
            } catch { throw .pilot(error) }
            sources += pilot!.sources
            controllers.append(pilot!.controller)

            let hostMAC = options.plcHostMAC ?? (board.simulated ? MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01) : randomLocalMAC())
            let link: PLCLink
            do throws(PLCLinkError) { link = try PLCLink.make(devices, hostMAC: hostMAC) } catch { throw .plcLink(error) }
            let port: SlacPort
            if let d = link.driver, options.v2g, !board.simulated, case .spi(let spec)? = board.device(role: .plcModem)?.spec,
               let tapName = spec.tap {
                // The user-space QCA7000 on a real board: HomePlug frames to SLAC, the rest to a TAP
                // the kernel's IPv6/TCP own (issue 14 item 2).
                driver = d
                sources.append(d)
                let t: LinuxTapLink
                do throws(EthernetError) { t = try LinuxTapLink(name: tapName, mac: hostMAC) } catch {
                    throw .ownStackV2G(.interface("\(board.file): the TAP \(tapName) for the QCA7000's IP frames: \(error)"))
                }
                tap = t
                let s = PLCFrameSplitter(plc: d, tap: t)
                splitter = s
                sources.append(s)
                port = SlacPort(hostMAC: d.macAddress, received: s.received, transmit: s.transmit)
            } else {
                let framePump: FramePump
                if let d = link.driver {
                    driver = d
                    sources.append(d)
                    framePump = FramePump(name: "plc", link: d)
                    sources.append(framePump)
                } else if let p = pumps.lazy.compactMap({ $0 as? FramePump }).first(where: { $0.link === link.link }) {
                    framePump = p
                } else {
                    framePump = FramePump(name: "plc", link: link.link)
                    sources.append(framePump)
                }
                port = SlacPort(hostMAC: link.link.macAddress, received: framePump.received, transmit: framePump.transmit)
            }
            let matcher = SlacMatcher(port: port, facts: facts, configuration: options.slac,
                                      random: board.simulated ? .seeded(0xE5E) : .system)
            slac = matcher
            controllers.append(matcher)
            if options.v2g, board.simulated {
                // The sim board's PLC interface is the simulated IP network's twin; the power path
                // drives the simulated plant.
                let net = SimulatedIPNetwork()
                network = net
                let p = SimulatedPowerPlant(parameters: options.scenario.map { $0.plantParameters(options.plant) } ?? options.plant)
                plant = p
                sources.append(p)
                do throws(SocketError) {
                    secc = try SECCAssembly(interface: net.attach("plc0", mac: hostMAC), facts: facts, authorizer: options.authorizer,
                                            configuration: options.secc, supply: p.supply, contactors: p.contactors,
                                            isolationMonitor: p.isolationMonitor, meter: p.meter)
                } catch { throw .simulation("V2G on the simulated network: \(error)") }
                sources += secc!.sources
                controllers += secc!.controllers
                controllers.append(recorder)
                outOfServicePilot = OutOfServicePilot(facts: facts, pilot: pilot!.controller)
                controllers.append(outOfServicePilot!)
            } else if options.v2g {
                // A real board: the SECC on the kernel's IPv6/TCP, the power path over the ESP32 helper.
                do throws(OwnStackV2GError) {
                    let (helperDevice, revision) = try OwnStackV2G.powerHelper(of: board)
                    guard let helperLink = pilot?.helperLink,
                          let pump = pumps.lazy.compactMap({ $0 as? SerialPump }).first(where: { $0.name == helperDevice.name }) else {
                        throw .noPowerDriver("\(board.file):\(helperDevice.location.line): devices.\(helperDevice.name) is not open as the pilot's helper link")
                    }
                    var port: (any SerialPort)?
                    if case .serial(let p)? = devices[helperDevice.name] { port = p }
                    let v = try OwnStackV2G(board: board, revision: revision, helperLink: helperLink, helperPump: pump, helperPort: port,
                                            facts: facts, authorizer: options.authorizer, configuration: options.secc,
                                            tap: tap)
                    ownStack = v
                    secc = v.secc
                    sources += v.sources
                    controllers += v.controllers
                    controllers.append(recorder)
                    outOfServicePilot = OutOfServicePilot(facts: facts, pilot: pilot!.controller)
                    controllers.append(outOfServicePilot!)
                    notes += v.notes
                } catch { throw .ownStackV2G(error) }
            }
        case .whitebeet:
            let role = try WhitebeetAssembly.make(devices: devices, facts: facts, recorder: recorder, authorizer: options.authorizer,
                                                  plant: options.plant, plugInAfter: options.plugInAfter)
            sources += role.sources
            controllers += role.controllers
            whitebeet = role
            plant = role.plant
            notes += role.notes
        case .advantics:
            let role = AdvanticsAssembly.make(devices: devices, pumps: pumps, facts: facts,
                                              secc: board.simulated && options.simulatedVehicle)
            sources += role.sources
            controllers += role.controllers
            advantics = role
            notes += role.notes
        case .advanticsPEV:
            let role = AdvanticsPEVAssembly.make(devices: devices, pumps: pumps, evcc: board.simulated && options.simulatedVehicle,
                                                 pause: options.pevPause)
            controllers += role.controllers
            advanticsPEV = role
            notes += role.notes
        }

        if let evLinkDevice, board.vehicleLink == .ownStack {
            guard let chip = sim?.qca7000 else { throw .simulation(SimulatedVehicle.AssemblyError.noChipModel.description) }
            guard case .ethernet(let l)? = devices[evLinkDevice.name], let evLink = l as? SimulatedEthernetLink else {
                throw .simulation(SimulatedVehicle.AssemblyError.noEVLink.description)
            }
            let v = SimulatedVehicle(chip: chip, evLink: evLink, facts: facts)
            if options.vehicleCharges, let network, let plant {
                let helper = board.device(role: .cpHelper).flatMap { d -> EmulatedHelperPort? in
                    if case .serial(let port)? = devices[d.name] { return port as? EmulatedHelperPort }
                    return nil
                }
                if let helper {
                    notes.append("CP helper: the ESP32 emulator's thread runs " + (helper.runsRealTime
                        ? "SCHED_FIFO \(EmulatedHelperPort.threadPriority), like a microcontroller of its own"
                        : "at normal priority (no CAP_SYS_NICE): a starved host can delay its reports past the link timeout"))
                }
                let pack = options.vehicleBattery ?? SimulatedEVCharging.compressedPack(options.plant)
                let battery: any MeteredEVBattery = options.scenario.map { BenchBatteryModel($0.pack(on: options.plant)) }
                    ?? LinearBatteryModel(pack)
                let evcc = options.scenario.map { $0.evcc(options.vehicleEVCC) } ?? options.vehicleEVCC
                do throws(SocketError) {
                    v.charge(with: try SimulatedEVCharging(ip: network.attach("sim-ev-plc0", mac: v.evMAC), plant: plant, helper: helper,
                                                           battery: battery, configuration: evcc))
                } catch { throw .simulation("the vehicle's V2G side: \(error)") }
                if let scenario = options.scenario, let car = v.charging {
                    director = ScenarioDirector(scenario: scenario, facts: facts, plant: plant, car: car)
                }
            }
            vehicle = v
            sources += v.sources
            controllers.append(v.controller)
            if let director { controllers.append(director) }
        }

        let charger = Charger(board: board, devices: devices, facts: facts, authorizer: options.authorizer, sources: sources,
                              controllers: controllers, pilot: pilot, slac: slac, plcDriver: driver, vehicle: vehicle, notes: notes)
        charger.advantics = advantics
        charger.advanticsPEV = advanticsPEV
        charger.whitebeet = whitebeet
        charger.secc = secc
        charger.ownStack = ownStack
        charger.plcSplitter = splitter
        charger.plcTap = tap
        charger.plant = plant
        charger.recorder = recorder
        charger.scenarioDirector = director
        charger.outOfServicePilot = outOfServicePilot
        return charger
    }

    private init(board: BoardDefinition, devices: BoardDevices, facts: ChargerFacts, authorizer: any Authorizer,
                 sources: [any IOSource], controllers: [any TickController], pilot: PilotAssembly?, slac: SlacMatcher?,
                 plcDriver: QCA7000Driver?, vehicle: SimulatedVehicle?, notes: [String]) {
        self.board = board
        self.devices = devices
        self.facts = facts
        self.authorizer = authorizer
        self.sources = sources
        self.controllers = controllers
        self.pilot = pilot
        self.slac = slac
        self.plcDriver = plcDriver
        self.vehicle = vehicle
        self.notes = notes
        recorder = SessionRecorder(facts: facts)
    }

    /// Registers every source, then every controller, in composition order.
    public func register(on loop: TickLoop) {
        for s in sources { loop.addSource(s) }
        for c in controllers { loop.addController(c) }
    }
}

extension Charger {
    /// The `sim` board's plant: the default 1000 V / 200 A plant with a fast precharge (5 kV/s slew,
    /// 50 µF output) and a small battery at 70 % (1.5 kWh at ~370 V), the car's compressed time scale.
    public static var simulatedPlant: PlantParameters {
        var p = PlantParameters()
        p.outputCapacitance = 0.00005
        p.voltageSlew = 5000
        p.battery.initialSoC = 0.70
        p.battery.capacityAmpHours = 1_500.0 / 370
        p.battery.maxAmps = 120
        return p
    }
}

/// A locally administered unicast MAC for the host behind a user-space QCA7000 driver.
func randomLocalMAC() -> MACAddress {
    MACAddress(rawValue: 0x02_00_00_00_00_00 | (UInt64.random(in: 0...0xFF_FFFF_FFFF)))
}
