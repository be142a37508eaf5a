import Buffers
import ControlLoop
import HAL

/// Moves bytes between a `SerialPort` and two preallocated queues: everything that arrives goes into
/// `received` (as soon as the descriptor is readable, and again every tick), everything a controller
/// puts in `transmit` is written out every tick. Framers (the ESP32 JSON-line parser) read `received`.
///
/// A device error never escapes into the loop: it is kept in `lastError` (typed, with its kind) and
/// counted. A device that went away (kind `.disconnected` or `.absent`: the peer hung up, the USB
/// adapter was unplugged) is closed, so its dead descriptor leaves the poll set, and reopened at its
/// path: at the next tick, then with a backoff from `reopenInterval` doubling up to
/// `maximumReopenInterval`, so a replugged adapter comes back by itself and a missing one costs at
/// most one open attempt per `reopenInterval`. While the device is down nothing is read or written;
/// what was queued for the lost device is dropped. Only reopen attempts allocate.
public final class SerialPump: IOSource {
    public let name: String
    public let port: any SerialPort
    public let received: ByteQueue
    public let transmit: ByteQueue
    /// The last error, or the one that took the device down while `isDown` (then
    /// `lastReopenError` says why it is not back yet).
    public private(set) var lastError: SerialError?
    public private(set) var errorCount = 0
    /// The device went away and is closed until a reopen succeeds.
    public private(set) var isDown = false
    public private(set) var reopenAttempts = 0
    /// Reopens that succeeded.
    public private(set) var reopens = 0
    public private(set) var lastReopenError: SerialError?
    /// Between failed reopen attempts: starts here, doubles after each failure.
    public let reopenInterval: Nanoseconds
    public let maximumReopenInterval: Nanoseconds
    private var nextReopenAt: MonotonicInstant?
    private var currentReopenInterval: Nanoseconds

    public init(name: String, port: any SerialPort, receiveCapacity: Int = 4096, transmitCapacity: Int = 4096,
                reopenInterval: Nanoseconds = .seconds(1), maximumReopenInterval: Nanoseconds = .seconds(8)) {
        self.name = name
        self.port = port
        received = ByteQueue(capacity: receiveCapacity)
        transmit = ByteQueue(capacity: transmitCapacity)
        self.reopenInterval = reopenInterval
        self.maximumReopenInterval = max(reopenInterval, maximumReopenInterval)
        currentReopenInterval = reopenInterval
    }

    public var pollDescriptor: Int32? { isDown ? nil : port.pollDescriptor }

    public func service(_ now: MonotonicInstant) {
        guard !isDown else { return }
        drain()
    }

    public func pump(_ context: TickContext) {
        if isDown {
            guard let at = nextReopenAt, context.now >= at else { return }
            reopen(context.now)
            if isDown { return }
        }
        drain()
        if !isDown, !transmit.isEmpty {
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
        let kind = error.kind
        if kind == .disconnected || kind == .absent { goDown() }
    }

    private func goDown() {
        isDown = true
        port.close()
        transmit.removeAll()
        currentReopenInterval = reopenInterval
        nextReopenAt = .zero // at the next tick
    }

    private func reopen(_ now: MonotonicInstant) {
        reopenAttempts &+= 1
        do throws(SerialError) {
            try port.reopen()
        } catch {
            lastReopenError = error
            nextReopenAt = now + currentReopenInterval
            currentReopenInterval = min(currentReopenInterval + currentReopenInterval, maximumReopenInterval)
            return
        }
        reopens &+= 1
        isDown = false
        lastError = nil
        lastReopenError = nil
        nextReopenAt = nil
        transmit.removeAll()
    }
}
