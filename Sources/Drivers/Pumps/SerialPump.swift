import Buffers
import ControlLoop
import HAL

/// Moves bytes between a `SerialPort` and two preallocated queues: everything that arrives goes into
/// `received` (as soon as the descriptor is readable, and again every tick), everything a controller
/// puts in `transmit` is written out every tick. Framers (the ESP32 JSON-line parser) read `received`.
///
/// A device error never escapes into the loop: it is kept in `lastError` (typed, with its kind) and
/// counted. A device that went away (kind `.disconnected` or `.absent`: the peer hung up, the USB
/// adapter was unplugged; or the descriptor reported POLLHUP, POLLERR or POLLNVAL) is closed, so its
/// dead descriptor leaves the poll set, and reopened at its path: at the next tick, then with a
/// backoff from `reopenInterval` doubling up to `maximumReopenInterval`, so a replugged adapter comes
/// back by itself and a missing one costs at most one open attempt per `reopenInterval`. While the
/// device is down nothing is read or written; what was queued for the lost device is dropped. Only
/// reopen attempts allocate.
///
/// Backpressure: while `received` is full the descriptor leaves the poll set (a readable tty whose
/// bytes cannot be taken would wake the loop again and again), and bytes wait in the device until a
/// tick has made room. When the consumer made no room for a whole tick (`received` full at two
/// pumps in a row with nothing taken in between), what the device holds then is read and dropped
/// (the newest bytes), counted in `droppedForFullQueue`: a stalled consumer costs data, never a spin.
/// A burst that fills the queue within one tick is kept (it waits in the device for one tick).
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
    /// Bytes read and dropped because `received` stayed full for a whole tick.
    public private(set) var droppedForFullQueue = 0
    /// Between failed reopen attempts: starts here, doubles after each failure.
    public let reopenInterval: Nanoseconds
    public let maximumReopenInterval: Nanoseconds
    private var nextReopenAt: MonotonicInstant?
    private var currentReopenInterval: Nanoseconds
    /// `received` was full when the last pump ended and nothing entered it since.
    private var fullSinceLastPump = false
    /// Where bytes that `received` cannot take are read to be dropped.
    private let spill: UnsafeMutableRawBufferPointer
    /// At most this many bytes are dropped per tick (the rest waits for the next tick).
    private static let maximumDropPerTick = 4096

    public init(name: String, port: any SerialPort, receiveCapacity: Int = 4096, transmitCapacity: Int = 4096,
                reopenInterval: Nanoseconds = .seconds(1), maximumReopenInterval: Nanoseconds = .seconds(8)) {
        self.name = name
        self.port = port
        received = ByteQueue(capacity: receiveCapacity)
        transmit = ByteQueue(capacity: transmitCapacity)
        self.reopenInterval = reopenInterval
        self.maximumReopenInterval = max(reopenInterval, maximumReopenInterval)
        currentReopenInterval = reopenInterval
        spill = .allocate(byteCount: 512, alignment: 16)
    }

    deinit { spill.deallocate() }

    /// Nil while the device is down or `received` is full: neither can make progress on a wake-up.
    public var pollDescriptor: Int32? { isDown || received.isFull ? nil : port.pollDescriptor }

    public func service(_ now: MonotonicInstant) { _ = service(now, events: .readable) }

    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        guard !isDown else { return .idle }
        let moved = drain()
        // A hang-up, error or closed descriptor with the bytes before it taken (or no room for them):
        // the device is gone even if the read did not say so.
        if !isDown, events.isFailure { fail(events) }
        return .moved(moved)
    }

    public func pump(_ context: TickContext) {
        if isDown {
            guard let at = nextReopenAt, context.now >= at else { return }
            reopen(context.now)
            if isDown { return }
        }
        let moved = drain()
        if fullSinceLastPump, moved == 0, received.isFull, !isDown { dropWaiting() }
        if !isDown, !transmit.isEmpty {
            do throws(SerialError) {
                try port.write(from: transmit)
            } catch {
                note(error)
            }
        }
        fullSinceLastPump = received.isFull
    }

    /// True while the last operation succeeded.
    public var isHealthy: Bool { lastError == nil }

    @discardableResult
    private func drain() -> Int {
        do throws(SerialError) {
            let n = try port.read(into: received)
            lastError = nil
            if n > 0 { fullSinceLastPump = false }
            return n
        } catch {
            note(error)
            return 0
        }
    }

    /// Reads what the device holds and drops it, counted (the consumer stalled for a whole tick).
    private func dropWaiting() {
        var total = 0
        do throws(SerialError) {
            while total < Self.maximumDropPerTick {
                var span = MutableRawSpan(_unsafeBytes: spill)
                let n = try port.read(into: &span)
                if n == 0 { break }
                total += n
            }
        } catch {
            note(error)
        }
        droppedForFullQueue &+= total
    }

    private func fail(_ events: PollEvents) {
        let path = port.path
        if events.contains(.invalid) {
            note(.closed(path))
        } else if events.contains(.hangUp) {
            note(.hangUp(path))
        } else {
            note(.read(path, errno: .ioError))
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
