import Boards
import Buffers
import Drivers
import ControlLoop
import HAL
import HomePlugAV
import PLCModemStandIn
import SimBoard
import Contracts
import Runtime
import SLAC

/// One SLAC association run from the command line (`boardctl slac`, the interop tests' peer): our
/// EVSE or our EV on a real interface (a veth end, or the QCA7000's `eth1`), or both on the simulated
/// board, printing every message and timer as it happens.
public enum SlacRunner {
    public enum Role: String, Sendable, CaseIterable { case evse, ev }

    /// What answers the modem's part on a link without a modem (slac.md §11.5).
    public enum ModemStandIn: String, Sendable, CaseIterable {
        /// A real modem is there (a QCA7000 behind `qcaspi`).
        case none
        /// Answers CM_SET_KEY/VS_* only.
        case keys
        /// Plays this host's modem: keys, and for an EVSE CM_ATTEN_PROFILE.IND after every sound.
        case modem
        /// EV only: also plays the modem of an EVSE whose host has none (pyslac's EVSE).
        case farEVSE = "far-evse"
    }

    public struct Options: Sendable {
        public var role: Role
        /// A network interface carrying the frames (a veth end); overrides `board`.
        public var interface: String?
        /// The board whose plc-modem carries SLAC: a simulated board runs both sides in-process on a
        /// manual clock (our EVSE over the QCA7000 driver and chip model, our EV on its auxiliary link).
        public var board: BoardDefinition?
        public var standIn: ModemStandIn = .modem
        /// Pilot goes to B this long after start.
        public var pilotDelay: Nanoseconds = .zero
        /// Give up after this long (bounded run).
        public var timeLimit: Nanoseconds = .seconds(30)
        /// Stay this long after matching (to answer a repeated CM_SLAC_MATCH.REQ), then exit.
        public var hold: Nanoseconds = .milliseconds(300)
        /// Stop at the first final failure instead of waiting for the time limit.
        public var stopOnFailure = true
        public var evse = SlacMatcher.Configuration()
        public var ev = SlacRequester.Configuration()
        public init(role: Role) { self.role = role }
    }

    public struct Outcome: Sendable {
        public var matched: SlacMatch?
        public var failure: SlacFailure?
        /// From pilot B to the match event.
        public var elapsed: Nanoseconds?
    }

    public enum RunError: Error, CustomStringConvertible {
        case device(String)
        public var description: String {
            switch self {
            case .device(let s): s
            }
        }
    }

    /// Runs one association; `print` gets one line per trace entry and a closing RESULT line.
    public static func run(_ options: Options, print: (String) -> Void) throws(RunError) -> Outcome {
        if let interface = options.interface {
            let wire: LinuxEthernetLink
            do throws(EthernetError) {
                wire = try LinuxEthernetLink(interface: interface, etherType: HomePlugFrame.etherType)
            } catch {
                throw .device(error.description)
            }
            return try runOnLink(wire, driver: nil, name: interface, options, print: print)
        }
        guard let board = options.board else { throw .device("no board and no interface") }
        if board.simulated { return try runSimulatedBoard(board, options, print: print) }
        var random = SlacRandom.system
        // A locally administered MAC for the host behind a user-space driver.
        let mac = MACAddress(rawValue: 0x02_00_00_00_00_00 | (random.next() & 0xFF_FFFF_FFFF))
        let plc: PLCLink
        do throws(PLCLinkError) { plc = try PLCLink.open(board, factory: LinuxDeviceFactory(consumer: "boardctl-slac"), hostMAC: mac) } catch {
            throw .device(error.description)
        }
        return try runOnLink(plc.link, driver: plc.driver, name: "\(board.name) \(plc.link.interface)", options, print: print)
    }

    // MARK: - Real link (veth, qcaspi netdev, user-space QCA7000)

    private static func runOnLink(_ wire: any EthernetLink, driver: QCA7000Driver?, name interface: String, _ options: Options,
                                  print: (String) -> Void) throws(RunError) -> Outcome {
        let loop: TickLoop
        do { loop = try TickLoop.production(period: .milliseconds(1)) } catch { throw .device(error.description) }
        if let driver { loop.addSource(driver) }
        let hostMAC = wire.macAddress
        var hostLink: any EthernetLink = wire
        var standIn: PLCModemStandIn?
        if options.standIn != .none {
            // The host talks to an in-process modem, which talks to the wire.
            let modemMAC = MACAddress(0x00, 0xB0, 0x52, UInt8(truncatingIfNeeded: hostMAC.rawValue >> 16),
                                      UInt8(truncatingIfNeeded: hostMAC.rawValue >> 8), UInt8(truncatingIfNeeded: hostMAC.rawValue))
            let host = SimulatedEthernetLink(interface: "\(interface)-host", macAddress: hostMAC, etherType: HomePlugFrame.etherType, queueSlots: 64)
            let modemPort = SimulatedEthernetLink(interface: "\(interface)-modem", macAddress: modemMAC, etherType: HomePlugFrame.etherType, queueSlots: 64)
            SimulatedEthernetLink.connect(host, modemPort)
            var c = PLCModemStandIn.Configuration(role: options.role == .evse && options.standIn == .modem ? .evse : .ev, modemMAC: modemMAC)
            c.emulatesFarEVSEModem = options.standIn == .farEVSE
            let modem = PLCModemStandIn(name: "modem-stand-in", host: modemPort, wire: wire, configuration: c)
            standIn = modem
            hostLink = host
            loop.addSource(modem)
        }
        let pump = FramePump(name: "plc", link: hostLink, slots: 64)
        loop.addSource(pump)
        let side = Side(options, hostMAC: hostMAC, pump: pump, random: .system)
        loop.addController(side.controller)
        // Send what the controller queued in the same tick (saves a tick per answer).
        loop.addController(Flush(pump: pump, standIn: standIn))

        print("slac: \(options.role.rawValue) on \(interface) (\(hostMAC)), modem stand-in: \(options.standIn.rawValue)")
        let start = loop.clock.now()
        var pilotAt: MonotonicInstant?
        var matchedAt: MonotonicInstant?
        var outcome = Outcome()
        while loop.runCycle() {
            let now = loop.clock.now()
            if pilotAt == nil, now - start >= options.pilotDelay {
                pilotAt = now
                side.pilot = .b
                print(line(now, start, "  pilot → B"))
            }
            side.drain(start, print: print) { event, at in
                switch event {
                case .matched(let m):
                    outcome.matched = m
                    matchedAt = at
                    outcome.elapsed = pilotAt.map { at - $0 }
                case .failed(let f, let final) where final:
                    outcome.failure = f
                default: break
                }
            }
            if let matchedAt, now - matchedAt >= options.hold { break }
            if outcome.failure != nil, options.stopOnFailure, outcome.matched == nil { break }
            if now - start >= options.timeLimit { break }
        }
        loop.stop(.requested("slac run over"))
        print(summary(outcome, side: side))
        return outcome
    }

    // MARK: - Simulated board

    /// The simulated board's PLC path, both sides in-process on a manual clock:
    /// our EVSE → FramePump → QCA7000Driver → SPI twin → chip model → firmware stand-in (the EVSE
    /// modem) → wire → EV modem stand-in → the board's auxiliary `ev_link` → our EV.
    private static func runSimulatedBoard(_ board: BoardDefinition, _ options: Options, print: (String) -> Void) throws(RunError) -> Outcome {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let factory = SimulatedDeviceFactory()
        let evseMAC = MACAddress(0x02, 0x00, 0x00, 0x00, 0x5E, 0x01)
        let plc: PLCLink
        do throws(PLCLinkError) { plc = try PLCLink.open(board, factory: factory, hostMAC: evseMAC) } catch { throw .device(error.description) }
        guard let chip = factory.qca7000, let driver = plc.driver else {
            throw .device("board \(board.name): the simulated plc-modem must be the QCA7000 on SPI")
        }
        // The EV's host link: the board's auxiliary Ethernet twin (sim-ev0).
        guard let aux = board.devices.first(where: { $0.role == .auxiliary && $0.kind == .ethernet }),
              case .success(.ethernet(let link)) = factory.open(aux), let evLink = link as? SimulatedEthernetLink else {
            throw .device("board \(board.name): no auxiliary ethernet device for the EV's end of the power line")
        }
        var evseOptions = options
        evseOptions.role = .evse
        let evsePump = FramePump(name: "plc", link: driver)
        let evse = Side(evseOptions, hostMAC: evseMAC, pump: evsePump, random: .seeded(0xE5E))
        let vehicle = SimulatedVehicle(chip: chip, evLink: evLink, facts: evse.matcher!.facts, slac: options.ev)
        let ev = Side(vehicle.requester)
        for source in vehicle.sources { loop.addSource(source) }
        loop.addSource(driver)
        loop.addSource(evsePump)
        loop.addController(evse.controller)
        loop.addController(vehicle.controller)
        let shown = options.role == .evse ? evse : ev
        let other = options.role == .evse ? ev : evse
        print("slac: \(options.role.rawValue) on board \(board.name) (simulated: EVSE over the QCA7000 driver on \(driver.spi.path), "
              + "EV on \(evLink.interface)), manual clock")
        let start = clock.now()
        var outcome = Outcome()
        var matchedAt: MonotonicInstant?
        var ticks = 0
        var pilotAt: MonotonicInstant?
        while ticks < Int(options.timeLimit.count / 1_000_000) {
            // The EV plugs in once the charger's modem is up (carrier) and the pilot delay is over.
            if pilotAt == nil, driver.state == .ready, clock.now() - start >= options.pilotDelay {
                pilotAt = clock.now()
                evse.pilot = .b // the simulated vehicle sees B with 5 % on the wire
                print(line(clock.now(), start, "  pilot → B (EV plugged in; QCA7000 link up)"))
            }
            loop.runCycle()
            ticks += 1
            let now = clock.now()
            shown.drain(start, print: print) { event, at in
                switch event {
                case .matched(let m):
                    outcome.matched = m
                    matchedAt = at
                    outcome.elapsed = pilotAt.map { at - $0 }
                case .failed(let f, let final) where final: outcome.failure = f
                default: break
                }
            }
            other.discard()
            if let matchedAt, now - matchedAt >= options.hold { break }
            if outcome.failure != nil, outcome.matched == nil { break }
        }
        print("  QCA7000 driver: \(driver.statistics.framesSent) frames sent, \(driver.statistics.framesReceived) received, "
              + "\(driver.statistics.chipResets) chip start(s), \(driver.statistics.receiveFramingErrors) framing errors")
        print(summary(outcome, side: shown))
        return outcome
    }

    // MARK: - Pieces

    /// One side's controller with its port, whichever role.
    final class Side {
        let hostMAC: MACAddress
        let port: SlacPort
        let matcher: SlacMatcher?
        let requester: SlacRequester?

        init(_ options: Options, hostMAC: MACAddress, pump: FramePump, random: SlacRandom) {
            self.hostMAC = hostMAC
            port = SlacPort(hostMAC: hostMAC, received: pump.received, transmit: pump.transmit)
            switch options.role {
            case .evse:
                matcher = SlacMatcher(port: port, configuration: options.evse, random: random)
                requester = nil
            case .ev:
                requester = SlacRequester(port: port, configuration: options.ev, random: random)
                matcher = nil
            }
        }

        /// Wraps the EV of a simulated vehicle (its controller is the vehicle's).
        init(_ requester: SlacRequester) {
            hostMAC = requester.port.hostMAC
            port = requester.port
            self.requester = requester
            matcher = nil
        }

        var controller: any TickController { matcher ?? requester! }

        var pilot: PilotState {
            get { matcher?.pilot ?? requester!.pilot }
            set {
                // This tool plays the CP controller for our EVSE (a veth pair has no pilot).
                matcher?.facts.pilot.present(newValue)
                requester?.pilot = newValue
            }
        }

        func drain(_ start: MonotonicInstant, print: (String) -> Void, events: (SlacEvent, MonotonicInstant) -> Void) {
            while let e = port.trace.pop() {
                print(line(e.time, start, e.description))
                if case .event(let event) = e.kind { events(event, e.time) }
            }
            while port.events.pop() != nil {}
        }

        func discard() {
            while port.trace.pop() != nil {}
            while port.events.pop() != nil {}
        }

        var quirks: String {
            guard let q = matcher?.quirks, !q.isEmpty else { return "" }
            var names: [String] = []
            if q.contains(.byteSwappedMVFLength) { names.append("MVFLength big-endian") }
            if q.contains(.evseMACIsPEVMAC) { names.append("EVSE MAC = PEV MAC") }
            if q.contains(.nonStandardGroupCount) { names.append("NumGroups ≠ 58") }
            if q.contains(.refusedKeyConfirm) { names.append("refused CM_SET_KEY.CNF") }
            return " quirks=\"\(names.joined(separator: ", "))\""
        }
    }

    /// Sends the frames queued during this tick right away (registered after the SLAC controller).
    final class Flush: TickController {
        let name = "plc-flush"
        let pump: FramePump
        let standIn: PLCModemStandIn?
        init(pump: FramePump, standIn: PLCModemStandIn?) {
            self.pump = pump
            self.standIn = standIn
        }
        func tick(_ context: TickContext) {
            if !pump.transmit.isEmpty {
                pump.pump(context)
                standIn?.move()
            }
        }
        func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
    }

    static func line(_ t: MonotonicInstant, _ start: MonotonicInstant, _ text: String) -> String {
        var n = String(Double((t - start).count / 1_000) / 1_000)
        while n.count < 9 { n = " " + n }
        return "[\(n) ms] \(text)"
    }

    static func summary(_ o: Outcome, side: Side) -> String {
        if let m = o.matched {
            let ms = o.elapsed.map { String(Double($0.count / 1000) / 1000) } ?? "?"
            return "RESULT matched peer=\(m.peer) nid=\(m.nid) nmk=\(m.nmk.fingerprint) attenuation=\(m.attenuation) sounds=\(m.sounds) run=\(m.runID) elapsed_ms=\(ms)\(side.quirks)"
        }
        return "RESULT failed reason=\"\(o.failure?.description ?? "time limit")\"\(side.quirks)"
    }
}
