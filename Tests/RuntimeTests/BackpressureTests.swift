import Drivers
import Buffers
import Glibc
import HAL
import Boards
import ControlLoop
import Runtime
import Testing

// Issue 21: the loop must not spin. Every wake-up moves data, or the source whose descriptor woke it
// stops asking for readiness until it can make progress (a full queue, a hang-up, a socket error).
// Each test reproduces one case that spun before the fix and counts wake-ups against data events.

private func levelLoop(spinLimit: Int = 10_000) -> (TickLoop, ManualClock, LevelWaiter) {
    let clock = ManualClock()
    let waiter = LevelWaiter(clock: clock, spinLimit: spinLimit)
    return (TickLoop(period: .milliseconds(1), clock: clock, waiter: waiter), clock, waiter)
}

@Suite struct FullQueueDoesNotSpin {
    /// The `chargerd --board sim` case: a helper streams status bytes, nothing consumes them, the
    /// 64-byte receive queue fills after 6 ticks and bytes keep coming.
    @Test func serialPumpWithAFullQueueAndBytesStillArriving() {
        let (loop, _, waiter) = levelLoop()
        let port = PolledSerialTwin(SimulatedSerialPort(path: "/dev/serial0"), descriptor: 1001)
        let pump = SerialPump(name: "cp-helper", port: port, receiveCapacity: 64)
        var sent = 0
        let status = Array(#"{"type":"status"}"#.utf8)
        let peer = Peer { _ in
            // 12 bytes per tick, one write each: one data event per tick.
            var i = 0
            while i < 12 {
                if port.backend.toHost.push(status[(sent + i) % status.count]) { }
                i += 1
            }
            sent += 12
        }
        waiter.events = { fd in fd == 1001 ? port.revents : 0 }
        loop.addController(peer)
        loop.addSource(pump)
        loop.run(ticks: 200)
        let report = loop.statistics.report
        #expect(pump.received.isFull)
        #expect(report.ioWakeups <= 200, "one wake-up per data event at most, got \(report.ioWakeups)")
        #expect(report.idleWakeups == 0)
        // Nothing lost uncounted: what is not queued or still in the device was dropped and counted.
        #expect(pump.droppedForFullQueue > 0)
        #expect(pump.received.count + pump.droppedForFullQueue + port.backend.toHost.count == sent)
        #expect(report.droppedForFullQueue == UInt64(pump.droppedForFullQueue))
        #expect(loop.sourceStatistics == [IOSourceStatistics(name: "cp-helper", wakeups: report.ioWakeups, idleWakeups: 0,
                                                             droppedForFullQueue: UInt64(pump.droppedForFullQueue))])
        #expect(report.description.contains("(idle 0), dropped for a full queue \(pump.droppedForFullQueue)"))
        #expect(report.json.contains(#""idle_wakeups":0,"dropped_full_queue":\#(pump.droppedForFullQueue),"#))
    }

    /// A burst larger than the queue within one tick is kept: it waits in the device while the queue
    /// is full and enters once the consumer made room, without a drop or an idle wake-up.
    @Test func aBurstThatFillsTheQueueWaitsForTheConsumer() {
        let (loop, _, waiter) = levelLoop()
        let port = PolledSerialTwin(SimulatedSerialPort(path: "/dev/serial0"), descriptor: 1001)
        let pump = SerialPump(name: "cp-helper", port: port, receiveCapacity: 64)
        var consumed = 0
        let consumer = Peer { _ in
            consumed += pump.received.count
            pump.received.removeAll()
        }
        waiter.events = { fd in fd == 1001 ? port.revents : 0 }
        loop.addSource(pump)
        loop.addController(consumer)
        loop.run(ticks: 1)
        port.backend.send(String(repeating: "x", count: 150))
        loop.run(ticks: 5)
        #expect(consumed == 150)
        #expect(pump.droppedForFullQueue == 0)
        #expect(loop.statistics.report.idleWakeups == 0)
    }

    @Test func canPumpWithAFullQueueAndFramesStillArriving() {
        let (loop, _, waiter) = levelLoop()
        let bus = PolledCANTwin(SimulatedCANBus(interface: "can0"), descriptor: 1002)
        let pump = CANPump(name: "power", bus: bus, capacity: 8)
        var n: UInt8 = 0
        let peer = Peer { _ in
            n &+= 1
            bus.backend.inject(CANFrame(id: 0x6B000, extended: true, bytes: [n]))
        }
        waiter.events = { fd in fd == 1002 ? bus.revents : 0 }
        loop.addController(peer)
        loop.addSource(pump)
        loop.run(ticks: 200)
        #expect(pump.received.isFull)
        #expect(loop.statistics.report.ioWakeups <= 200, "got \(loop.statistics.report.ioWakeups)")
        #expect(loop.statistics.report.idleWakeups == 0)
        #expect(pump.droppedForFullQueue > 0)
        #expect(pump.received.count + pump.droppedForFullQueue + bus.backend.receiveQueue.count == Int(n))
        #expect(loop.statistics.report.droppedForFullQueue == UInt64(pump.droppedForFullQueue))
    }

    @Test func framePumpWithAFullQueueAndFramesStillArriving() {
        let (loop, _, waiter) = levelLoop()
        let link = PolledEthernetTwin(SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1),
                                                            etherType: 0x88E1), descriptor: 1003)
        let pump = FramePump(name: "plc", link: link, slots: 4)
        var n: UInt8 = 0
        let peer = Peer { _ in
            n &+= 1
            let f = homePlugFrame(n)
            _ = link.backend.inject(f.span.bytes)
        }
        waiter.events = { fd in fd == 1003 ? link.revents : 0 }
        loop.addController(peer)
        loop.addSource(pump)
        loop.run(ticks: 200)
        #expect(pump.received.isFull)
        #expect(loop.statistics.report.ioWakeups <= 200, "got \(loop.statistics.report.ioWakeups)")
        #expect(loop.statistics.report.idleWakeups == 0)
        // Before the fix the pump took frames off the device and threw them away uncounted.
        #expect(pump.droppedForFullQueue > 0)
        #expect(pump.received.count + pump.droppedForFullQueue + link.backend.receiveQueue.count == Int(n))
        #expect(loop.statistics.report.droppedForFullQueue == UInt64(pump.droppedForFullQueue))
    }
}

@Suite struct HangUpsAndErrorsDoNotSpin {
    /// A tty that hung up while the receive queue is full: the pump cannot read, so it never sees the
    /// hang-up through a read error; POLLHUP stays set.
    @Test func aHungUpSerialDeviceWithAFullQueue() {
        let (loop, _, waiter) = levelLoop()
        let port = PolledSerialTwin(SimulatedSerialPort(path: "/dev/ttyUSB0"), descriptor: 1001)
        let pump = SerialPump(name: "cp-helper", port: port, receiveCapacity: 16)
        waiter.events = { fd in fd == 1001 ? port.revents : 0 }
        loop.addSource(pump)
        port.backend.send("0123456789abcdefXYZ")
        loop.run(ticks: 2)
        #expect(pump.received.isFull)
        let before = loop.statistics.report.ioWakeups
        port.backend.hangUp()
        loop.run(ticks: 50)
        let after = loop.statistics.report.ioWakeups - before
        #expect(after <= 1, "at most one wake-up for the hang-up, got \(after)")
        #expect(pump.isDown && pump.lastError?.kind == .disconnected)
    }

    /// A CAN socket whose interface went away: POLLERR stays set, every receive fails.
    @Test func aCANSocketWithAPersistentError() {
        let (loop, _, waiter) = levelLoop()
        let bus = PolledCANTwin(SimulatedCANBus(interface: "can0"), descriptor: 1002)
        let pump = CANPump(name: "power", bus: bus)
        waiter.events = { fd in fd == 1002 ? bus.revents : 0 }
        loop.addSource(pump)
        loop.run(ticks: 2)
        bus.backend.vanished = true
        loop.run(ticks: 50)
        let wakeups = loop.statistics.report.ioWakeups
        #expect(wakeups <= 1, "at most one wake-up for the error, got \(wakeups)")
        #expect(pump.lastError?.kind == .absent || pump.lastError?.kind == .disconnected)
        #expect(pump.isPollingSuspended && !pump.isHealthy && pump.pollDescriptor == nil)

        // The interface comes back: the pump, receiving every tick, sees frames and polls again.
        bus.backend.vanished = false
        bus.backend.inject(CANFrame(id: 0x100, extended: false, bytes: [1]))
        loop.run(ticks: 1)
        #expect(!pump.isPollingSuspended && pump.isHealthy && pump.received.pop()?.id == 0x100)
        bus.backend.inject(CANFrame(id: 0x101, extended: false, bytes: [2]))
        loop.run(ticks: 1)
        #expect(loop.statistics.report.ioWakeups == wakeups + 1 && pump.received.pop()?.id == 0x101)
    }

    /// An AF_PACKET socket whose interface went away.
    @Test func anEthernetSocketWithAPersistentError() {
        let (loop, _, waiter) = levelLoop()
        let link = PolledEthernetTwin(SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1),
                                                            etherType: 0x88E1), descriptor: 1003)
        let pump = FramePump(name: "plc", link: link)
        waiter.events = { fd in fd == 1003 ? link.revents : 0 }
        loop.addSource(pump)
        loop.run(ticks: 2)
        link.backend.vanished = true
        loop.run(ticks: 50)
        let wakeups = loop.statistics.report.ioWakeups
        #expect(wakeups <= 1, "at most one wake-up for the error, got \(wakeups)")
        #expect(pump.lastError?.kind == .disconnected)
        #expect(pump.isPollingSuspended && !pump.isHealthy && pump.pollDescriptor == nil)

        link.backend.vanished = false
        let f = homePlugFrame(7)
        _ = link.backend.inject(f.span.bytes)
        loop.run(ticks: 1)
        #expect(!pump.isPollingSuspended && pump.isHealthy && pump.received.count == 1)
    }

    /// POLLHUP on a socket that still reads as empty (a peer that shut down): one wake-up, then the
    /// pump polls it from `pump` only, and the state says why.
    @Test func aHungUpSocketThatReadsEmpty() {
        let (loop, _, waiter) = levelLoop()
        let link = PolledEthernetTwin(SimulatedEthernetLink(interface: "eth1", macAddress: MACAddress(2, 0, 0, 0, 0, 1),
                                                            etherType: 0x88E1), descriptor: 1003)
        let pump = FramePump(name: "plc", link: link)
        waiter.events = { fd in fd == 1003 ? pollHangUp : 0 }
        loop.addSource(pump)
        loop.run(ticks: 50)
        #expect(loop.statistics.report.ioWakeups == 1 && loop.statistics.report.idleWakeups == 1)
        #expect(pump.isPollingSuspended && pump.lastFailureEvents == .hangUp && !pump.isHealthy)
    }
}

// MARK: - A real pseudo-terminal

/// Writes `bytesPerTick` to the far end of a pty every tick (one write: one data event).
private final class PtyWriter: TickController {
    let name = "pty-writer"
    let farEnd: LinuxSerialPort
    let bytesPerTick: Int
    var writes = 0
    private let chunk: [UInt8]

    init(farEnd: LinuxSerialPort, bytesPerTick: Int) {
        self.farEnd = farEnd
        self.bytesPerTick = bytesPerTick
        chunk = [UInt8](repeating: 0x41, count: bytesPerTick)
    }

    func tick(_ context: TickContext) {
        let bytes = chunk
        do {
            if try farEnd.write(bytes.span.bytes) > 0 { writes += 1 }
        } catch {}
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

@Suite(.serialized) struct RealPtyDoesNotSpin {
    @Test func aFullReceiveQueueWithBytesStillArriving() throws {
        let pty = try PseudoTerminal()
        let port = try LinuxSerialPort(path: pty.devicePath, config: SerialConfig())
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        let pump = SerialPump(name: "cp-helper", port: port, receiveCapacity: 64)
        let writer = PtyWriter(farEnd: pty.farEnd, bytesPerTick: 16)
        loop.addController(writer)
        loop.addSource(pump)
        loop.run(ticks: 100)
        let report = loop.statistics.report
        #expect(pump.received.isFull)
        #expect(report.ioWakeups <= UInt64(writer.writes), "\(report.ioWakeups) wake-ups for \(writer.writes) writes")
        #expect(report.idleWakeups == 0)
        #expect(pump.droppedForFullQueue > 0)
    }

    /// The far end closes while the queue is full: the tty reports POLLHUP, reads would fail with EIO.
    @Test func aHungUpPtyWithAFullQueue() throws {
        let pty = try PseudoTerminal()
        let port = try LinuxSerialPort(path: pty.devicePath, config: SerialConfig())
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        let pump = SerialPump(name: "cp-helper", port: port, receiveCapacity: 16)
        loop.addSource(pump)
        _ = try pty.farEnd.write(Array("0123456789abcdefXYZ".utf8).span.bytes)
        loop.run(ticks: 5)
        #expect(pump.received.isFull)
        let before = loop.statistics.report.ioWakeups
        pty.farEnd.close()
        loop.run(ticks: 50)
        let after = loop.statistics.report.ioWakeups - before
        #expect(after <= 1, "at most one wake-up for the hang-up, got \(after)")
        #expect(pump.isDown && pump.lastError?.kind == .disconnected)
    }

    /// The far end closes with room in the queue: one wake-up reads the hang-up, the pump goes down.
    @Test func aHungUpPtyWithRoomInTheQueue() throws {
        let pty = try PseudoTerminal()
        let port = try LinuxSerialPort(path: pty.devicePath, config: SerialConfig())
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        let pump = SerialPump(name: "cp-helper", port: port)
        loop.addSource(pump)
        loop.run(ticks: 2)
        pty.farEnd.close()
        loop.run(ticks: 50)
        #expect(loop.statistics.report.ioWakeups <= 1, "got \(loop.statistics.report.ioWakeups)")
        #expect(pump.isDown && pump.lastError?.kind == .disconnected)
    }
}

// MARK: - The loop's own guarantee

/// A source that does not report what a wake-up achieved, whose descriptor stays readable and whose
/// `service` takes nothing (a driver with a bug, a device stuck readable).
private final class StuckSource: IOSource {
    let name = "stuck"
    var pollDescriptor: Int32? { 1004 }
    var services = 0
    func service(_ now: MonotonicInstant) { services += 1 }
    func pump(_ context: TickContext) {}
}

@Suite struct LoopBoundsWakeups {
    @Test func aSourceThatNeverDrainsItsDescriptorWakesTheLoopAtMostOncePerTick() {
        let (loop, _, waiter) = levelLoop()
        let stuck = StuckSource()
        waiter.events = { fd in fd == 1004 ? pollReadable : 0 }
        loop.addSource(stuck)
        loop.run(ticks: 20)
        #expect(loop.statistics.report.ioWakeups <= 20, "got \(loop.statistics.report.ioWakeups)")
        #expect(stuck.services == 20)
        // It does not say what it moved, so the loop does not call those wake-ups idle.
        #expect(loop.statistics.report.idleWakeups == 0)
    }

    /// A signal descriptor that reports POLLNVAL (closed under the loop) or POLLERR.
    @Test func aBrokenSignalDescriptorWakesTheLoopAtMostOncePerTick() throws {
        let clock = ManualClock()
        let waiter = LevelWaiter(clock: clock)
        let watcher = try SignalWatcher()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: waiter, signals: watcher)
        waiter.events = { fd in fd == watcher.descriptor ? pollInvalid : 0 }
        loop.run(ticks: 20)
        #expect(loop.statistics.report.ioWakeups <= 20, "got \(loop.statistics.report.ioWakeups)")
        #expect(loop.statistics.report.idleWakeups == loop.statistics.report.ioWakeups)
        #expect(loop.stopReason == nil)
    }
}
