import Buffers
import Glibc
import HAL
import SystemPackage
import Testing
import TestSupport

/// The IP sockets for real: a veth pair between two network namespaces made for each test, each end
/// with exactly one link-local address (the modified EUI-64 of its MAC, added `nodad` after turning
/// the kernel's own address generation off, so no test waits for duplicate address detection).
/// Sockets are made inside their namespace; waits are on their descriptors, bounded.
@Suite("IP sockets over a veth pair in network namespaces: SDP multicast, TCP sessions, resets, refusals",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct IPVethTests {
    /// A veth pair whose ends carry one ready link-local address each, and an interface on each end.
    struct Wire {
        let pair: VethPair
        let a: LinuxIPInterface
        let b: LinuxIPInterface
        let addressA: IPv6Address
        let addressB: IPv6Address

        init() throws {
            pair = try VethPair()
            do {
                let ip = try #require(Subprocess.which("ip"))
                for end in [pair.a, pair.b] {
                    let address = IPv6Address.linkLocal(mac: end.mac)
                    try Subprocess.check([ip, "-n", end.namespace, "link", "set", "dev", end.interface, "addrgenmode", "none"])
                    try Subprocess.check([ip, "-n", end.namespace, "-6", "addr", "flush", "dev", end.interface, "scope", "link"])
                    try Subprocess.check([ip, "-n", end.namespace, "-6", "addr", "add", "\(address)/64", "dev", end.interface, "nodad"])
                }
                let pair = pair
                a = try pair.run(in: pair.a) { try LinuxIPInterface(name: pair.a.interface) }
                b = try pair.run(in: pair.b) { try LinuxIPInterface(name: pair.b.interface) }
                addressA = IPv6Address.linkLocal(mac: pair.a.mac)
                addressB = IPv6Address.linkLocal(mac: pair.b.mac)
                // The veth carries nothing until the link-watch worker has marked the carrier.
                try #require(Readiness.eventually {
                    let out = (try? Subprocess.check([ip, "-n", pair.a.namespace, "link", "show", pair.a.interface])) ?? ""
                    return out.contains("LOWER_UP")
                }, "carrier never came up")
            } catch {
                pair.remove()
                throw error
            }
        }

        func inA<R>(_ body: () throws -> R) throws -> R { try pair.run(in: pair.a, body) }
        func inB<R>(_ body: () throws -> R) throws -> R { try pair.run(in: pair.b, body) }

        /// A listener on b (ephemeral port) and a connection from a that completed, and its accepted end.
        func session() throws -> (client: any StreamConnection, server: any StreamConnection, listener: any StreamListener) {
            let b = b, a = a
            let listener = try inB { try b.listen(port: 0, backlog: 3) }
            let port = listener.localEndpoint.port
            let client = try inA { try a.connect(to: IPEndpoint(addressB, port: port)) }
            if client.state == .connecting {
                #expect(client.wantsWritable)
                try #require(Readiness.writable(client.pollDescriptor!))
            }
            #expect(client.updateState() == .open)
            #expect(!client.wantsWritable)
            try #require(Readiness.readable(listener.pollDescriptor!))
            let server = try #require(try listener.accept())
            #expect(server.state == .open)
            return (client, server, listener)
        }
    }

    @Test("the interface's index and its link-local address, scoped by the index")
    func interfaceLookup() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let a = wire.a
        #expect(a.index > 0)
        let address = try wire.inA { try a.linkLocalAddress() }
        #expect(address == wire.addressA.scoped(a.index))
        let absent = #expect(throws: SocketError.self) { _ = try wire.inA { try LinuxIPInterface(name: wire.pair.b.interface) } }
        #expect(absent?.kind == .absent, "b's interface is in the other namespace")
    }

    @Test("an SDP request to ff02::1:15118 reaches the SECC's joined socket with the EV's scoped address; the unicast answer comes back")
    func sdpMulticastAndAnswer() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let a = wire.a, b = wire.b
        let secc = try wire.inB { try b.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true) }
        let ev = try wire.inA { try a.openDatagramSocket(port: 0, joinAllNodes: false) }
        #expect(secc.localEndpoint == IPEndpoint(.unspecified, port: 15118))
        #expect(ev.localEndpoint.port != 0)
        #expect(try ev.send(sdpRequest, to: .sdpMulticast), "ff02::1 without a scope leaves through the socket's interface")
        try #require(Readiness.readable(secc.pollDescriptor!))
        let (request, from) = try #require(try secc.receiveDatagram())
        #expect(request == sdpRequest)
        #expect(from == IPEndpoint(wire.addressA.scoped(b.index), port: ev.localEndpoint.port))
        let answer: [UInt8] = [0x01, 0xFE, 0x90, 0x01, 0, 0, 0, 20] + [UInt8](repeating: 0xAB, count: 20)
        #expect(try secc.send(answer, to: from))
        try #require(Readiness.readable(ev.pollDescriptor!))
        let (received, answerFrom) = try #require(try ev.receiveDatagram())
        #expect(received == answer)
        #expect(answerFrom == IPEndpoint(wire.addressB.scoped(a.index), port: 15118))
        #expect(try ev.receiveDatagram() == nil)
    }

    @Test("the SDP port is held per interface: a second socket on it is .open(EADDRINUSE), kind .busy")
    func sdpPortInUse() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let b = wire.b
        let first = try wire.inB { try b.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true) }
        let error = #expect(throws: SocketError.self) { _ = try wire.inB { try b.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true) } }
        #expect(error == .open(wire.pair.b.interface, IPEndpoint(.unspecified, port: 15118), errno: .addressInUse))
        #expect(error?.kind == .busy)
        first.close()
        #expect(first.pollDescriptor == nil)
    }

    @Test("TCP on link-local addresses: listen (ephemeral port), non-blocking connect, accept with TCP_NODELAY, bytes both ways")
    func tcpBothWays() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let (client, server, listener) = try wire.session()
        #expect(listener.localEndpoint.address == wire.addressB.scoped(wire.b.index))
        #expect(server.remoteEndpoint == IPEndpoint(wire.addressA.scoped(wire.b.index), port: client.localEndpoint.port))
        #expect(client.localEndpoint.address.unscoped == wire.addressA)
        for fd in [client.pollDescriptor!, server.pollDescriptor!] {
            var on: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            #expect(getsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, &len) == 0)
            #expect(on == 1, "TCP_NODELAY")
        }
        let request = patternBytes(count: 3000)
        #expect(try client.send(request) == request.count)
        var got: [UInt8] = []
        while got.count < request.count, Readiness.readable(server.pollDescriptor!) {
            got += try server.receiveBytes()
        }
        #expect(got == request)
        #expect(try server.send([1, 2, 3, 4]) == 4)
        try #require(Readiness.readable(client.pollDescriptor!))
        #expect(try client.receiveBytes() == [1, 2, 3, 4])
        #expect(try client.receiveBytes() == [], "nothing else waiting")
        #expect(client.state == .open)
    }

    @Test("an orderly end: FIN after the bytes; the reader sees them, then .closedByPeer")
    func orderlyClose() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let (client, server, _) = try wire.session()
        #expect(try server.send([7, 7, 7]) == 3)
        try server.shutdownOutput()
        var got: [UInt8] = []
        while client.state == .open, Readiness.readable(client.pollDescriptor!) {
            got += try client.receiveBytes()
        }
        #expect(got == [7, 7, 7])
        #expect(client.state == .closedByPeer)
    }

    @Test("the peer's abortive close (SO_LINGER 0) is seen as .reset once (kind .disconnected); later sends throw .reset")
    func peerReset() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let (client, server, _) = try wire.session()
        server.abort()
        #expect(server.state == .closed)
        #expect(server.pollDescriptor == nil)
        try #require(Readiness.readable(client.pollDescriptor!))
        let error = #expect(throws: SocketError.self) { _ = try client.receiveBytes() }
        #expect(error == .reset(wire.pair.a.interface, client.remoteEndpoint))
        #expect(error?.kind == .disconnected)
        #expect(client.state == .reset)
        #expect(try client.receiveBytes() == [])
        #expect(throws: SocketError.reset(wire.pair.a.interface, client.remoteEndpoint)) { _ = try client.send([1]) }
    }

    @Test("a connect to a port nobody listens on: refused (at once or after the handshake), kind .disconnected, no descriptor left")
    func refusedConnect() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let a = wire.a
        let remote = IPEndpoint(wire.addressB, port: 61341)
        let error: SocketError
        do {
            let client = try wire.inA { try a.connect(to: remote) }
            if client.state == .connecting { try #require(Readiness.writable(client.pollDescriptor!)) }
            guard case .failed(let e) = client.updateState() else { Issue.record("state \(client.state)"); return }
            #expect(!client.wantsWritable)
            error = e
        } catch let e as SocketError {
            error = e
        }
        guard case .connect(let interface, _, let errno) = error else { Issue.record("\(error)"); return }
        #expect(interface == wire.pair.a.interface)
        #expect(errno == .connectionRefused)
        #expect(error.kind == .disconnected)
    }

    @Test("a send buffer that fills up: a short send, wantsWritable until POLLOUT, then the rest goes; the peer gets every byte")
    func writeReadiness() throws {
        let wire = try Wire()
        defer { wire.pair.remove() }
        let (client, server, _) = try wire.session()
        let chunk = patternBytes(count: 65536)
        var sent = 0
        var blocked = false
        for _ in 0..<2000 {
            let n = try client.send(chunk)
            sent += n
            if n < chunk.count { blocked = true; break }
        }
        try #require(blocked, "the send buffer never filled")
        #expect(client.wantsWritable)
        var received = 0
        while received < sent, Readiness.readable(server.pollDescriptor!, within: .seconds(2)) {
            received += try server.receiveBytes(max: 1 << 20).count
            if received >= sent / 2 { break }
        }
        #expect(Readiness.writable(client.pollDescriptor!), "POLLOUT once the peer drained")
        let more = try client.send([1, 2, 3])
        #expect(more == 3)
        #expect(!client.wantsWritable)
        sent += more
        while received < sent, Readiness.readable(server.pollDescriptor!, within: .seconds(2)) {
            received += try server.receiveBytes(max: 1 << 20).count
        }
        #expect(received == sent)
    }
}
