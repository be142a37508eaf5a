import Buffers
import ControlLoop
import Drivers
import Glibc
import HAL
import MallocCounting
import Runtime
import Testing

/// A simulated TCP connection with a (fake) descriptor, level-triggered like a socket: readable while
/// bytes wait in its receive buffer, writable while the peer's receive buffer has room (its window
/// is open) and the twin is not stalled.
final class PolledStreamConnection: StreamConnection {
    let twin: SimulatedStreamConnection
    let descriptor: Int32
    let peerHasRoom: () -> Bool

    init(_ twin: SimulatedStreamConnection, descriptor: Int32, peerHasRoom: @escaping () -> Bool) {
        self.twin = twin
        self.descriptor = descriptor
        self.peerHasRoom = peerHasRoom
    }

    var revents: Int16 {
        var e: Int16 = 0
        if twin.backend.bufferedBytes > 0 { e |= pollReadable }
        if !twin.backend.stalled, peerHasRoom() { e |= pollWritable }
        return e
    }

    var interface: String { twin.interface }
    var localEndpoint: IPEndpoint { twin.localEndpoint }
    var remoteEndpoint: IPEndpoint { twin.remoteEndpoint }
    var pollDescriptor: Int32? { twin.state.isFinished ? nil : descriptor }
    var state: StreamState { twin.state }
    var wantsWritable: Bool { twin.wantsWritable }
    func updateState() -> StreamState { twin.updateState() }
    func receive(into buffer: inout MutableRawSpan) throws(SocketError) -> Int { try twin.receive(into: &buffer) }
    func send(_ bytes: RawSpan) throws(SocketError) -> Int { try twin.send(bytes) }
    func shutdownOutput() throws(SocketError) { try twin.shutdownOutput() }
    func abort() { twin.abort() }
    func close() { twin.close() }
}

/// Counts what the loop did with a source between ticks: how often `service` ran for POLLOUT, and
/// whether it was asked for POLLOUT at all.
final class WritableProbe: IOSource {
    let inner: StreamPump
    var writableServices = 0
    var serviceCalls = 0
    init(_ inner: StreamPump) { self.inner = inner }
    var name: String { inner.name }
    var pollDescriptor: Int32? { inner.pollDescriptor }
    var wantsWritable: Bool { inner.wantsWritable }
    func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        serviceCalls &+= 1
        if events.contains(.writable) { writableServices &+= 1 }
        return inner.service(now, events: events)
    }
    func pump(_ context: TickContext) { inner.pump(context) }
}

/// Issue 14 §1: a source with output pending waits for write readiness. The loop asks ppoll for POLLOUT
/// only while the source says output waits, services it as soon as the peer's window opens (between
/// ticks, not at the next one), and none of it allocates.
@Suite("Loop write readiness: POLLOUT for a stalled TCP send, serviced when the window opens")
struct WriteReadinessTests {
    let network = SimulatedIPNetwork(streamBufferCapacity: 512)

    func connectedPair(descriptor: Int32) throws -> (session: StreamPump, car: StreamPump, polled: PolledStreamConnection) {
        let evse = network.attach("eth1", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0A))
        let ev = network.attach("ev0", mac: MACAddress(0x02, 0, 0, 0, 0, 0x0B))
        let listener = try evse.listenSimulated(port: 61341, backlog: 1)
        let carConnection = try ev.connectSimulated(to: IPEndpoint(evse.address, port: 61341))
        let car = StreamPump(name: "ev", connection: carConnection, receiveCapacity: 4096, transmitCapacity: 4096)
        car.pump(TickContext(now: .zero, index: 0, period: .milliseconds(1)))
        let accepted = try #require(try listener.acceptSimulated())
        let capacity = network.streamBufferCapacity
        let polled = PolledStreamConnection(accepted, descriptor: descriptor) { carConnection.backend.bufferedBytes < capacity }
        let session = StreamPump(name: "v2g", connection: polled, receiveCapacity: 4096, transmitCapacity: 4096)
        return (session, car, polled)
    }

    @Test("stalled, then drained: POLLOUT asked only while bytes wait, the rest leaves on the writable wake-up")
    func stalledThenDrained() throws {
        let (session, car, polled) = try connectedPair(descriptor: 2001)
        let clock = ManualClock()
        let waiter = LevelWaiter(clock: clock)
        var asked: [Int16] = []
        waiter.events = { fd in fd == 2001 ? polled.revents : 0 }
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: RecordingWaiter(waiter) { asked.append($0) })
        let probe = WritableProbe(session)
        loop.addSource(probe)

        loop.run(ticks: 2)
        #expect(!asked.isEmpty && asked.allSatisfy { $0 == pollReadable }, "nothing pending: POLLIN only")

        // The car reads nothing: 512 bytes fill its buffer (its window closes), 488 wait in our queue.
        [UInt8](repeating: 0x5A, count: 1000).withUnsafeBytes { _ = session.transmit.push(RawSpan(_unsafeBytes: $0)) }
        loop.run(ticks: 1)
        #expect(session.transmit.count == 488)
        #expect(session.wantsWritable)
        asked.removeAll()
        loop.run(ticks: 3)
        #expect(asked.contains(pollReadable | pollWritable), "POLLOUT asked while bytes wait")
        #expect(probe.writableServices == 0, "no writable wake-up while the window is closed")

        // The car drains its buffer, the window opens: the next wait reports POLLOUT and the loop
        // sends before the next tick's pump.
        car.pump(TickContext(now: clock.now(), index: 0, period: .milliseconds(1)))
        #expect(car.received.count == 512)
        let ticksBefore = loop.tickIndex
        loop.runCycle()
        #expect(probe.writableServices >= 1)
        #expect(session.transmit.isEmpty)
        #expect(!session.wantsWritable)
        #expect(loop.tickIndex == ticksBefore + 1)
        asked.removeAll()
        loop.run(ticks: 2)
        #expect(asked.allSatisfy { $0 == pollReadable }, "nothing pending again: POLLIN only")
        #expect(loop.statistics.report.idleWakeups == 0)
    }

    @Test("a stalled then drained stream through the loop allocates nothing per tick")
    func noAllocation() throws {
        let (session, car, polled) = try connectedPair(descriptor: 2002)
        let clock = ManualClock()
        let waiter = LevelWaiter(clock: clock)
        waiter.events = { fd in fd == 2002 ? polled.revents : 0 }
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: waiter)
        loop.addSource(session)
        loop.run(ticks: 5)
        let block = [UInt8](repeating: 0xA5, count: 300)
        let context = TickContext(now: .zero, index: 0, period: .milliseconds(1))
        var stalls = 0
        var delivered = 0
        var queued = 0
        let mallocs = MallocCounter.count {
            for _ in 0..<2000 {
                // Two blocks: 600 bytes against a 512-byte window, so the send stalls and POLLOUT is asked.
                // (the car reads 512 bytes per cycle at most, so the queue fills up and stays full)
                block.withUnsafeBytes { queued &+= session.transmit.push(RawSpan(_unsafeBytes: $0)) }
                block.withUnsafeBytes { queued &+= session.transmit.push(RawSpan(_unsafeBytes: $0)) }
                loop.runCycle()
                if session.wantsWritable { stalls &+= 1 }
                car.pump(context)
                delivered &+= car.received.count
                car.received.removeAll()
                loop.runCycle()
            }
        }
        #expect(mallocs == 0)
        #expect(stalls > 1000, "the window closed in most cycles (\(stalls))")
        var n = 0
        while n < 20 {
            car.pump(context)
            delivered += car.received.count
            car.received.removeAll()
            loop.runCycle()
            n += 1
        }
        #expect(session.transmit.isEmpty)
        #expect(queued > 2000 * 400 && delivered == queued, "every byte queued reached the car")
        #expect(session.state == .open)
    }
}

/// Passes every wait to `inner`, first telling `record` which events were asked for the descriptor.
final class RecordingWaiter: TickWaiter {
    let inner: any TickWaiter
    let record: (Int16) -> Void
    init(_ inner: any TickWaiter, record: @escaping (Int16) -> Void) {
        self.inner = inner
        self.record = record
    }
    func wait(_ descriptors: UnsafeMutableBufferPointer<pollfd>, until deadline: MonotonicInstant) -> Int {
        var i = 0
        while i < descriptors.count {
            record(descriptors[i].events)
            i += 1
        }
        return inner.wait(descriptors, until: deadline)
    }
}
