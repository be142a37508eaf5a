import Buffers
import HAL
import SystemPackage
import Testing

/// The IP twins on a `SimulatedIPNetwork`: SDP-like multicast and unicast, a TCP session, and every
/// fault the network and a connection can play.
@Suite("IP twins: datagrams, TCP sessions and their faults on a SimulatedIPNetwork")
struct IPTwinTests {
    let network = SimulatedIPNetwork(streamBufferCapacity: 1024)
    let evse: SimulatedIPInterface
    let ev: SimulatedIPInterface

    init() {
        evse = network.attach("eth1", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0A))
        ev = network.attach("ev0", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0B))
    }

    /// A connected pair: (EV's client end, SECC's accepted end).
    func session(port: UInt16 = 61341) throws -> (SimulatedStreamConnection, SimulatedStreamConnection) {
        let listener = try evse.listenSimulated(port: port, backlog: 3)
        let client = try ev.connectSimulated(to: IPEndpoint(evse.address.unscoped, port: port))
        #expect(client.state == .connecting)
        #expect(client.wantsWritable, "a connect in progress waits for writability")
        #expect(client.updateState() == .open)
        #expect(!client.wantsWritable)
        let server = try #require(try listener.acceptSimulated())
        #expect(try listener.accept() == nil)
        return (client, server)
    }

    @Test("each node's link-local address derives from its MAC, scoped by its index")
    func addresses() throws {
        #expect(try evse.linkLocalAddress() == IPv6Address.linkLocal(mac: evse.mac, scopeID: evse.index))
        #expect(evse.index != ev.index)
    }

    @Test("an SDP request to ff02::1 reaches the socket that joined it on the other node; the answer comes back by unicast")
    func sdpExchange() throws {
        let server = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let notJoined = try ev.openDatagramSocket(port: 0, joinAllNodes: false)
        let client = try ev.openDatagramSocket(port: 0, joinAllNodes: false)
        #expect(client.localEndpoint.port >= 49152)
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        let (request, from) = try #require(try server.receiveDatagram())
        #expect(request == sdpRequest)
        #expect(from == IPEndpoint(ev.address.scoped(evse.index), port: client.localEndpoint.port))
        #expect(try server.send([0x01, 0xFE, 0x90, 0x01], to: from))
        let (answer, answerFrom) = try #require(try client.receiveDatagram())
        #expect(answer == [0x01, 0xFE, 0x90, 0x01])
        #expect(answerFrom == IPEndpoint(evse.address.scoped(ev.index), port: 15118))
        #expect(try notJoined.receiveDatagram() == nil, "a unicast answer reaches only its port")
    }

    @Test("a server that did not join ff02::1 hears no SDP request")
    func multicastNeedsJoin() throws {
        let server = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: false)
        let client = try ev.openDatagramSocket(port: 0, joinAllNodes: false)
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        #expect(try server.receiveDatagram() == nil)
    }

    @Test("datagram loss: the next n are lost and counted, then they flow again")
    func datagramLoss() throws {
        let server = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let client = try ev.openDatagramSocket(port: 0, joinAllNodes: false)
        network.dropNextDatagrams = 2
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        #expect(try server.receiveDatagram() == nil)
        #expect(network.lostDatagrams == 2)
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        #expect(try server.receiveDatagram()?.0 == sdpRequest)
    }

    @Test("datagram faults: a full queue is false; EIO once is .io; too long for the buffer is dropped and reported; link down is .linkDown")
    func datagramFaults() throws {
        let server = try evse.openSimulatedDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let client = try ev.openSimulatedDatagramSocket(port: 0, joinAllNodes: false)
        client.backend.failNextSend = .noBufferSpace
        #expect(try client.send(sdpRequest, to: .sdpMulticast) == false)
        client.backend.failNextSend = .ioError
        #expect(#expect(throws: SocketError.self) { _ = try client.send(sdpRequest, to: .sdpMulticast) }?.kind == .io)
        #expect(try client.send(sdpRequest, to: .sdpMulticast))
        #expect(throws: SocketError.datagramTooLong("eth1", length: 10)) { _ = try server.receiveDatagram(capacity: 8) }
        ev.linkUp = false
        let down = #expect(throws: SocketError.self) { _ = try client.send(sdpRequest, to: .sdpMulticast) }
        #expect(down?.kind == .linkDown)
        #expect(down?.description == "cannot send to [ff02::1]:15118 on ev0: Network is down — the interface is down")
    }

    @Test("a port held on the interface: .open(EADDRINUSE), kind .busy; another interface may use it")
    func addressInUse() throws {
        let first = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let error = #expect(throws: SocketError.self) { _ = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true) }
        #expect(error == .open("eth1", IPEndpoint(.unspecified, port: 15118), errno: .addressInUse))
        #expect(error?.kind == .busy)
        #expect(error?.description == "cannot open a socket at [::]:15118 on eth1: Address already in use — another socket holds this port on the interface")
        _ = try ev.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        first.close()
        _ = try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true)
        let listener = try evse.listen(port: 61341, backlog: 1)
        #expect(#expect(throws: SocketError.self) { _ = try evse.listen(port: 61341, backlog: 1) }?.kind == .busy)
        withExtendedLifetime(listener) {}
    }

    @Test("no usable link-local address yet (DAD): listening fails with EADDRNOTAVAIL, kind .linkDown, with the hint")
    func addressNotReady() throws {
        evse.addressReady = false
        let error = #expect(throws: SocketError.self) { _ = try evse.listen(port: 61341, backlog: 3) }
        #expect(error == .interface("eth1", errno: .addressNotAvailable))
        #expect(error?.kind == .linkDown)
        #expect(error?.description.contains("duplicate address detection") == true)
        evse.addressReady = true
        _ = try evse.listen(port: 61341, backlog: 3)
    }

    @Test("a TCP session: bytes both ways in order; the endpoints name each other")
    func sessionBothWays() throws {
        let (client, server) = try session()
        #expect(server.remoteEndpoint == IPEndpoint(ev.address.scoped(evse.index), port: client.localEndpoint.port))
        #expect(server.localEndpoint.port == 61341)
        let request = patternBytes(count: 300)
        #expect(try client.send(request) == 300)
        #expect(try server.receiveBytes() == request)
        #expect(try server.send([1, 2, 3]) == 3)
        #expect(try client.receiveBytes() == [1, 2, 3])
        #expect(try client.receiveBytes() == [], "nothing else waiting")
        #expect(client.state == .open)
    }

    @Test("short writes: a send takes at most maxBytesPerSend, and says so; the rest goes in later sends")
    func shortWrites() throws {
        let (client, server) = try session()
        client.backend.maxBytesPerSend = 7
        let message = patternBytes(count: 20)
        #expect(try client.send(message) == 7)
        #expect(client.wantsWritable)
        #expect(try client.send(Array(message[7...])) == 7)
        #expect(try client.send(Array(message[14...])) == 6)
        #expect(!client.wantsWritable)
        #expect(try server.receiveBytes() == message)
    }

    @Test("a stall (closed window) takes nothing and wants writability; a full peer buffer makes a short write; both clear")
    func stalls() throws {
        let (client, server) = try session()
        client.backend.stalled = true
        #expect(try client.send([1, 2, 3]) == 0)
        #expect(client.wantsWritable)
        client.backend.stalled = false
        #expect(try client.send(patternBytes(count: 1500)) == 1024, "the peer's 1024-byte buffer")
        #expect(client.wantsWritable)
        #expect(try server.receiveBytes().count == 1024)
        #expect(try client.send(patternBytes(count: 476)) == 476)
        #expect(!client.wantsWritable)
    }

    @Test("a reset: thrown once as .reset (kind .disconnected) on each end, buffered bytes gone, state .reset; sends throw .reset")
    func reset() throws {
        let (client, server) = try session()
        #expect(try server.send([9, 9]) == 2)
        client.backend.reset()
        let error = #expect(throws: SocketError.self) { _ = try client.receiveBytes() }
        #expect(error == .reset("ev0", client.remoteEndpoint))
        #expect(error?.kind == .disconnected)
        #expect(client.state == .reset)
        #expect(try client.receiveBytes() == [], "after the reset: nothing more, no second throw")
        #expect(throws: SocketError.reset("ev0", client.remoteEndpoint)) { _ = try client.send([1]) }
        #expect(throws: SocketError.reset("eth1", server.remoteEndpoint)) { _ = try server.send([1]) }
        #expect(server.state == .reset)
    }

    @Test("abort resets the peer; an orderly close is .closedByPeer once the peer has read everything")
    func abortAndClose() throws {
        let (c1, s1) = try session(port: 61341)
        s1.abort()
        #expect(s1.state == .closed)
        #expect(#expect(throws: SocketError.self) { _ = try c1.receiveBytes() } == .reset("ev0", c1.remoteEndpoint))
        #expect(throws: SocketError.closed("eth1", s1.remoteEndpoint)) { _ = try s1.send([1]) }

        let (c2, s2) = try session(port: 61342)
        #expect(try s2.send([5, 6]) == 2)
        try s2.shutdownOutput()
        #expect(try c2.receiveBytes() == [5, 6])
        #expect(c2.state == .open, "FIN comes after the bytes")
        #expect(try c2.receiveBytes() == [])
        #expect(c2.state == .closedByPeer)
        #expect(try c2.send([7]) == 1, "half-closed: our side still sends")
        #expect(try s2.receiveBytes() == [7])
        s2.close()
        #expect(throws: SocketError.reset("ev0", c2.remoteEndpoint)) { _ = try c2.send([8]) }
    }

    @Test("a refused connect (nobody listening, or refuseConnections): .failed(.connect(ECONNREFUSED)), kind .disconnected")
    func refusedConnect() throws {
        let nobody = try ev.connectSimulated(to: IPEndpoint(evse.address.unscoped, port: 61341))
        guard case .failed(let error) = nobody.updateState() else { Issue.record("not failed: \(nobody.state)"); return }
        #expect(error == .connect("ev0", IPEndpoint(evse.address.unscoped.scoped(ev.index), port: 61341), errno: .connectionRefused))
        #expect(error.kind == .disconnected)
        #expect(error.description.hasSuffix("Connection refused — nothing listens there"))
        #expect(!nobody.wantsWritable)
        #expect(throws: error) { _ = try nobody.send([1]) }

        _ = try evse.listen(port: 61341, backlog: 3)
        network.refuseConnections = true
        let refused = try ev.connectSimulated(to: IPEndpoint(evse.address.unscoped, port: 61341))
        #expect(refused.updateState() == .failed(error))
    }

    @Test("an unanswered connect stays .connecting (wanting writability) until it times out: ETIMEDOUT, kind .timeout")
    func unansweredConnect() throws {
        _ = try evse.listen(port: 61341, backlog: 3)
        network.unansweredConnects = true
        let client = try ev.connectSimulated(to: IPEndpoint(evse.address.unscoped, port: 61341))
        #expect(client.updateState() == .connecting)
        #expect(try client.send([1]) == 0)
        #expect(client.wantsWritable)
        client.backend.timeOut()
        guard case .failed(let error) = client.updateState() else { Issue.record("not failed"); return }
        #expect(error.kind == .timeout)
    }

    @Test("closing a listener resets the connections nobody accepted")
    func listenerClose() throws {
        let listener = try evse.listen(port: 61341, backlog: 3)
        let client = try ev.connect(to: IPEndpoint(evse.address.unscoped, port: 61341))
        #expect(client.updateState() == .open)
        listener.close()
        #expect(#expect(throws: SocketError.self) { _ = try client.receiveBytes() }?.kind == .disconnected)
        #expect(throws: SocketError.closed("eth1", listener.localEndpoint)) { _ = try listener.accept() }
    }
}
