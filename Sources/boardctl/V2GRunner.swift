import Buffers
import Contracts
import ControlLoop
import Drivers
import Glibc
import HAL
import PowerPath
import PowerPlantSim
import Runtime
import V2GLink
import V2GSession
import V2GTP

/// `boardctl v2g`'s composition on one TickLoop (1 ms ticks, ppoll on the sockets):
///
///   SECC: SDP server on [ff02::1]:15118 → TCP listener → StreamPump → session controller →
///         PowerPathController on the simulated plant (a car that closes its contactors for the
///         charge loop and shows pilot C with 5 %)
///   EVCC: SDP client → TCP connect → StreamPump → session controller with its battery model
///
/// The watcher prints every answered message with its round trip and the power values and stops the
/// loop when the session is over. Setup allocates; the ticks do not (the watcher prints only when a
/// message completes).
final class V2GRunner {
    enum Role: String, CaseIterable { case secc, evcc }

    let role: Role
    let interfaceName: String
    let protocols: [V2GProtocol]
    let port: UInt16
    let timeLimit: Nanoseconds
    let linger: Nanoseconds
    var startSoC: Double = 80
    var targetSoC: Double = 81
    /// Bench deviations of the EV side (a peer whose simulated supply does not follow the target).
    var quirks = EVCCQuirks()
    /// The EV's CurrentDemandRes timeout when not the standard's 250 ms (a slow bench peer).
    var currentDemandTimeout: Nanoseconds?

    init(role: Role, interface: String, protocols: [V2GProtocol], port: UInt16, timeLimit: Nanoseconds, linger: Nanoseconds) {
        self.linger = linger
        self.role = role
        interfaceName = interface
        self.protocols = protocols
        self.port = port
        self.timeLimit = timeLimit
    }

    /// The simulated plant of the SECC runs: the default plant with a faster supply (5 kV/s slew, 50 µF
    /// output capacitance), so precharge to the EV's target takes ~0.1 s: Josev's simulated EV sends
    /// PowerDelivery(start) after five PreCharge exchanges whatever the voltage, and the SECC refuses it
    /// (FAILED_PowerDeliveryNotApplied) until the power path's precharge has passed.
    static var plantParameters: PlantParameters {
        var p = PlantParameters()
        p.outputCapacitance = 0.00005
        p.voltageSlew = 5000
        return p
    }

    /// Runs one session; returns the session's facts at the end (nil: it never started).
    func run() throws -> V2GSessionFacts? {
        let interface = try LinuxIPInterface(name: interfaceName)
        let address = try waitForAddress(interface)
        let loop = try TickLoop.production()
        let tcp = StreamPump(name: "v2g-tcp", receiveCapacity: 16 * 1024, transmitCapacity: 16 * 1024)
        let watcher: SessionWatcher
        switch role {
        case .secc:
            let facts = ChargerFacts()
            let sdpPump = DatagramPump(name: "sdp", socket: try interface.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true))
            let listener = try listenWhenAddressReady(interface)
            let server = StreamServerPump(name: "v2g-listen", listener: listener, session: tcp)
            let sdp = SDPServer(pump: sdpPump, configuration: SDPServerConfiguration(address: address, port: listener.localEndpoint.port))
            let plant = SimulatedPowerPlant(parameters: V2GRunner.plantParameters)
            let powerPath = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                                isolationMonitor: plant.isolationMonitor, meter: plant.meter)
            let car = SimulatedCarSide(facts: facts, plant: plant)
            let session = V2GSessionFactory.secc(received: tcp.received, transmit: tcp.transmit, facts: facts, protocols: protocols)
            watcher = SessionWatcher(role: role, loop: loop, tcp: tcp, session: session, facts: facts, timeLimit: timeLimit)
            loop.addSource(sdpPump)
            loop.addSource(server)
            loop.addSource(tcp)
            loop.addSource(plant)
            loop.addController(car)
            loop.addController(sdp)
            loop.addController(watcher.arrivals)
            loop.addController(session)
            loop.addController(powerPath)
            loop.addController(watcher)
            print("SECC (\(session.name)) on \(interfaceName): SDP server on [ff02::1]:\(IPEndpoint.sdpPort), "
                  + "V2G TCP server listening on [\(address)]:\(listener.localEndpoint.port), protocols "
                  + protocols.map(\.josevName).joined(separator: ", ") + "; simulated power plant")
        case .evcc:
            let sdpPump = DatagramPump(name: "sdp-ev", socket: try interface.openDatagramSocket(port: 0, joinAllNodes: false))
            let sdp = SDPClient(pump: sdpPump)
            let session = V2GSessionFactory.evcc(received: tcp.received, transmit: tcp.transmit, protocols: protocols,
                                                 startSoC: startSoC, targetSoC: targetSoC, quirks: quirks,
                                                 currentDemandTimeout: currentDemandTimeout)
            watcher = SessionWatcher(role: role, loop: loop, tcp: tcp, session: session, facts: nil, timeLimit: timeLimit)
            if let evcc = session as? EVCCSession {
                evcc.report = { [unowned watcher] exchange in watcher.evccRoundTrip = exchange.roundTrip }
            }
            watcher.connector = EVConnector(interface: interface, sdp: sdp, tcp: tcp)
            loop.addSource(sdpPump)
            loop.addSource(tcp)
            loop.addController(sdp)
            loop.addController(watcher.connector!)
            loop.addController(watcher.arrivals)
            loop.addController(session)
            loop.addController(watcher)
            sdp.start()
            print("EVCC (\(session.name)) on \(interfaceName) [\(address)]: SDP to [ff02::1]:\(IPEndpoint.sdpPort), protocols "
                  + protocols.map(\.josevName).joined(separator: ", "))
        }
        watcher.linger = linger
        fflush(nil)
        let reason = loop.run()
        print("loop stopped: \(reason)")
        for report in loop.safeStopReports { print("  safe stop: \(report)") }
        return watcher.started ? watcher.last : nil
    }

    /// The V2G TCP server on the interface's link-local address. Right after the link comes up the
    /// address exists but is tentative (duplicate address detection, ~1-2 s) and binding it fails with
    /// EADDRNOTAVAIL: wait for it, up to 5 s.
    private func listenWhenAddressReady(_ interface: LinuxIPInterface) throws -> any StreamListener {
        var tries = 0
        while true {
            do throws(SocketError) {
                return try interface.listen(port: port, backlog: 3)
            } catch {
                tries += 1
                if error.kind != .linkDown || tries >= 50 { throw error }
                usleep(100_000)
            }
        }
    }

    /// The interface's link-local address; waits up to 5 s while duplicate address detection runs.
    private func waitForAddress(_ interface: LinuxIPInterface) throws -> IPv6Address {
        var tries = 0
        while true {
            do throws(SocketError) {
                return try interface.linkLocalAddress()
            } catch {
                tries += 1
                if tries >= 50 { throw error }
                usleep(100_000)
            }
        }
    }
}

/// Builds the session controllers of issue 14: `SECCSession` (free vend: every EV is authorised) and
/// `EVCCSession` with a `LinearBatteryModel` — a small pack (2 kWh) from `startSoC` to `targetSoC`, so a
/// session reaches its end within seconds.
enum V2GSessionFactory {
    static func secc(received: ByteQueue, transmit: ByteQueue, facts: ChargerFacts, protocols: [V2GProtocol]) -> any V2GSessionControlling {
        var configuration = SECCConfiguration()
        configuration.protocols = protocols
        return SECCSession(received: received, transmit: transmit, facts: facts, authorizer: FreeVendAuthorizer(),
                           configuration: configuration)
    }

    static func evcc(received: ByteQueue, transmit: ByteQueue, protocols: [V2GProtocol],
                     startSoC: Double, targetSoC: Double, quirks: EVCCQuirks,
                     currentDemandTimeout: Nanoseconds?) -> any V2GSessionControlling {
        var pack = LinearBatteryModel.Parameters()
        pack.capacityWattHours = 2_000
        pack.initialSoC = startSoC
        pack.bulkSoC = startSoC + (targetSoC - startSoC) * 0.8
        pack.targetSoC = targetSoC
        pack.maxAmps = 100
        var configuration = EVCCConfiguration(protocols: protocols)
        configuration.quirks = quirks
        if let currentDemandTimeout { configuration.timers.currentDemand = currentDemandTimeout }
        return EVCCSession(received: received, transmit: transmit, battery: LinearBatteryModel(pack),
                           configuration: configuration)
    }
}

extension SECCSession: V2GSessionControlling {}
extension EVCCSession: V2GSessionControlling {}
