import Buffers
import Contracts
import ControlLoop
import Drivers
import ESP32CPEmulator
import HAL
import HomePlugAV
import PLCModemStandIn
import SLAC

/// The vehicle a `sim` composition adds, on the far side of the simulated power line: its SLAC
/// (`SlacRequester`, the EV role) behind a modem stand-in, and the stand-in that plays the QCA7000's
/// own firmware behind the chip model. The pilot it sees is the one on the wire, i.e. what the
/// charger's CP controller published: it starts matching on B/C/D with 5 % (ISO 15118-3 §7.2).
///
/// The path, every hop a twin or a model, exactly what a spidev board runs on the charger side:
///
///     charger SLAC ⇄ FramePump ⇄ QCA7000Driver ⇄ SPI twin ⇄ SimulatedQCA7000 ⇄ firmware stand-in
///       ⇄ wire ⇄ EV modem stand-in ⇄ the board's EV link twin (sim-ev0) ⇄ FramePump ⇄ SlacRequester
///
/// The plug itself is the ESP32 helper emulator's script (`SimulatedDeviceFactory.helperScript`).
/// After SLAC, `charging` (when composed) runs the car's V2G side: SDP, TCP, the EVCC and its
/// battery over the sim board's simulated IP network, then unplugs.
/// The issue that adds `evsim` replaces this minimal vehicle with a whole CCS vehicle.
public final class SimulatedVehicle {
    /// Register these after the charger's pumps and drivers (they move frames on the far side).
    public private(set) var sources: [any IOSource]
    /// The car's V2G side, if the composition gave it one.
    public private(set) var charging: SimulatedEVCharging?
    /// Register after the charger's CP controller (it reads the pilot that tick).
    public let controller: SimulatedVehicleController
    public let requester: SlacRequester
    public let evMAC: MACAddress

    public enum AssemblyError: Error, CustomStringConvertible {
        case noChipModel
        case noEVLink
        public var description: String {
            switch self {
            case .noChipModel: "the simulated plc-modem must be the QCA7000 on SPI (no chip model was opened)"
            case .noEVLink: "the sim board has no auxiliary ethernet device for the EV's end of the power line"
            }
        }
    }

    /// - Parameters:
    ///   - chip: the QCA7000 model behind the charger's `plc-modem` twin.
    ///   - evLink: the board's EV-side Ethernet twin (`sim-ev0`); this vehicle pumps it.
    ///   - evTap: where the car's IP frames go (a TAP in another network namespace, whose kernel runs
    ///     the car's SDP and TCP): the power line then carries every EtherType and a
    ///     `PLCFrameSplitter` keeps HomePlug frames for the car's SLAC. Nil: SLAC frames only.
    public init(chip: SimulatedQCA7000, evLink: SimulatedEthernetLink, facts: ChargerFacts,
                slac: SlacRequester.Configuration = SlacRequester.Configuration(), seed: UInt64 = 0xE1,
                evTap: (any EthernetLink)? = nil) {
        let t: UInt16 = evTap == nil ? HomePlugFrame.etherType : 0x0003
        let evModemMAC = MACAddress(0x00, 0xB0, 0x52, 0x00, 0x0E, 0x02)
        let evseModemMAC = MACAddress(0x00, 0xB0, 0x52, 0x00, 0x5E, 0x02)
        let evModemHost = SimulatedEthernetLink(interface: "ev-modem", macAddress: evModemMAC, etherType: t)
        let evWire = SimulatedEthernetLink(interface: "ev-plc", macAddress: evModemMAC, etherType: t)
        let evseWire = SimulatedEthernetLink(interface: "evse-plc", macAddress: evseModemMAC, etherType: t)
        let firmwareHost = SimulatedEthernetLink(interface: "qca7000-firmware", macAddress: evseModemMAC, etherType: t)
        let chipSide = SimulatedEthernetLink(interface: "qca7000-host-side", macAddress: evseModemMAC, etherType: t)
        SimulatedEthernetLink.connect(evLink, evModemHost)
        SimulatedEthernetLink.connect(evWire, evseWire)
        SimulatedEthernetLink.connect(firmwareHost, chipSide)
        let evPump: any IOSource
        let port: SlacPort
        if let evTap {
            let splitter = PLCFrameSplitter(name: "sim-ev-splitter", plc: evLink, tap: evTap)
            evPump = splitter
            port = SlacPort(hostMAC: evLink.macAddress, received: splitter.received, transmit: splitter.transmit)
        } else {
            let pump = FramePump(name: "sim-ev-plc", link: evLink)
            evPump = pump
            port = SlacPort(hostMAC: evLink.macAddress, received: pump.received, transmit: pump.transmit)
        }
        sources = [
            evPump,
            PLCModemStandIn(name: "sim-ev-modem", host: evModemHost, wire: evWire, configuration: .init(role: .ev, modemMAC: evModemMAC)),
            PLCModemStandIn(name: "qca7000-firmware-stand-in", host: firmwareHost, wire: evseWire,
                            configuration: .init(role: .evse, modemMAC: evseModemMAC)),
            SimulatedQCA7000Bridge(chip: chip, link: chipSide),
        ]
        evMAC = evLink.macAddress
        requester = SlacRequester(name: "sim-ev-slac", port: port,
                                  configuration: slac, random: .seeded(seed))
        controller = SimulatedVehicleController(requester: requester, facts: facts)
    }

    /// Gives the car its V2G side (SDP, TCP, EVCC, battery); it starts once its SLAC has matched.
    public func charge(with charging: SimulatedEVCharging) {
        self.charging = charging
        sources += charging.sources
        controller.charging = charging
    }
}

/// The vehicle's side of the tick: reads the pilot off the wire (the charger's published pilot) and
/// runs the EV's SLAC; replugs the car when the bench asks (`facts.station.benchReplugs` went up).
/// Simulation only; never registered on a real board.
public final class SimulatedVehicleController: TickController {
    public let name = "sim-vehicle"
    public let requester: SlacRequester
    let facts: ChargerFacts
    var charging: SimulatedEVCharging?
    /// `facts.station.benchReplugs` as last acted on.
    private var benchReplugsSeen: UInt32 = 0

    init(requester: SlacRequester, facts: ChargerFacts) {
        self.requester = requester
        self.facts = facts
    }

    public func tick(_ context: TickContext) {
        let wire = facts.pilot.value
        // The EV starts SLAC on B/C/D with 5 % on the wire; without the 5 % it waits (state A for SLAC).
        requester.pilot = wire.digitalCommunication ? wire.state : .a
        requester.tick(context)
        // The bench's next session (POST /api/bench/start through the service plane's bridge).
        let replugs = facts.station.value.benchReplugs
        if replugs != benchReplugsSeen {
            benchReplugsSeen = replugs
            charging?.replug(at: context.now)
        }
        if let charging {
            var matched = false
            if case .matched = requester.phase { matched = true }
            charging.tick(context, matched: matched)
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        _ = requester.safeStop(reason)
        let car = charging.map { ", " + $0.safeStop() } ?? ""
        return SafeStopReport(name, ["simulated vehicle stopped" + car])
    }
}

extension SimulatedVehicle {
    /// The helper emulator's script for this vehicle: plugged in (state B) after `after`, unplugged
    /// (A) after `unplugAfter` if given.
    public static func plugInScript(after: Nanoseconds, unplugAfter: Nanoseconds? = nil) -> EmulatorScript {
        var steps: [EmulatorScript.Step] = [.init(at: .zero, action: .vehicle(.a)), .init(at: after, action: .vehicle(.b))]
        if let unplugAfter { steps.append(.init(at: unplugAfter, action: .vehicle(.a))) }
        return EmulatorScript(actions: steps)
    }
}
