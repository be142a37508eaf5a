import Drivers
import Buffers
import Glibc
import ControlLoop
import HAL
import Runtime

// Simulated twins with a (fake) descriptor, and a waiter that reports readiness the way the kernel
// does: level-triggered, from the device's state, on every wait. Together they reproduce with a
// ManualClock what ppoll does to the loop when a queue is full, a device hung up or a socket holds
// an error, without a kernel and exactly.

/// Reports `events(fd)` for every descriptor in the poll set on every wait (level-triggered, like
/// ppoll); when nothing is ready it moves the clock to the deadline.
///
/// A loop that spins would never reach its deadline here, so after `spinLimit` wake-ups for one
/// deadline the waiter lets the clock run to it: a spinning loop finishes with a huge wake-up count
/// instead of hanging the test.
final class LevelWaiter: TickWaiter {
    let clock: ManualClock
    var events: (Int32) -> Int16 = { _ in 0 }
    let spinLimit: Int
    private(set) var wakeups = 0
    private var deadline = MonotonicInstant.zero
    private var wakeupsThisDeadline = 0

    init(clock: ManualClock, spinLimit: Int = 10_000) {
        self.clock = clock
        self.spinLimit = spinLimit
    }

    func wait(_ descriptors: UnsafeMutableBufferPointer<pollfd>, until deadline: MonotonicInstant) -> Int {
        if deadline != self.deadline {
            self.deadline = deadline
            wakeupsThisDeadline = 0
        }
        if wakeupsThisDeadline < spinLimit {
            var ready = 0
            var i = 0
            while i < descriptors.count {
                // As ppoll: only what was asked for, plus the failures it always reports.
                let e = events(descriptors[i].fd) & (descriptors[i].events | Int16(POLLHUP | POLLERR | POLLNVAL))
                if e != 0 {
                    descriptors[i].revents = e
                    ready += 1
                }
                i += 1
            }
            if ready > 0 {
                wakeups += 1
                wakeupsThisDeadline += 1
                return ready
            }
        }
        clock.set(deadline)
        return 0
    }
}

let pollReadable = Int16(POLLIN)
let pollWritable = Int16(POLLOUT)
let pollHangUp = Int16(POLLHUP)
let pollError = Int16(POLLERR)
let pollInvalid = Int16(POLLNVAL)

/// A `SimulatedSerialPort` with a descriptor: readable while the device has bytes for the host,
/// hung up (POLLHUP, as a tty after a hang-up) while its backend is.
final class PolledSerialTwin: SerialPort {
    let twin: SimulatedSerialPort
    let descriptor: Int32
    private var closed = false

    init(_ twin: SimulatedSerialPort, descriptor: Int32) {
        self.twin = twin
        self.descriptor = descriptor
    }

    var backend: SimulatedSerialPort.Backend { twin.backend }
    var path: String { twin.path }
    var pollDescriptor: Int32? { closed ? nil : descriptor }
    func read(into buffer: inout MutableRawSpan) throws(SerialError) -> Int { try twin.read(into: &buffer) }
    func write(_ bytes: RawSpan) throws(SerialError) -> Int { try twin.write(bytes) }
    func flush(_ which: SerialFlush) throws(SerialError) { try twin.flush(which) }
    func configuration() throws(SerialError) -> SerialConfig { try twin.configuration() }
    func close() {
        closed = true
        twin.close()
    }
    func reopen() throws(SerialError) {
        try twin.reopen()
        closed = false
    }

    /// What ppoll would report for the descriptor now.
    var revents: Int16 {
        if backend.hungUp { return pollHangUp | pollError }
        return backend.toHost.isEmpty ? 0 : pollReadable
    }
}

/// A `SimulatedCANBus` with a descriptor: readable while frames wait; POLLERR while the interface
/// has vanished (every receive fails, as on a socket whose device went away).
final class PolledCANTwin: CANBus {
    let twin: SimulatedCANBus
    let descriptor: Int32

    init(_ twin: SimulatedCANBus, descriptor: Int32) {
        self.twin = twin
        self.descriptor = descriptor
    }

    var backend: SimulatedCANBus.Backend { twin.backend }
    var interface: String { twin.interface }
    var pollDescriptor: Int32? { descriptor }
    func send(_ frame: CANFrame) throws(CANError) -> Bool { try twin.send(frame) }
    func receive() throws(CANError) -> CANFrame? { try twin.receive() }
    func setFilters(_ filters: [CANFilter]) throws(CANError) { try twin.setFilters(filters) }
    func linkStatus() throws(CANError) -> CANLinkStatus { try twin.linkStatus() }
    func restart() throws(CANError) { try twin.restart() }
    func setBitrate(_ bitrate: UInt32) throws(CANError) { try twin.setBitrate(bitrate) }

    var revents: Int16 {
        if backend.vanished { return pollError }
        return backend.receiveQueue.isEmpty ? 0 : pollReadable
    }
}

/// A `SimulatedEthernetLink` with a descriptor: readable while frames wait; POLLERR while the
/// interface has vanished.
final class PolledEthernetTwin: EthernetLink {
    let twin: SimulatedEthernetLink
    let descriptor: Int32

    init(_ twin: SimulatedEthernetLink, descriptor: Int32) {
        self.twin = twin
        self.descriptor = descriptor
    }

    var backend: SimulatedEthernetLink.Backend { twin.backend }
    var interface: String { twin.interface }
    var macAddress: MACAddress { twin.macAddress }
    var pollDescriptor: Int32? { descriptor }
    func send(_ frame: RawSpan) throws(EthernetError) -> Bool { try twin.send(frame) }
    func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool { try twin.receive(into: buffer) }
    func linkState() throws(EthernetError) -> EthernetLinkState { try twin.linkState() }

    var revents: Int16 {
        if backend.vanished { return pollError }
        return backend.receiveQueue.isEmpty ? 0 : pollReadable
    }
}

/// Plays the far side of devices once per tick: `everyTick` runs first in each tick.
final class Peer: TickController {
    let name = "peer"
    var everyTick: (TickContext) -> Void
    init(_ everyTick: @escaping (TickContext) -> Void) { self.everyTick = everyTick }
    func tick(_ context: TickContext) { everyTick(context) }
    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

/// An SLAC-sized frame of EtherType 0x88E1.
func homePlugFrame(_ marker: UInt8) -> [UInt8] {
    var f = [UInt8](repeating: 0, count: 60)
    f[0...5] = [0x02, 0, 0, 0, 0, 0x01]
    f[6...11] = [0x02, 0, 0, 0, 0, 0x02]
    f[12] = 0x88
    f[13] = 0xE1
    f[14] = marker
    return f
}
