import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Buffers
import ControlLoop
import HAL
import HomePlugAV
import PLCModemStandIn
import Runtime
@testable import SLAC

let evHostMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x0E, 0x01)
let evModemMAC = MACAddress(0x00, 0xB0, 0x52, 0x00, 0x0E, 0x02)
let evseHostMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01)
let evseModemMAC = MACAddress(0x00, 0xB0, 0x52, 0x00, 0x5E, 0x02)

/// Our EV and our EVSE, each behind a modem stand-in, the two stand-ins joined by a simulated wire;
/// one tick loop on a manual clock (1 ms ticks), so every timer is exact.
final class SimulatedPowerline {
    let clock = ManualClock()
    let loop: TickLoop
    let evHost = SimulatedEthernetLink(interface: "ev-host", macAddress: evHostMAC, etherType: HomePlugFrame.etherType)
    let evseHost = SimulatedEthernetLink(interface: "evse-host", macAddress: evseHostMAC, etherType: HomePlugFrame.etherType)
    let evModem: PLCModemStandIn
    let evseModem: PLCModemStandIn
    let evPump: FramePump
    let evsePump: FramePump
    let ev: SlacRequester
    let evse: SlacMatcher

    init(ev evConfiguration: SlacRequester.Configuration = .init(), evse evseConfiguration: SlacMatcher.Configuration = .init(),
         evseAttenuation: Int = 20) {
        loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let evModemHost = SimulatedEthernetLink(interface: "ev-modem-host", macAddress: evModemMAC, etherType: HomePlugFrame.etherType)
        let evModemWire = SimulatedEthernetLink(interface: "ev-modem-plc", macAddress: evModemMAC, etherType: HomePlugFrame.etherType)
        let evseModemHost = SimulatedEthernetLink(interface: "evse-modem-host", macAddress: evseModemMAC, etherType: HomePlugFrame.etherType)
        let evseModemWire = SimulatedEthernetLink(interface: "evse-modem-plc", macAddress: evseModemMAC, etherType: HomePlugFrame.etherType)
        SimulatedEthernetLink.connect(evHost, evModemHost)
        SimulatedEthernetLink.connect(evModemWire, evseModemWire)
        SimulatedEthernetLink.connect(evseModemHost, evseHost)
        evModem = PLCModemStandIn(name: "ev-modem", host: evModemHost, wire: evModemWire,
                                  configuration: .init(role: .ev, modemMAC: evModemMAC))
        var evseModemConfiguration = PLCModemStandIn.Configuration(role: .evse, modemMAC: evseModemMAC)
        evseModemConfiguration.attenuationBase = evseAttenuation
        evseModem = PLCModemStandIn(name: "evse-modem", host: evseModemHost, wire: evseModemWire, configuration: evseModemConfiguration)
        evPump = FramePump(name: "ev-plc", link: evHost)
        evsePump = FramePump(name: "evse-plc", link: evseHost)
        ev = SlacRequester(port: SlacPort(hostMAC: evHostMAC, received: evPump.received, transmit: evPump.transmit),
                           configuration: evConfiguration, random: .seeded(1))
        evse = SlacMatcher(port: SlacPort(hostMAC: evseHostMAC, received: evsePump.received, transmit: evsePump.transmit),
                           configuration: evseConfiguration, random: .seeded(2))
        loop.addSource(evPump)
        loop.addSource(evModem)
        loop.addSource(evseModem)
        loop.addSource(evsePump)
        loop.addController(evse)
        loop.addController(ev)
    }

    /// Runs ticks until `done` or `limit`; returns the ticks run.
    @discardableResult
    func run(limit: Int, until done: () -> Bool = { false }) -> Int {
        var n = 0
        while n < limit, !done() {
            loop.runCycle()
            n += 1
        }
        return n
    }

    var bothMatched: Bool {
        if case .matched = ev.phase, case .matched = evse.phase { return true }
        return false
    }
}

extension SlacPort {
    /// Drains the event queue.
    func drainEvents() -> [SlacEvent] {
        var out: [SlacEvent] = []
        while let e = events.pop() { out.append(e) }
        return out
    }

    /// Drains the trace.
    func drainTrace() -> [SlacTraceEntry] {
        var out: [SlacTraceEntry] = []
        while let e = trace.pop() { out.append(e) }
        return out
    }
}

extension [SlacTraceEntry] {
    func sent(_ type: MMType) -> Int {
        filter { if case .sent(let t, _) = $0.kind { return t == type } else { return false } }.count
    }
    func received(_ type: MMType) -> Int {
        filter { if case .received(let t, _) = $0.kind { return t == type } else { return false } }.count
    }
}

/// A scripted peer on a simulated link: injects frames, reads what the host sent.
struct ScriptedPeer {
    let link: SimulatedEthernetLink

    func inject(_ frame: HomePlugFrame) {
        let b = try! encode(frame)
        _ = b.withUnsafeBytes { link.backend.inject(RawSpan(_unsafeBytes: $0)) }
    }

    /// Frames the host sent since the last call, parsed.
    func sent() -> [HomePlugFrame] {
        var out: [HomePlugFrame] = []
        let q = link.backend.transmitted
        while !q.isEmpty {
            if let f = try? HomePlugFrame.parse(q.front) { out.append(f) }
            q.dropFront()
        }
        return out
    }
}
