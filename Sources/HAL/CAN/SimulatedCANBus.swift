import Buffers
import SystemPackage

/// The simulated twin of a CAN interface. Twins can be linked into one bus (`connect`), like the
/// emulated can0 ⇄ can1 of the HIL VM; the backend injects frames from an absent peer, records what
/// the host sent, and injects faults (bus-off, silence, send errors, a vanished interface).
public final class SimulatedCANBus: CANBus {
    public let interface: String
    public let backend: Backend
    private var filters: [CANFilter] = []
    private var peers: [SimulatedCANBus] = []

    public final class Backend {
        /// Frames waiting for the host's `receive`.
        public let receiveQueue: RingBuffer<CANFrame>
        /// Frames the host sent, newest kept when full (for tests and peer emulators).
        public let transmitted: RingBuffer<CANFrame>
        public var state: CANBusState = .errorActive
        public var bitrate: UInt32
        /// Frames the host sends vanish (no peer acknowledges; counters unchanged).
        public var silenced = false
        /// The next host send fails with this errno (ENOBUFS/EAGAIN: returns false, a full queue).
        public var failNextSend: Errno?
        /// The interface has been removed: every call fails.
        public var vanished = false
        public var transmitErrors: UInt16 = 0
        public var receiveErrors: UInt16 = 0

        init(capacity: Int, bitrate: UInt32) {
            receiveQueue = RingBuffer(capacity: capacity, filler: CANFrame())
            transmitted = RingBuffer(capacity: capacity, filler: CANFrame())
            self.bitrate = bitrate
        }

        /// Delivers a frame to the host as if another node sent it (filters apply at `receive`).
        @discardableResult
        public func inject(_ frame: CANFrame) -> Bool { receiveQueue.push(frame) }

        /// Drives the controller bus-off and delivers the error frame the kernel would.
        public func goBusOff() {
            state = .busOff
            transmitErrors = 256
            var err = CANFrame(id: CANErrorClass.busOff.rawValue, length: 8)
            err.isError = true
            receiveQueue.pushOverwriting(err)
        }
    }

    public init(interface: String, bitrate: UInt32 = 500_000, queueCapacity: Int = 256) {
        self.interface = interface
        backend = Backend(capacity: queueCapacity, bitrate: bitrate)
    }

    /// Joins two twins on one bus: what either sends, the other receives.
    public static func connect(_ a: SimulatedCANBus, _ b: SimulatedCANBus) {
        a.peers.append(b)
        b.peers.append(a)
    }

    public var pollDescriptor: Int32? { nil }

    public func send(_ frame: CANFrame) throws(CANError) -> Bool {
        if backend.vanished { throw .send(interface, errno: .operationNotSupportedByDevice) }
        guard frame.id <= frame.maximumID, frame.length <= (frame.isFD ? 64 : 8), !frame.isError else {
            throw .invalidFrame(interface, frame)
        }
        if backend.state == .busOff { throw .busOff(interface) }
        if backend.state == .stopped { throw .send(interface, errno: .networkDown) }
        if let e = backend.failNextSend {
            backend.failNextSend = nil
            // A full transmit queue is not an error on Linux either: try again next tick.
            if e == .noBufferSpace || e == .resourceTemporarilyUnavailable { return false }
            throw .send(interface, errno: e)
        }
        if backend.silenced { return true }
        backend.transmitted.pushOverwriting(frame)
        var i = 0
        while i < peers.count {
            peers[i].backend.receiveQueue.push(frame)
            i += 1
        }
        return true
    }

    public func receive() throws(CANError) -> CANFrame? {
        if backend.vanished { throw .receive(interface, errno: .operationNotSupportedByDevice) }
        while let frame = backend.receiveQueue.pop() {
            if frame.isError || filters.isEmpty { return frame }
            var i = 0
            while i < filters.count {
                if filters[i].matches(frame) { return frame }
                i += 1
            }
        }
        return nil
    }

    public func setFilters(_ filters: [CANFilter]) throws(CANError) {
        if backend.vanished { throw .configure(interface, errno: .operationNotSupportedByDevice) }
        self.filters = filters
    }

    public func linkStatus() throws(CANError) -> CANLinkStatus {
        if backend.vanished { throw .link(interface, operation: "read the state", errno: .operationNotSupportedByDevice) }
        return CANLinkStatus(state: backend.state, bitrate: backend.bitrate, samplePoint: 875,
                             transmitErrors: backend.transmitErrors, receiveErrors: backend.receiveErrors)
    }

    public func restart() throws(CANError) {
        if backend.vanished { throw .link(interface, operation: "restart", errno: .operationNotSupportedByDevice) }
        guard backend.state == .busOff else { throw .link(interface, operation: "restart", errno: .invalidArgument) }
        backend.state = .errorActive
        backend.transmitErrors = 0
        var note = CANFrame(id: CANErrorClass.restarted.rawValue, length: 8)
        note.isError = true
        backend.receiveQueue.pushOverwriting(note)
    }

    public func setBitrate(_ bitrate: UInt32) throws(CANError) {
        if backend.vanished { throw .link(interface, operation: "set the bitrate", errno: .operationNotSupportedByDevice) }
        guard bitrate > 0, bitrate <= 1_000_000 else { throw .link(interface, operation: "set the bitrate", errno: .invalidArgument) }
        backend.bitrate = bitrate
    }
}
