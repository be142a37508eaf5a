import ControlLoop
import Drivers
import HAL
import Runtime
import Testing
import TestSupport
import V2GLink
import V2GTP

/// SDP for real: our server in one network namespace, our client in the other, a veth pair between
/// them (made and deleted by the test), real multicast to ff02::1, real sockets polled by the loop.
@Suite("SDP over a veth pair in network namespaces: the EV's multicast request, the SECC's unicast answer",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct SDPVethTests {
    /// Stops the loop once the client found the SECC or gave up.
    final class Until: TickController {
        let name = "until"
        let client: SDPClient
        weak var loop: TickLoop?
        init(_ client: SDPClient) { self.client = client }
        func tick(_ context: TickContext) {
            switch client.state {
            case .found, .failed: loop?.requestStop(.requested("discovery ended"))
            default: break
            }
        }
        func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
    }

    @Test("discovery across the veth: the answer names the SECC's link-local address and port")
    func discovery() throws {
        let pair = try VethPair()
        defer { pair.remove() }
        let ip = try #require(Subprocess.which("ip"))
        for end in [pair.a, pair.b] {
            let address = IPv6Address.linkLocal(mac: end.mac)
            try Subprocess.check([ip, "-n", end.namespace, "link", "set", "dev", end.interface, "addrgenmode", "none"])
            try Subprocess.check([ip, "-n", end.namespace, "-6", "addr", "flush", "dev", end.interface, "scope", "link"])
            try Subprocess.check([ip, "-n", end.namespace, "-6", "addr", "add", "\(address)/64", "dev", end.interface, "nodad"])
        }
        let secc = try pair.run(in: pair.a) { try LinuxIPInterface(name: pair.a.interface) }
        let ev = try pair.run(in: pair.b) { try LinuxIPInterface(name: pair.b.interface) }
        let seccAddress = try pair.run(in: pair.a) { try secc.linkLocalAddress() }
        let serverPump = DatagramPump(name: "sdp", socket: try pair.run(in: pair.a) {
            try secc.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        })
        let clientPump = DatagramPump(name: "sdp-ev", socket: try pair.run(in: pair.b) {
            try ev.openDatagramSocket(port: 0, joinAllNodes: false)
        })
        let server = SDPServer(pump: serverPump, configuration: SDPServerConfiguration(address: seccAddress, port: 50123))
        let client = SDPClient(pump: clientPump)

        let loop = TickLoop(period: .milliseconds(1), clock: SystemMonotonicClock(),
                            waiter: PollWaiter(clock: SystemMonotonicClock()))
        let until = Until(client)
        until.loop = loop
        loop.addSource(serverPump)
        loop.addSource(clientPump)
        loop.addController(server)
        loop.addController(client)
        loop.addController(until)
        client.start()
        loop.run(ticks: 20_000)   // 20 s at most; the carrier may take a moment, requests repeat every 250 ms
        let found = try #require(client.secc, "no SDP answer: \(client.state), server \(server.counters)")
        #expect(found.sameAddressAndPort(as: IPEndpoint(seccAddress, port: 50123)))
        #expect(found.address.scopeID == ev.index)
        #expect(server.counters.answered >= 1)
        #expect(server.counters.malformed == 0)
        print("SDP over veth: \(client.requestsSent) request(s), answered by \(found)")
    }
}
