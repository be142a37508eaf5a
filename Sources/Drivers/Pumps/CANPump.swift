import Buffers
import ControlLoop
import HAL

/// Moves CAN frames between a `CANBus` and two fixed rings: received frames (error frames included:
/// the protocol layer decides what a bus-off means) into `received`, frames a controller queued in
/// `transmit` onto the bus every tick, keeping order and leaving frames queued while the controller's
/// transmit queue is full.
public final class CANPump: IOSource {
    public let name: String
    public let bus: any CANBus
    public let received: RingBuffer<CANFrame>
    public let transmit: RingBuffer<CANFrame>
    public private(set) var lastError: CANError?
    public private(set) var errorCount = 0

    public init(name: String, bus: any CANBus, capacity: Int = 256) {
        self.name = name
        self.bus = bus
        received = RingBuffer(capacity: capacity, filler: CANFrame())
        transmit = RingBuffer(capacity: capacity, filler: CANFrame())
    }

    public var pollDescriptor: Int32? { bus.pollDescriptor }

    public func service(_ now: MonotonicInstant) { drain() }

    public func pump(_ context: TickContext) {
        drain()
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
    }

    public var isHealthy: Bool { lastError == nil }

    private func drain() {
        do throws(CANError) {
            while !received.isFull, let frame = try bus.receive() {
                received.push(frame)
            }
            lastError = nil
        } catch {
            note(error)
        }
    }

    private func note(_ error: CANError) {
        lastError = error
        errorCount &+= 1
    }
}
