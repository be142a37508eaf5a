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
public protocol IOSource: AnyObject {
    var name: String { get }
    var pollDescriptor: Int32? { get }
    func service(_ now: MonotonicInstant)
    func pump(_ context: TickContext)
}

extension IOSource {
    public func service(_ now: MonotonicInstant) {}
}
