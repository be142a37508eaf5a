import Buffers
import Contracts
import ControlLoop
import Drivers
import HAL
import PowerPath
import V2GLink
import V2GSession

/// The charger's V2G side on an `own-stack` board, after SLAC (ISO 15118-3 §7, sdp-v2gtp.md §2): the
/// SDP server on [ff02::1]:15118 of the PLC interface, answering only while `facts.plcLink` says
/// matched; a TCP listener whose connection feeds `SECCSession`; the DC power path registered after
/// the SECC so it reads the SECC's request in the same tick (ARCHITECTURE.md, "One tick").
///
/// `boardctl v2g --role secc` runs this same assembly on a bare interface (a veth end, no SLAC:
/// `linkGate: .always`); on a board it is fed by the board's facts: the pilot from the CP controller
/// (the SECC and the power path end on A/E/F), the link from SLAC (the SECC ends on link loss).
/// Setup allocates; the ticks do not.
public final class SECCAssembly {
    public let sdpPump: DatagramPump
    public let tcp: StreamPump
    public let server: StreamServerPump
    public let sdp: SDPServer
    public let session: SECCSession
    public let powerPath: PowerPathController
    public let connection: SECCConnection

    /// Register after the board's pumps (any order among themselves).
    public var sources: [any IOSource] { [sdpPump, server, tcp] }
    /// In tick order: connection bookkeeping → SDP → SECC → power path.
    public var controllers: [any TickController] { [connection, sdp, session, powerPath] }

    /// - Parameters:
    ///   - interface: the PLC interface (the `qcaspi` netdev, the TAP, or the sim board's twin).
    ///   - port: the V2G TCP port SDP announces (a dynamic port, sdp-v2gtp.md §2.2).
    ///   - linkGate: when SDP may answer: `.slac` on a PLC interface, `.always` on one without SLAC.
    public init(interface: any IPInterface, facts: ChargerFacts, authorizer: any Authorizer,
                configuration: SECCConfiguration, supply: any DCSupply, contactors: any DCContactors,
                isolationMonitor: any IsolationMonitor, meter: any OutputMeter, port: UInt16 = 61341,
                linkGate: SECCLinkGate = .slac) throws(SocketError) {
        let address = try interface.linkLocalAddress()
        sdpPump = DatagramPump(name: "sdp", socket: try interface.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true))
        let listener = try interface.listen(port: port, backlog: 3)
        tcp = StreamPump(name: "v2g-tcp", receiveCapacity: 16 * 1024, transmitCapacity: 16 * 1024)
        server = StreamServerPump(name: "v2g-listen", listener: listener, session: tcp)
        sdp = SDPServer(pump: sdpPump, configuration: SDPServerConfiguration(address: address, port: listener.localEndpoint.port))
        sdp.isAnswering = false
        session = SECCSession(received: tcp.received, transmit: tcp.transmit, facts: facts, authorizer: authorizer,
                              configuration: configuration)
        powerPath = PowerPathController(facts: facts, supply: supply, contactors: contactors,
                                        isolationMonitor: isolationMonitor, meter: meter)
        connection = SECCConnection(facts: facts, tcp: tcp, sdp: sdp, session: session)
        connection.linkGate = linkGate
        self.port = port
    }

    /// The TCP port the listener asked for (SDP announces the one it got).
    let port: UInt16
    /// Times the sockets were opened again on an interface that came back.
    public private(set) var rebinds = 0

    /// Opens the SDP socket and the V2G listener again on `interface` — the PLC interface came back with a
    /// new index (a TAP re-created, a `qcaspi` netdev re-bound), so the old sockets are bound to one that
    /// is gone — and tells SDP the new address. Throws, changing nothing, while the interface has no
    /// link-local address yet (duplicate-address detection): the caller tries again later. Allocates
    /// (new sockets): an event after a link loss, not a steady-state tick.
    public func rebind(to interface: any IPInterface) throws(SocketError) {
        let address = try interface.linkLocalAddress()
        let datagram = try interface.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let listener: any StreamListener
        do throws(SocketError) {
            listener = try interface.listen(port: port, backlog: 3)
        } catch {
            datagram.close()
            throw error
        }
        sdpPump.replaceSocket(datagram)
        server.replaceListener(listener)
        sdp.configuration.address = address
        sdp.configuration.port = listener.localEndpoint.port
        rebinds += 1
    }
}

/// What says the EV is on our link, so SDP may answer (ISO 15118-3 §7.2).
public enum SECCLinkGate: Sendable, Equatable {
    /// A SLAC match on `facts.plcLink` (a PLC interface).
    case slac
    /// Always matched: an interface with no SLAC, such as the veth pair of the Josev interop
    /// (run-pair.sh), where whoever sends SDP is the car.
    case always
}

/// Tells the SECC about its TCP connection and closes it when the session asks (after SessionStop or
/// a FAILED answer, once the answer has left); lets SDP answer only while SLAC holds a match (an EV
/// that has not matched is not on our power line, ISO 15118-3 §7.2). Registered before the SECC.
public final class SECCConnection: TickController {
    public let name = "v2g-connection"
    let facts: ChargerFacts
    let tcp: StreamPump
    let sdp: SDPServer
    let session: SECCSession
    /// Connections the SECC was told about.
    public private(set) var connections = 0
    /// When SDP answers (set by the assembly).
    public var linkGate = SECCLinkGate.slac
    /// After a session that ended with SessionStop, keep the connection this long unless the car
    /// closes it first (zero: close once the answer has left). Josev's EVCC keeps it 5 s after
    /// SessionStopRes and logs an earlier close by the charger as the session's stop reason.
    public var lingerAfterSessionStop = Nanoseconds.zero
    private var endedAt: MonotonicInstant?
    private var seenSessions = 0
    private var open = false
    private var finishing = false

    init(facts: ChargerFacts, tcp: StreamPump, sdp: SDPServer, session: SECCSession) {
        self.facts = facts
        self.tcp = tcp
        self.sdp = sdp
        self.session = session
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        sdp.isAnswering = linkGate == .always || facts.plcLink.value.matchedEV != nil
        if tcp.sessions != seenSessions, tcp.state == .open {
            if open { session.connectionClosed(at: now) }
            seenSessions = tcp.sessions
            open = true
            finishing = false
            endedAt = nil
            connections += 1
            session.connectionOpened(at: now)
        } else if open, tcp.state.isFinished {
            open = false
            session.connectionClosed(at: now)
        }
        if open, !finishing, session.closeRequested, tcp.transmit.isEmpty {
            let ended = endedAt ?? now
            endedAt = ended
            let wait = session.session.stopReason == .completed ? lingerAfterSessionStop : .zero
            if now - ended >= wait {
                finishing = true
                tcp.finish()
            }
        }
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        let wasOpen = open
        if open { tcp.abort() }
        return SafeStopReport(name, [wasOpen ? "V2G TCP connection reset" : "no V2G TCP connection"])
    }
}
