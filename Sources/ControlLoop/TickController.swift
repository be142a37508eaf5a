import CoreTypes

/// What one tick knows about time.
public struct TickContext: Sendable {
    /// When this tick started (read once, shared by every controller in the tick, so they agree).
    public let now: MonotonicInstant
    /// Ticks since the loop started (0 for the first).
    public let index: UInt64
    /// The configured tick period.
    public let period: Nanoseconds

    public init(now: MonotonicInstant, index: UInt64, period: Nanoseconds) {
        self.now = now
        self.index = index
        self.period = period
    }
}

/// Why the loop asked controllers to go to their safe state.
public enum StopReason: Sendable, Equatable, CustomStringConvertible {
    /// SIGINT or SIGTERM (the signal number).
    case signal(Int32)
    /// `TickLoop.requestStop(_:)` from the application.
    case requested(String)
    /// A fault that makes continuing unsafe (a controller or driver asked for it).
    case fault(String)

    public var description: String {
        switch self {
        case .signal(let s): return s == 2 ? "SIGINT" : s == 15 ? "SIGTERM" : "signal \(s)"
        case .requested(let why): return "stop requested: \(why)"
        case .fault(let why): return "fault: \(why)"
        }
    }
}

/// What a controller did when asked to go to its safe state: one short phrase per output it owns, as
/// a charger engineer reads it in the log ("CP +12 V steady (confirmed on the wire)", "contactors
/// open", "current 0 A"). Built once, at stop time, so it may allocate.
public struct SafeStopReport: Sendable, Equatable, CustomStringConvertible {
    public var controller: String
    public var actions: [String]

    public init(_ controller: String, _ actions: [String]) {
        self.controller = controller
        self.actions = actions
    }

    public var description: String {
        "\(controller): " + (actions.isEmpty ? "nothing to make safe" : actions.joined(separator: "; "))
    }
}

/// A state machine the loop steps once per tick, in registration order (the composition fixes it:
/// control pilot, SLAC, then V2G, session and power path). Controllers never touch a descriptor; they
/// read what drivers queued, write commands for drivers to carry out, and exchange facts with other
/// controllers only through the `Contracts` board.
///
/// Contract: `tick` returns within a small fraction of the period, never blocks, and allocates nothing
/// in the steady state (the malloc-count test holds every controller to 0). `safeStop` puts every
/// output the controller owns into its safe state (PWM +12 V / contactors open / current 0), is
/// called exactly once when the loop stops, and says what it did.
public protocol TickController: AnyObject {
    var name: String { get }
    func tick(_ context: TickContext)
    func safeStop(_ reason: StopReason) -> SafeStopReport
}

/// A driver's I/O side: the loop polls `pollDescriptor` and calls `service` as soon as it is readable
/// (so bytes move into preallocated queues with low latency), and calls `pump` once per tick before the
/// controllers (for devices without a descriptor, periodic polls and sending queued output).
///
/// Contract: both calls are non-blocking and allocation-free; a device error is recorded in the
/// driver's state for its controller to see, never thrown into the loop.
///
/// No spinning: a wake-up either moves data or stops the source asking for readiness until it can
/// make progress. `service(_:events:)` receives what ppoll reported (POLLHUP/POLLERR/POLLNVAL
/// included, which become device state, never a reason to be woken again) and returns what it moved;
/// `pollDescriptor` returns nil while the source cannot take data (a full receive queue, a failed
/// descriptor awaiting recovery by `pump`). The loop adds its own bound: a source whose wake-up moved
/// nothing, or did not say, leaves the poll set until the next tick.
public protocol IOSource: AnyObject {
    var name: String { get }
    /// The descriptor to poll now; nil when the source has none or cannot make progress on a wake-up.
    var pollDescriptor: Int32? { get }
    func service(_ now: MonotonicInstant)
    /// The descriptor was ready with `events`: move what can be moved now and say how much.
    func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome
    func pump(_ context: TickContext)
    /// Bytes or frames dropped so far because the receive queue was full (the loop's statistics add them up).
    var droppedForFullQueue: Int { get }
    /// True while output waits for the device to take it (a TCP send that found the kernel's buffer
    /// full, a connect in progress): the loop then polls `pollDescriptor` for POLLOUT too and calls
    /// `service` with `.writable` as soon as it can take more, instead of waiting for the next tick.
    /// False (the default) for sources whose writes never block.
    var wantsWritable: Bool { get }
}

extension IOSource {
    public func service(_ now: MonotonicInstant) {}

    /// For sources that implement only `service(_:)`: the outcome is unknown to the loop.
    public func service(_ now: MonotonicInstant, events: PollEvents) -> ServiceOutcome {
        service(now)
        return .unreported
    }

    public var droppedForFullQueue: Int { 0 }

    public var wantsWritable: Bool { false }
}

/// What ppoll reported for a source's descriptor (its `revents`).
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// POLLIN: data is waiting.
    public static let readable = PollEvents(rawValue: 0x001)
    /// POLLOUT: the descriptor takes output again (a full TCP send buffer drained, a connect finished).
    public static let writable = PollEvents(rawValue: 0x004)
    /// POLLERR: the descriptor holds an error (a socket's pending error, a tty after a hang-up).
    public static let error = PollEvents(rawValue: 0x008)
    /// POLLHUP: the other end hung up (a pty whose far end closed, an unplugged USB serial adapter).
    public static let hangUp = PollEvents(rawValue: 0x010)
    /// POLLNVAL: the descriptor is not open.
    public static let invalid = PollEvents(rawValue: 0x020)

    /// Hang-up, error and invalid descriptor: what a read cannot clear.
    public static let failures = PollEvents(rawValue: 0x038)

    /// Hang-up, error or invalid descriptor: the device cannot make progress by being read again.
    @inlinable public var isFailure: Bool { rawValue & 0x038 != 0 }
}

/// What one wake-up of a source achieved, for the loop: a source that moved nothing leaves the poll
/// set until the next tick, so a descriptor that stays readable cannot make the loop spin.
public enum ServiceOutcome: Sendable, Equatable {
    /// Bytes, frames or events moved between the device and the source's queues (0: an idle wake-up).
    case moved(Int)
    /// The source does not say (it implements only `service(_:)`): the loop treats the wake-up like
    /// an idle one for the poll set (the descriptor waits for the next tick) but does not count it idle.
    case unreported

    public static let idle = ServiceOutcome.moved(0)
}
