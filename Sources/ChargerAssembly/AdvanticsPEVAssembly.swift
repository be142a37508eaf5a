import AdvanticsCAN
import AdvanticsEmulator
import AdvanticsPEV
import Boards
import ControlLoop
import Drivers
import HAL
import V2GSession

/// `vehicle_link: advantics-pev`: ChargeKit as the BMS/VCU behind an ADVANTICS vehicle controller —
/// the PEV v2 role (`AdvanticsPEV`) on the `advantics-pev-can` device's CAN pump, at the board's
/// `pev_scaling` (advantics-can.md §2.8; default DB v2.5), driven by a `LinearBatteryModel`. A simulated
/// board gets the simulated inlet (vehicle contactors, the charger's output as the inlet sees it) and,
/// on a CAN twin, the scripted EVCC on the far end, so `chargerd --board sim-advantics-pev` plays whole
/// sessions in one process; on the udp_multicast transport the EVCC is whoever joins the bus
/// (`boardctl can emulate --role evcc`). With the device's `pev_bidirectional: true` the vehicle can
/// discharge (§2.7-D5): a `BidirectionalBatteryModel` with the same pack, and the role offers its
/// discharge limits. The device's `pev_scheduled_control: voltage` makes the vehicle ask for voltage
/// control in ISO 15118-20 Scheduled mode (§2.7-D6); a `PEVPausePlan` (chargerd `--pev-pause-after`)
/// has the simulated vehicle's user pause and resume the charge (§2.7-D7). Real vehicle contactor and
/// inlet-sensor drivers are planned.
public struct AdvanticsPEVAssembly {
    public let pev: AdvanticsPEV?
    /// The pack when it only charges; nil when the board's vehicle is bidirectional.
    public let battery: LinearBatteryModel?
    /// The pack of a bidirectional vehicle (`pev_bidirectional: true`), else nil.
    public let bidirectional: BidirectionalBatteryModel?
    public let inlet: SimulatedPEVInlet?
    public let evcc: ScriptedEVCC?
    /// In tick order: inlet, EVCC emulator, PEV role.
    public let controllers: [any TickController]
    public let notes: [String]

    /// The bench battery: a compressed pack (small capacity, high initial SoC) so a session ends by
    /// the battery in seconds.
    public static var benchPack: LinearBatteryModel.Parameters {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 40_000
        return p
    }

    public static func make(devices: BoardDevices, pumps: [any IOSource], evcc withEVCC: Bool,
                            pack: LinearBatteryModel.Parameters = benchPack, pause: PEVPausePlan? = nil) -> AdvanticsPEVAssembly {
        let board = devices.board
        guard let device = board.devices.first(where: { $0.role == .advanticsPEVCAN }),
              let pump = pumps.lazy.compactMap({ $0 as? CANPump }).first(where: { $0.name == device.name }) else {
            return AdvanticsPEVAssembly(pev: nil, battery: nil, bidirectional: nil, inlet: nil, evcc: nil, controllers: [],
                                        notes: ["ADVANTICS PEV: no open advantics-pev-can device, the PEV role is not composed"])
        }
        var scaling = PEVScaling.reference
        var canDischarge = false
        var voltageControl = false
        if case .can(let spec) = device.spec {
            if let s = spec.pevScaling { scaling = s }
            canDischarge = spec.pevBidirectional
            voltageControl = spec.pevScheduledControl == .voltage
        }
        guard board.simulated else {
            return AdvanticsPEVAssembly(pev: nil, battery: nil, bidirectional: nil, inlet: nil, evcc: nil, controllers: [],
                                        notes: ["ADVANTICS PEV: the vehicle contactor and inlet-sensor drivers are planned; "
                                                + "the role is composed on simulated boards only"])
        }
        let codec = AdvanticsCANCodec(pevScaling: scaling)
        let linear: LinearBatteryModel?
        let bidirectional: BidirectionalBatteryModel?
        let battery: any EVBatteryModel
        var configuration = AdvanticsPEVConfiguration()
        configuration.scheduledVoltageControl = voltageControl
        if canDischarge {
            var p = BidirectionalBatteryModel.Parameters()
            p.pack = pack
            let model = BidirectionalBatteryModel(p)
            (linear, bidirectional, battery) = (nil, model, model)
            configuration.bidirectional = true
        } else {
            let model = LinearBatteryModel(pack)
            (linear, bidirectional, battery) = (model, nil, model)
        }
        let inlet = SimulatedPEVInlet()
        let pev = AdvanticsPEV(received: pump.received, transmit: pump.transmit, battery: battery, contactors: inlet, inlet: inlet,
                               configuration: configuration, codec: codec)
        inlet.charger = { [unowned pev] in
            SimulatedPEVInlet.ChargerView(stage: pev.stage, maxAmps: pev.evse.maxAmps, requestAmps: pev.requestAmps,
                                          dischargeLimitAmps: pev.dischargeLimitAmps)
        }
        inlet.batteryVolts = { battery.terminalVolts }
        var controllers: [any TickController] = [inlet]
        var notes = ["ADVANTICS PEV: v2 role on \(device.name) (\(scaling)) with a \(Int(pack.capacityWattHours / 1000)) kWh "
                     + "\(canDischarge ? "bidirectional " : "")battery model at \(pack.initialSoC) % and the simulated inlet"]
        var evcc: ScriptedEVCC?
        if withEVCC, case .can(let bus)? = devices[device.name], let twin = bus as? SimulatedCANBus {
            let peer = SimulatedCANBus(interface: "advantics-evcc")
            SimulatedCANBus.connect(twin, peer)
            let e = ScriptedEVCC(bus: peer, codec: codec)
            evcc = e
            controllers.append(e)
            notes.append("ADVANTICS PEV: scripted EVCC on the far end of the CAN twin (one session after another)")
        } else if case .can(let bus)? = devices[device.name], bus is UDPMulticastCANBus {
            notes.append("ADVANTICS PEV: the EVCC is whoever joins the udp_multicast bus on \(bus.interface)")
        }
        controllers.append(pev)
        if voltageControl { notes.append("ADVANTICS PEV: Scheduled mode (ISO 15118-20) with voltage control (D6)") }
        if let pause {
            controllers.append(PEVPausePlayer(pev: pev, plan: pause))
            notes.append("ADVANTICS PEV: the vehicle pauses \(pause.after) into charging and resumes after \(pause.pausedFor) (D7)")
        }
        return AdvanticsPEVAssembly(pev: pev, battery: linear, bidirectional: bidirectional, inlet: inlet, evcc: evcc,
                                    controllers: controllers, notes: notes)
    }
}
