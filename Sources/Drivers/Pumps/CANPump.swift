import Buffers
import ControlLoop
import HAL

/// Moves CAN frames between a `CANBus` and two fixed rings: received frames (error frames included:
/// the protocol layer decides what a bus-off means) into `received`, frames a controller queued in
/// `transmit` onto the bus every tick, keeping order and leaving frames queued while the controller's
/// transmit queue is full.
///
/// Backpressure and faults never make the loop spin: while `received` is full the descriptor leaves
/// the poll set and frames wait in the socket; when the consumer made no room for a whole tick, the
/// frames waiting then are received and dropped, counted in `droppedForFullQueue`. A wake-up that
/// reports POLLHUP/POLLERR/POLLNVAL or a failing receive and moves no frame suspends polling
/// (`isPollingSuspended`, with `lastError` or `lastFailureEvents` saying why): `pump` keeps receiving
/// every tick and resumes polling once frames arrive again.
public final class CANPump: IOSource {
    public let name: String
    public let bus: any CANBus
    public let received: RingBuffer<CANFrame>
    public let transmit: RingBuffer<CANFrame>
    public private(set) var lastError: CANError?
    public private(set) var errorCount = 0
    /// Frames received and dropped because `received` stayed full for a whole tick.
    public private(set) var droppedForFullQueue = 0
    /// The descriptor failed (hang-up, error, invalid, or receive errors) and is out of the poll set;
    /// `pump` receives every tick until frames move again.
    public private(set) var isPollingSuspended = false
    /// What ppoll last reported on a failing wake-up (empty when the failure was a receive error).
    public private(set) var lastFailureEvents: PollEvents = []
    private var fullSinceLastPump = false
    private static let maximumDropPerTick = 256

    public init(name: String, bus: any CANBus, capacity: Int = 256) {
        self.name = name
        self.bus = bus
        received = RingBuffer(capacity: capacity, filler: CANFrame())
        transmit = RingBuffer(capacity: capacity, filler: CANFrame())
    }

    public var pollDescriptor: Int32? { isPollingSuspended || received.isFull ? nil : bus.pollDescriptor }

    public func service(_ now: MonotonicInstant) { _ = service(now, events: .readable) }

    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        let (moved, failed) = drain()
        if moved == 0, failed || events.isFailure {
            isPollingSuspended = true
            lastFailureEvents = events.intersection(.failures)
        }
        return .moved(moved)
    }

    public func pump(_ context: TickContext) {
        let (moved, failed) = drain()
        // Resume polling once the device works again: frames moved, or a receive that failed before
        // now succeeds (after POLLHUP/POLLERR/POLLNVAL only frames prove it).
        if isPollingSuspended, !failed, moved > 0 || lastFailureEvents.isEmpty {
            isPollingSuspended = false
            lastFailureEvents = []
        }
        if fullSinceLastPump, moved == 0, received.isFull { dropWaiting() }
        do throws(CANError) {
            while let frame = transmit.peek() {
                guard try bus.send(frame) else { break }
                _ = transmit.pop()
            }
        } catch {
            note(error)
            // A frame the bus can never carry must not block the queue forever.
            if case .invalidFrame = error { _ = transmit.pop() }
        }
        fullSinceLastPump = received.isFull
    }

    public var isHealthy: Bool { lastError == nil && !isPollingSuspended }

    private func drain() -> (moved: Int, failed: Bool) {
        var moved = 0
        do throws(CANError) {
            while !received.isFull, let frame = try bus.receive() {
                received.push(frame)
                moved += 1
            }
            lastError = nil
        } catch {
            note(error)
            return (moved, true)
        }
        if moved > 0 { fullSinceLastPump = false }
        return (moved, false)
    }

    private func dropWaiting() {
        var n = 0
        do throws(CANError) {
            while n < Self.maximumDropPerTick, try bus.receive() != nil { n += 1 }
        } catch {
            note(error)
        }
        droppedForFullQueue &+= n
    }

    private func note(_ error: CANError) {
        lastError = error
        errorCount &+= 1
    }
}
