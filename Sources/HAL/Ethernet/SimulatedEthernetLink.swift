import Buffers
import SystemPackage

/// The simulated twin of an Ethernet interface: like one end of a veth pair. Two twins joined with
/// `connect` see each other's frames; the backend injects frames from an absent peer, keeps what the
/// host sent, and injects faults (carrier loss, send errors, a vanished interface, oversized frames).
public final class SimulatedEthernetLink: EthernetLink {
    public let interface: String
    public let macAddress: MACAddress
    public let etherType: UInt16
    public let backend: Backend
    private weak var peer: SimulatedEthernetLink?

    public final class Backend {
        /// Frames waiting for the host's `receive`.
        public let receiveQueue: FrameQueue
        /// Frames the host sent (oldest dropped when full is the caller's business: `dropFront`).
        public let transmitted: FrameQueue
        public var up = true
        public var carrier = true
        public var failNextSend: Errno?
        public var failNextReceive: Errno?
        public var vanished = false

        init(slots: Int) {
            receiveQueue = FrameQueue(slots: slots, maxFrameLength: 2048)
            transmitted = FrameQueue(slots: slots, maxFrameLength: 2048)
        }

        /// Delivers a frame to the host as if it arrived on the wire.
        @discardableResult
        public func inject(_ frame: RawSpan) -> Bool { receiveQueue.push(frame) }
    }

    /// `etherType` filters what `receive` returns (0x0003 = every type), as the AF_PACKET socket does.
    public init(interface: String, macAddress: MACAddress, etherType: UInt16, queueSlots: Int = 32) {
        self.interface = interface
        self.macAddress = macAddress
        self.etherType = etherType
        backend = Backend(slots: queueSlots)
    }

    /// Joins two twins like a veth pair.
    public static func connect(_ a: SimulatedEthernetLink, _ b: SimulatedEthernetLink) {
        a.peer = b
        b.peer = a
    }

    public var pollDescriptor: Int32? { nil }

    public func send(_ frame: RawSpan) throws(EthernetError) -> Bool {
        if backend.vanished { throw .send(interface, errno: .operationNotSupportedByDevice) }
        guard frame.byteCount >= EthernetFrameLayout.headerLength else { throw .frameTooShort(interface, length: frame.byteCount) }
        guard frame.byteCount <= EthernetFrameLayout.maximumLength else { throw .frameTooLong(interface, length: frame.byteCount) }
        if !backend.up { throw .send(interface, errno: .networkDown) }
        if let e = backend.failNextSend {
            backend.failNextSend = nil
            // A full queue is not an error on Linux either (ck_eth_send answers 0): try again later.
            if e == .noBufferSpace || e == .resourceTemporarilyUnavailable { return false }
            throw .send(interface, errno: e)
        }
        if backend.transmitted.isFull { backend.transmitted.dropFront() }
        backend.transmitted.push(frame)
        if backend.carrier, let peer, peer.backend.up {
            peer.backend.receiveQueue.push(frame)
        }
        return true
    }

    public func receive(into buffer: FrameBuffer) throws(EthernetError) -> Bool {
        if backend.vanished { throw .receive(interface, errno: .operationNotSupportedByDevice) }
        if let e = backend.failNextReceive {
            backend.failNextReceive = nil
            throw .receive(interface, errno: e)
        }
        let queue = backend.receiveQueue
        while let length = queue.frontLength() {
            if length > buffer.capacity {
                queue.dropFront()
                throw .frameTooLong(interface, length: length)
            }
            if etherType != 0x0003, !matchesEtherType(queue.front) {
                queue.dropFront()
                continue
            }
            queue.popFront(into: buffer)
            if length < EthernetFrameLayout.minimumLength {
                // The wire pads short frames; so does the twin.
                var i = length
                while i < EthernetFrameLayout.minimumLength, buffer.append(0) { i += 1 }
            }
            return true
        }
        return false
    }

    private func matchesEtherType(_ frame: RawSpan) -> Bool {
        guard frame.byteCount >= EthernetFrameLayout.headerLength else { return false }
        let hi = frame.unsafeLoad(fromByteOffset: 12, as: UInt8.self)
        let lo = frame.unsafeLoad(fromByteOffset: 13, as: UInt8.self)
        return UInt16(hi) << 8 | UInt16(lo) == etherType
    }

    public func linkState() throws(EthernetError) -> EthernetLinkState {
        if backend.vanished { throw .query(interface, errno: .operationNotSupportedByDevice) }
        return EthernetLinkState(up: backend.up, carrier: backend.up && backend.carrier, mtu: 1500)
    }
}
