import ChargerAssembly
import Contracts
import ControlLoop
import Drivers
import Glibc
import HAL
import PowerPlantSim
import Runtime
import TestSupport
import Testing
import V2GLink
import V2GSession

/// The PLC interface as a netdev the kernel owns (the `qcaspi` board): it vanishes and comes back with a
/// new index — here a veth pair deleted and made again in the test's namespaces. The watch has nothing to
/// re-create (`restore: nil`): it waits for the name, opens the SECC's SDP socket and listener on the new
/// interface (retrying while duplicate-address detection keeps its address tentative), and a car on the
/// other end finds the SECC by SDP and connects. The TAP board's way back is in `OwnStackV2GTests`.
@Suite(.serialized, .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct PLCInterfaceWatchTests {
    /// One SDP discovery from the car's end (a socket on the interface as it is now); the loop runs in the
    /// charger's namespace meanwhile. The endpoint found, or nil.
    static func discover(_ pair: VethPair, loop: TickLoop) throws -> IPEndpoint? {
        let ev = try pair.run(in: pair.b) { try LinuxIPInterface(name: pair.b.interface) }
        let pump = DatagramPump(name: "sdp-ev", socket: try pair.run(in: pair.b) { try ev.openDatagramSocket(port: 0, joinAllNodes: false) })
        defer { pump.socket.close() }
        let client = SDPClient(pump: pump)
        client.start()
        let poll = ClientPoll(pump: pump, client: client)
        return try pair.run(in: pair.a) { () -> IPEndpoint? in
            for _ in 0..<10_000 {
                loop.run(ticks: 1)
                poll.step(loop.clock.now())
                if let found = client.secc { return found }
                if case .failed = client.state { return nil }
            }
            return nil
        }
    }

    /// The client's pump and controller, stepped beside the charger's loop.
    struct ClientPoll {
        let pump: DatagramPump
        let client: SDPClient
        func step(_ now: MonotonicInstant) {
            let context = TickContext(now: now, index: 0, period: .milliseconds(1))
            pump.pump(context)
            client.tick(context)
            pump.pump(context)
        }
    }

    @Test func netdevThatComesBackGetsV2GAgain() throws {
        let pair = try VethPair()
        defer { pair.remove() }
        let facts = ChargerFacts()
        let plant = SimulatedPowerPlant()
        let interface = try pair.run(in: pair.a) { try LinuxIPInterface(name: pair.a.interface) }
        // The address is tentative for a moment after the link came up: wait as `boardctl v2g` does.
        var made: SECCAssembly?
        for _ in 0..<50 where made == nil {
            made = try? pair.run(in: pair.a) {
                try SECCAssembly(interface: interface, facts: facts, authorizer: FreeVendAuthorizer(), configuration: SECCConfiguration(),
                                 supply: plant.supply, contactors: plant.contactors, isolationMonitor: plant.isolationMonitor,
                                 meter: plant.meter, linkGate: .always)
            }
            if made == nil { usleep(100_000) }
        }
        let secc = try #require(made, "no SECC on \(pair.a.interface)")
        let watch = PLCInterfaceWatch(interface: interface, tcp: secc.tcp, restore: nil,
                                      rebind: { (i: LinuxIPInterface) throws(SocketError) in try secc.rebind(to: i) })
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        loop.addSource(plant)
        for s in secc.sources { loop.addSource(s) }
        loop.addSource(watch)
        for c in secc.controllers { loop.addController(c) }

        let first = try #require(try Self.discover(pair, loop: loop), "SDP before the loss: \(secc.sdp.counters)")
        let oldIndex = interface.index

        try pair.deleteInterface(pair.a)
        try pair.run(in: pair.a) { loop.run(ticks: 500) }
        #expect(watch.lostAt != nil && watch.returned == 0, "the watch saw the interface go")

        try pair.recreate()
        let back = try pair.run(in: pair.a) { () -> Bool in
            for _ in 0..<500 where watch.returned == 0 { loop.run(ticks: 20) }
            return watch.returned == 1
        }
        print("netdev back: V2G bound again \(watch.returned) (index \(oldIndex) → \(watch.interface.index)), rebinds \(secc.rebinds), "
              + "last error \(watch.lastRebindError.map { "\($0)" } ?? "none"); SDP at \(secc.sdp.configuration.address) port \(secc.sdp.configuration.port)")
        #expect(back && watch.interface.index != oldIndex && watch.restored == 0 && secc.rebinds == 1 && watch.lostAt == nil)

        let found = try #require(try Self.discover(pair, loop: loop), "SDP after the return: \(secc.sdp.counters)")
        #expect(found.sameAddressAndPort(as: first), "the same MAC gives the same link-local address; the same port")
        // A car's TCP connection reaches the new listener.
        let ev = try pair.run(in: pair.b) { try LinuxIPInterface(name: pair.b.interface) }
        let connection = try pair.run(in: pair.b) { try ev.connect(to: found) }
        defer { connection.abort() }
        let accepted = try pair.run(in: pair.a) { () -> Bool in
            for _ in 0..<200 where secc.server.accepted == 0 {
                loop.run(ticks: 10)
                _ = connection.updateState()
            }
            return secc.server.accepted == 1
        }
        #expect(accepted, "listener \(secc.server.lastError.map { "\($0)" } ?? "no error"), connection \(connection.state)")
        loop.stop(.requested("test"))
    }
}
