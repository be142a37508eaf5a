import Buffers
import ControlLoop
import HAL

/// Moves UDP datagrams between a `DatagramSocket` and fixed queues: each datagram that arrives goes into
/// `received` with its sender at the same position in `receivedFrom`; each one a controller queued with
/// `enqueue(_:to:)` is sent every tick (and as soon as the socket is writable again after a full queue).
/// The SDP server and client sit on top of this.
///
/// Write readiness: `wantsWritable` is true while datagrams wait because the socket's queue was full;
/// a loop that polls for POLLOUT while it is true and calls `service` when the descriptor is ready
/// sends them without waiting for the next tick.
///
/// A socket error never escapes into the loop: it is kept in `lastError` and counted. Nothing here
/// allocates after `init`.
public final class DatagramPump: IOSource {
    public let name: String
    public private(set) var socket: any DatagramSocket
    public let received: FrameQueue
    /// The sender of each datagram in `received`, in the same order.
    public let receivedFrom: RingBuffer<IPEndpoint>
    public let transmit: FrameQueue
    /// The destination of each datagram in `transmit`, in the same order.
    public let transmitTo: RingBuffer<IPEndpoint>
    public private(set) var lastError: SocketError?
    public private(set) var errorCount = 0
    /// Datagrams dropped on the way in because `received` was full, or too long for it.
    public private(set) var droppedReceived = 0
    private let scratch: FrameBuffer
    private var sendBlocked = false

    public init(name: String, socket: any DatagramSocket, slots: Int = 8, maxDatagramLength: Int = 1452) {
        self.name = name
        self.socket = socket
        received = FrameQueue(slots: slots, maxFrameLength: maxDatagramLength)
        receivedFrom = RingBuffer(capacity: slots, filler: IPEndpoint(.unspecified, port: 0))
        transmit = FrameQueue(slots: slots, maxFrameLength: maxDatagramLength)
        transmitTo = RingBuffer(capacity: slots, filler: IPEndpoint(.unspecified, port: 0))
        scratch = FrameBuffer(capacity: maxDatagramLength)
    }

    public var pollDescriptor: Int32? { socket.pollDescriptor }

    /// Takes `socket` in place of the one it had, which is closed: the interface came back with a new
    /// index (a TAP re-created, a netdev re-bound) and the old socket is bound to one that is gone.
    /// Queued datagrams stay queued; errors start counting afresh.
    public func replaceSocket(_ socket: any DatagramSocket) {
        self.socket.close()
        self.socket = socket
        sendBlocked = false
        lastError = nil
    }

    /// True while queued datagrams wait for the socket to take them (POLLOUT wanted).
    public var wantsWritable: Bool { sendBlocked && !transmit.isEmpty }

    /// Queues one datagram for `destination`; false when `transmit` is full or it is too long.
    @discardableResult
    public func enqueue(_ payload: RawSpan, to destination: IPEndpoint) -> Bool {
        guard !transmitTo.isFull, transmit.push(payload) else { return false }
        transmitTo.push(destination)
        return true
    }

    /// Takes the oldest received datagram into `buffer` and returns its sender; nil when none.
    public func next(into buffer: FrameBuffer) -> IPEndpoint? {
        guard let from = receivedFrom.pop() else { return nil }
        received.popFront(into: buffer)
        return from
    }

    /// Readable or writable: take what arrived, send what waits.
    public func service(_ now: MonotonicInstant) {
        drain()
        flush()
    }

    /// What the loop calls on POLLIN/POLLOUT: datagrams taken in plus datagrams sent.
    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        .moved(drain() + flush())
    }

    public func pump(_ context: TickContext) {
        drain()
        flush()
    }

    public var isHealthy: Bool { lastError == nil }

    @discardableResult
    private func drain() -> Int {
        let frame = scratch
        var moved = 0
        while true {
            do throws(SocketError) {
                guard let from = try socket.receive(into: frame) else { return moved }
                moved &+= 1
                if receivedFrom.isFull || !received.push(frame.bytes) {
                    droppedReceived &+= 1
                    continue
                }
                receivedFrom.push(from)
                lastError = nil
            } catch {
                note(error)
                // One too-long datagram was dropped; the next may be fine. Anything else: next time.
                guard case .datagramTooLong = error else { return moved }
                droppedReceived &+= 1
            }
        }
    }

    @discardableResult
    private func flush() -> Int {
        sendBlocked = false
        let queue = transmit
        var sent = 0
        while !queue.isEmpty, let to = transmitTo.peek() {
            do throws(SocketError) {
                guard try sendFront(of: queue, to: to) else {
                    sendBlocked = true
                    return sent
                }
                sent &+= 1
            } catch {
                note(error)
                // A datagram the socket refuses for good is dropped; others stay queued for the next tick.
                switch error {
                case .datagramTooLong, .send(_, _, errno: .invalidArgument): break
                default: return sent
                }
            }
            queue.dropFront()
            _ = transmitTo.pop()
        }
        return sent
    }

    private func sendFront(of queue: FrameQueue, to destination: IPEndpoint) throws(SocketError) -> Bool {
        try socket.send(queue.front, to: destination)
    }

    private func note(_ error: SocketError) {
        lastError = error
        errorCount &+= 1
    }
}
