import Buffers
import ControlLoop
import HAL

/// Moves bytes between a `SerialPort` and two preallocated queues: everything that arrives goes into
/// `received` (as soon as the descriptor is readable, and again every tick), everything a controller
/// puts in `transmit` is written out every tick. Framers (the ESP32 JSON-line parser) read `received`.
///
/// A device error never escapes into the loop: it is kept in `lastError` (typed, with its kind) and
/// counted, and the pump keeps trying, so a helper that reboots comes back by itself.
public final class SerialPump: IOSource {
    public let name: String
    public let port: any SerialPort
    public let received: ByteQueue
    public let transmit: ByteQueue
    public private(set) var lastError: SerialError?
    public private(set) var errorCount = 0

    public init(name: String, port: any SerialPort, receiveCapacity: Int = 4096, transmitCapacity: Int = 4096) {
        self.name = name
        self.port = port
        received = ByteQueue(capacity: receiveCapacity)
        transmit = ByteQueue(capacity: transmitCapacity)
    }

    public var pollDescriptor: Int32? { port.pollDescriptor }

    public func service(_ now: MonotonicInstant) { drain() }

    public func pump(_ context: TickContext) {
        drain()
        if !transmit.isEmpty {
            do throws(SerialError) {
                try port.write(from: transmit)
            } catch {
                note(error)
            }
        }
    }

    /// True while the last operation succeeded.
    public var isHealthy: Bool { lastError == nil }

    private func drain() {
        do throws(SerialError) {
            try port.read(into: received)
            lastError = nil
        } catch {
            note(error)
        }
    }

    private func note(_ error: SerialError) {
        lastError = error
        errorCount &+= 1
    }
}
