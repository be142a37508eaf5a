import Buffers
import Contracts
import CoreTypes
import HomePlugAV

/// Where a SLAC controller meets its link: the frame queues a `FramePump` (or the QCA7000 driver)
/// fills and drains, its own MAC, a scratch frame to encode into, the event queue and the trace.
/// Never touches a descriptor, never allocates after `init`.
public final class SlacPort {
    public let hostMAC: MACAddress
    let received: FrameQueue
    let transmit: FrameQueue
    private let scratch = FrameBuffer(capacity: EthernetFrameLayout.maximumLength)
    /// What the controller reports (matched, failed…), for the application to drain.
    public let events = RingBuffer<SlacEvent>(capacity: 32, filler: .left)
    /// Every message and timer, oldest dropped when full; drained by `boardctl slac` and tests.
    public let trace = RingBuffer<SlacTraceEntry>(capacity: 512, filler: SlacTraceEntry(time: .zero, kind: .timerExpired(.matchResponse)))
    /// Frames that did not parse, frames this controller cannot use, frames it could not queue.
    public private(set) var malformedFrames = 0
    public private(set) var unusableFrames = 0
    public private(set) var unsentFrames = 0

    public init(hostMAC: MACAddress, received: FrameQueue, transmit: FrameQueue) {
        self.hostMAC = hostMAC
        self.received = received
        self.transmit = transmit
    }

    /// Takes the oldest received frame: a parsed HomePlug frame, or nil when none is waiting.
    /// Frames that do not parse are counted, traced and dropped.
    func next(_ now: MonotonicInstant) -> HomePlugFrame? {
        let queue = received
        while !queue.isEmpty {
            defer { queue.dropFront() }
            do throws(HomePlugError) {
                let frame = try HomePlugFrame.parse(queue.front)
                if frame.source == hostMAC { continue } // our own frame looped back (shared medium)
                return frame
            } catch {
                switch error {
                case .unknownMMType, .wrongEtherType, .wrongOUI: unusableFrames &+= 1
                default:
                    malformedFrames &+= 1
                    let from = MACAddress(queue.front, at: 6) ?? .zero
                    log(now, .malformed(from: from))
                }
            }
        }
        return nil
    }

    /// Encodes and queues one frame from this host.
    func send(_ message: HomePlugMessage, to destination: MACAddress, _ now: MonotonicInstant) {
        let frame = HomePlugFrame(destination: destination, source: hostMAC, message: message)
        let buffer = scratch
        var span = buffer.mutableBytes
        do throws(HomePlugError) {
            let n = try frame.encode(into: &span)
            buffer.setCount(n)
        } catch {
            unsentFrames &+= 1
            return
        }
        if transmit.push(buffer.bytes) {
            log(now, .sent(message.mmType, to: destination))
        } else {
            unsentFrames &+= 1
        }
    }

    func log(_ now: MonotonicInstant, _ kind: SlacTraceEntry.Kind) {
        trace.pushOverwriting(SlacTraceEntry(time: now, kind: kind))
    }

    func post(_ now: MonotonicInstant, _ event: SlacEvent) {
        events.pushOverwriting(event)
        log(now, .event(event))
    }

    /// Drops everything received so far (a new session must not act on stale frames).
    func flushReceived() { received.removeAll() }
}
