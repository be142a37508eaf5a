import Buffers
import ControlLoop
import HAL

/// Moves whole Ethernet frames between an `EthernetLink` and two `FrameQueue`s: what arrives goes into
/// `received` (one slot per frame), what a controller queued in `transmit` is sent every tick. SLAC
/// and the WHITE-beet host interface sit on top of this.
///
/// Backpressure and faults never make the loop spin: while `received` is full the descriptor leaves
/// the poll set and frames wait in the socket; when the consumer made no room for a whole tick, the
/// frames waiting then are received and dropped, counted in `droppedForFullQueue`. A wake-up that
/// reports POLLHUP/POLLERR/POLLNVAL or a failing receive and moves no frame suspends polling
/// (`isPollingSuspended`, with `lastError` or `lastFailureEvents` saying why): `pump` keeps receiving
/// every tick and resumes polling once frames arrive again.
public final class FramePump: IOSource {
    public let name: String
    public let link: any EthernetLink
    public let received: FrameQueue
    public let transmit: FrameQueue
    public private(set) var lastError: EthernetError?
    public private(set) var errorCount = 0
    /// Frames received and dropped because `received` stayed full for a whole tick.
    public private(set) var droppedForFullQueue = 0
    /// The descriptor failed (hang-up, error, invalid, or receive errors) and is out of the poll set;
    /// `pump` receives every tick until frames move again.
    public private(set) var isPollingSuspended = false
    /// What ppoll last reported on a failing wake-up (empty when the failure was a receive error).
    public private(set) var lastFailureEvents: PollEvents = []
    private let scratch: FrameBuffer
    private var fullSinceLastPump = false
    private static let maximumDropPerTick = 64

    public init(name: String, link: any EthernetLink, slots: Int = 32,
                maxFrameLength: Int = EthernetFrameLayout.maximumLength) {
        self.name = name
        self.link = link
        received = FrameQueue(slots: slots, maxFrameLength: maxFrameLength)
        transmit = FrameQueue(slots: slots, maxFrameLength: maxFrameLength)
        scratch = FrameBuffer(capacity: maxFrameLength)
    }

    public var pollDescriptor: Int32? { isPollingSuspended || received.isFull ? nil : link.pollDescriptor }

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
        let queue = transmit
        do throws(EthernetError) {
            while !queue.isEmpty {
                guard try link.send(queue.front) else { break }
                queue.dropFront()
            }
        } catch {
            note(error)
            switch error {
            case .frameTooLong, .frameTooShort: queue.dropFront()
            default: break
            }
        }
        fullSinceLastPump = received.isFull
    }

    public var isHealthy: Bool { lastError == nil && !isPollingSuspended }

    private func drain() -> (moved: Int, failed: Bool) {
        var moved = 0
        do throws(EthernetError) {
            let frame = scratch
            while !received.isFull, try link.receive(into: frame) {
                received.push(frame.bytes)
                moved += 1
            }
            lastError = nil
        } catch {
            note(error)
            switch error {
            // One bad frame, taken off the device: not a failing descriptor.
            case .frameTooLong, .frameTooShort: return (moved + 1, false)
            default: return (moved, true)
            }
        }
        if moved > 0 { fullSinceLastPump = false }
        return (moved, false)
    }

    private func dropWaiting() {
        var n = 0
        do throws(EthernetError) {
            let frame = scratch
            while n < Self.maximumDropPerTick, try link.receive(into: frame) { n += 1 }
        } catch {
            note(error)
        }
        droppedForFullQueue &+= n
    }

    private func note(_ error: EthernetError) {
        lastError = error
        errorCount &+= 1
    }
}
