import Buffers
import ControlLoop
import Drivers
import HAL
import MallocCounting
import Testing
import V2G
import V2GLink
import V2GTP

/// SDP between our server and our client on the SimulatedIPNetwork twin, with a manual clock: the
/// timers of sdp-v2gtp.md §4.5 are exact here.
@Suite("SDP server and client on the IP twin: discovery, retries, loss, bad datagrams, no allocation")
struct SDPTwinTests {
    let network = SimulatedIPNetwork()
    let evse: SimulatedIPInterface
    let ev: SimulatedIPInterface
    let serverPump: DatagramPump
    let clientPump: DatagramPump
    let server: SDPServer
    let client: SDPClient
    let tcpPort: UInt16 = 61341

    init() throws {
        evse = network.attach("eth1", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0A))
        ev = network.attach("ev0", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0B))
        serverPump = DatagramPump(name: "sdp", socket: try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true))
        clientPump = DatagramPump(name: "sdp-ev", socket: try ev.openDatagramSocket(port: 0, joinAllNodes: false))
        server = SDPServer(pump: serverPump, configuration: SDPServerConfiguration(address: evse.address, port: 61341))
        client = SDPClient(pump: clientPump)
    }

    /// One tick of both sides at `ms` milliseconds, in loop order (sources pumped, then controllers).
    func step(_ ms: Int64) {
        let context = TickContext(now: MonotonicInstant(nanoseconds: ms * 1_000_000), index: UInt64(ms), period: .milliseconds(1))
        clientPump.pump(context)
        serverPump.pump(context)
        server.tick(context)
        client.tick(context)
        serverPump.pump(context)
        clientPump.pump(context)
    }

    func run(from: Int64, to: Int64) { for ms in from..<to { step(ms) } }

    @Test("the EV finds the SECC: link-local address scoped to the EV's interface, the announced port, no TLS")
    func discovery() throws {
        client.start()
        run(from: 0, to: 3)
        let found = try #require(client.secc)
        #expect(found.sameAddressAndPort(as: IPEndpoint(evse.address, port: tcpPort)))
        #expect(found.address.scopeID == ev.index, "the connect must leave through the EV's interface")
        #expect(client.requestsSent == 1)
        #expect(server.counters.requests == 1 && server.counters.answered == 1)
        #expect(server.lastClient?.port == clientPump.socket.localEndpoint.port)
        #expect(client.state == .found(found, .none))
    }

    @Test("lost requests: a new one every 250 ms until one is answered")
    func retries() throws {
        network.dropNextDatagrams = 3
        client.start()
        run(from: 0, to: 1000)
        #expect(client.requestsSent == 4)
        #expect(client.lastRequestAt == MonotonicInstant(nanoseconds: 750_000_000))
        #expect(client.secc != nil)
        #expect(server.counters.requests == 1)
    }

    @Test("nobody answers: 50 requests 250 ms apart, then failed")
    func noServer() throws {
        server.isAnswering = false
        client.start()
        run(from: 0, to: 12_200)
        #expect(client.requestsSent == 49)
        #expect(client.state == .discovering(attempt: 49))
        run(from: 12_200, to: 12_499)
        #expect(client.requestsSent == V2GTimers.sdpRequests && client.state == .discovering(attempt: 50), "the last one gets its 250 ms")
        run(from: 12_499, to: 13_000)
        #expect(client.requestsSent == V2GTimers.sdpRequests)
        #expect(client.state == .failed)
        #expect(server.counters.droppedLinkNotReady == 50)
        #expect(server.counters.answered == 0)
    }

    @Test("the server ignores what is not a TCP request: bad header, wrong length, UDP, other payload types")
    func badRequests() throws {
        let bad: [[UInt8]] = [
            [0x02, 0xFD, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x00],          // version 2
            [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 3, 0x10, 0x00, 0x00],    // payload length 3
            [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 2, 0x10],                // truncated
            [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 2, 0x20, 0x00],          // unknown security
            [0x01, 0xFE, 0x90, 0x01, 0, 0, 0, 2, 0x10, 0x00],          // a response type
        ]
        for datagram in bad {
            datagram.withUnsafeBytes { _ = clientPump.enqueue(RawSpan(_unsafeBytes: $0), to: .sdpMulticast) }
        }
        let udp: [UInt8] = [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x10]
        udp.withUnsafeBytes { _ = clientPump.enqueue(RawSpan(_unsafeBytes: $0), to: .sdpMulticast) }
        run(from: 0, to: 3)
        #expect(server.counters.malformed == bad.count)
        #expect(server.counters.unsupportedTransport == 1)
        #expect(server.counters.answered == 0)
        // A TLS request gets the plain TCP server (all there is), and the counter says so.
        let tls: [UInt8] = [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 2, 0x00, 0x00]
        tls.withUnsafeBytes { _ = clientPump.enqueue(RawSpan(_unsafeBytes: $0), to: .sdpMulticast) }
        run(from: 3, to: 6)
        #expect(server.counters.answered == 1 && server.counters.securityFallbacks == 1)
    }

    @Test("the client ignores malformed and TLS answers, and duplicates once it has found the SECC")
    func clientIgnores() throws {
        client.start()
        server.isAnswering = false
        run(from: 0, to: 2)
        let evSocket = clientPump.socket.localEndpoint
        let sender = try evse.openDatagramSocket(port: 15119, joinAllNodes: false)
        let tls = SDPResponse(address: evse.address, port: 50000, security: .tls)
        var bytes = [UInt8](repeating: 0, count: 28)
        bytes.withUnsafeMutableBytes { var out = MutableRawSpan(_unsafeBytes: $0); _ = try? tls.encode(into: &out) }
        let target = IPEndpoint(ev.address, port: evSocket.port)
        _ = try bytes.withUnsafeBytes { try sender.send(RawSpan(_unsafeBytes: $0), to: target) }
        _ = try [UInt8](repeating: 1, count: 28).withUnsafeBytes { try sender.send(RawSpan(_unsafeBytes: $0), to: target) }
        run(from: 2, to: 4)
        #expect(client.ignoredResponses == 2)
        #expect(client.secc == nil)
        server.isAnswering = true
        run(from: 250, to: 253)
        #expect(client.secc?.port == tcpPort)
        // A late duplicate answer changes nothing.
        let late = SDPResponse(address: evse.address, port: 50001)
        bytes.withUnsafeMutableBytes { var out = MutableRawSpan(_unsafeBytes: $0); _ = try? late.encode(into: &out) }
        _ = try bytes.withUnsafeBytes { try sender.send(RawSpan(_unsafeBytes: $0), to: target) }
        run(from: 253, to: 256)
        #expect(client.secc?.port == tcpPort)
        #expect(client.ignoredResponses == 3)
    }

    @Test("answering requests allocates nothing: 5000 discovery cycles")
    func noAllocation() throws {
        client.start()
        run(from: 0, to: 3)
        var found = 0
        let mallocs = MallocCounter.count {
            var ms: Int64 = 10
            for _ in 0..<5000 {
                client.start()
                step(ms); step(ms + 1); step(ms + 2)
                if client.secc != nil { found &+= 1 }
                ms += 3
            }
        }
        #expect(mallocs == 0)
        #expect(found == 5000)
        #expect(server.counters.answered == 5001)
    }
}
