import Buffers
import ControlLoop
import HAL

/// Moves whole Ethernet frames between an `EthernetLink` and two `FrameQueue`s: what arrives goes into
/// `received` (one slot per frame), what a controller queued in `transmit` is sent every tick. SLAC
/// and the WHITE-beet host interface sit on top of this.
public final class FramePump: IOSource {
    public let name: String
    public let link: any EthernetLink
    public let received: FrameQueue
    public let transmit: FrameQueue
    public private(set) var lastError: EthernetError?
    public private(set) var errorCount = 0
    private let scratch: FrameBuffer

    public init(name: String, link: any EthernetLink, slots: Int = 32,
                maxFrameLength: Int = EthernetFrameLayout.maximumLength) {
        self.name = name
        self.link = link
        received = FrameQueue(slots: slots, maxFrameLength: maxFrameLength)
        transmit = FrameQueue(slots: slots, maxFrameLength: maxFrameLength)
        scratch = FrameBuffer(capacity: maxFrameLength)
    }

    public var pollDescriptor: Int32? { link.pollDescriptor }

    public func service(_ now: MonotonicInstant) { drain() }

    public func pump(_ context: TickContext) {
        drain()
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
    }

    public var isHealthy: Bool { lastError == nil }

    private func drain() {
        do throws(EthernetError) {
            let frame = scratch
            while try link.receive(into: frame) {
                if !received.push(frame.bytes) { break }
            }
            lastError = nil
        } catch {
            note(error)
        }
    }

    private func note(_ error: EthernetError) {
        lastError = error
        errorCount &+= 1
    }
}
