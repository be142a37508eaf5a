import Buffers
import ControlLoop
import Drivers
import HAL
import MallocCounting
import Testing

/// The IP pumps over the twins: an SDP-like exchange through `DatagramPump`s, a session accepted by a
/// `StreamServerPump` into a `StreamPump`, write readiness, a reset, and no allocation per tick.
@Suite("IP pumps: datagrams and a TCP session between queues, write readiness, resets")
struct IPPumpTests {
    let network = SimulatedIPNetwork(streamBufferCapacity: 512)
    let evse: SimulatedIPInterface
    let ev: SimulatedIPInterface
    var tick = TickContext(now: .zero, index: 0, period: .milliseconds(1))

    init() {
        evse = network.attach("eth1", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0A))
        ev = network.attach("ev0", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0B))
    }

    static func push(_ bytes: [UInt8], into queue: ByteQueue) { bytes.withUnsafeBytes { _ = queue.push(RawSpan(_unsafeBytes: $0)) } }
    static func take(_ queue: ByteQueue) -> [UInt8] { var out: [UInt8] = []; while let b = queue.pop() { out.append(b) }; return out }

    @Test("SDP through DatagramPumps: the request reaches the server's queue with its sender, the answer comes back")
    func datagrams() throws {
        let server = DatagramPump(name: "sdp", socket: try evse.openDatagramSocket(port: IPEndpoint.sdpPort, joinAllNodes: true))
        let client = DatagramPump(name: "sdp-ev", socket: try ev.openDatagramSocket(port: 0, joinAllNodes: false))
        let request: [UInt8] = [0x01, 0xFE, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x00]
        #expect(request.withUnsafeBytes { client.enqueue(RawSpan(_unsafeBytes: $0), to: .sdpMulticast) })
        client.pump(tick)
        server.pump(tick)
        let buffer = FrameBuffer(capacity: 1452)
        let from = try #require(server.next(into: buffer))
        #expect(Array(buffer.unsafeBytes) == request)
        #expect(from.port == client.socket.localEndpoint.port)
        #expect([UInt8](repeating: 7, count: 28).withUnsafeBytes { server.enqueue(RawSpan(_unsafeBytes: $0), to: from) })
        server.pump(tick)
        client.pump(tick)
        #expect(client.next(into: buffer)?.port == 15118)
        #expect(buffer.count == 28)
        #expect(!server.wantsWritable && !client.wantsWritable)
    }

    @Test("a session: accepted into the pump, bytes both ways through the queues; a full peer makes wantsWritable until it drains; a reset ends it")
    func session() throws {
        let session = StreamPump(name: "v2g", receiveCapacity: 2048, transmitCapacity: 2048)
        let server = StreamServerPump(name: "v2g-listen", listener: try evse.listen(port: 61341, backlog: 3), session: session)
        let car = StreamPump(name: "ev", connection: try ev.connect(to: IPEndpoint(evse.address, port: 61341)))
        #expect(car.state == .connecting)
        #expect(car.wantsWritable, "POLLOUT while the connect runs")
        car.pump(tick)
        #expect(car.state == .open)
        #expect(!car.wantsWritable)
        server.pump(tick)
        #expect(server.accepted == 1)
        #expect(session.state == .open)

        Self.push([1, 2, 3], into: car.transmit)
        car.pump(tick)
        session.pump(tick)
        #expect(Self.take(session.received) == [1, 2, 3])

        Self.push(patternBytes(1000), into: session.transmit)   // the car's buffer holds 512
        session.pump(tick)
        #expect(session.wantsWritable, "bytes wait for the socket: POLLOUT wanted")
        #expect(session.transmit.count == 488)
        car.pump(tick)
        #expect(car.received.count == 512)
        session.service(.zero)                                   // what the loop calls on POLLOUT
        #expect(session.transmit.isEmpty)
        #expect(!session.wantsWritable)

        car.abort()
        session.pump(tick)
        #expect(session.state == .reset)
        #expect(session.lastError?.kind == .disconnected)
        #expect(session.pollDescriptor == nil)
    }

    @Test("a refused connect shows as .failed in the pump's state, with the error")
    func refused() throws {
        let car = StreamPump(name: "ev", connection: try ev.connect(to: IPEndpoint(evse.address, port: 61341)))
        car.pump(tick)
        guard case .failed(let e) = car.state else { Issue.record("\(car.state)"); return }
        #expect(car.lastError == e)
        #expect(!car.wantsWritable)
    }

    @Test("a session pumped both ways allocates nothing per tick")
    func noAllocation() throws {
        let session = StreamPump(name: "v2g")
        let server = StreamServerPump(name: "v2g-listen", listener: try evse.listen(port: 61341, backlog: 3), session: session)
        let car = StreamPump(name: "ev", connection: try ev.connect(to: IPEndpoint(evse.address, port: 61341)))
        car.pump(tick)
        server.pump(tick)
        let message = patternBytes(100)
        let tick = tick
        let mallocs = MallocCounter.count {
            for _ in 0..<1000 {
                message.withUnsafeBytes { _ = car.transmit.push(RawSpan(_unsafeBytes: $0)) }
                car.pump(tick)
                session.pump(tick)
                session.received.removeAll()
                server.pump(tick)
            }
        }
        #expect(mallocs == 0)
        #expect(session.state == .open)
    }

    func patternBytes(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
}
