import CoreTypes

/// Where the output contactors are, as their auxiliary contacts say.
@frozen
public enum ContactorPosition: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case open
    /// Commanded closed, feedback not yet closed (within the closing time).
    case closing
    case closed
    /// Commanded open, feedback not yet open (within the opening time).
    case opening

    @inlinable public var ordinal: Int {
        switch self {
        case .open: 0
        case .closing: 1
        case .closed: 2
        case .opening: 3
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .open: "open"
        case .closing: "closing"
        case .closed: "closed"
        case .opening: "opening"
        }
    }
}

/// What the auxiliary contacts contradict.
@frozen
public enum ContactorFault: Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    /// Commanded closed, feedback still open after the closing timeout.
    case didNotClose
    /// Commanded open, feedback still closed after the opening timeout (or closed by itself): welded.
    case welded
    /// Closed, then the feedback opened while still commanded closed (coil supply lost, contact dropped).
    case droppedOut
    /// The coil or the feedback line cannot be driven or read.
    case ioFailed

    @inlinable public var ordinal: Int {
        switch self {
        case .didNotClose: 0
        case .welded: 1
        case .droppedOut: 2
        case .ioFailed: 3
        }
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.ordinal == b.ordinal }

    public var description: String {
        switch self {
        case .didNotClose: "contactor did not close"
        case .welded: "contactor welded (feedback closed while commanded open)"
        case .droppedOut: "contactor dropped out (feedback open while commanded closed)"
        case .ioFailed: "contactor coil or feedback line failed"
        }
    }
}

/// The contactors' state as the driver last evaluated it.
@frozen
public struct ContactorStatus: Sendable, Equatable, BitwiseCopyable {
    public var commandedClosed: Bool
    public var position: ContactorPosition
    /// Latched until the next command.
    public var fault: ContactorFault?
    /// When `position` last changed.
    public var since: MonotonicInstant

    public init(commandedClosed: Bool = false, position: ContactorPosition = .open, fault: ContactorFault? = nil,
                since: MonotonicInstant = .zero) {
        self.commandedClosed = commandedClosed
        self.position = position
        self.fault = fault
        self.since = since
    }

    /// Feedback confirms every pole open.
    @inlinable public var isOpen: Bool { position.ordinal == 0 }
    /// Feedback confirms every pole closed.
    @inlinable public var isClosed: Bool { position.ordinal == 2 }
}

/// The DC output contactors (plus and minus) with auxiliary-contact feedback: GPIO coils and inputs
/// on a Pi board, the ESP32 helper's `contactor.set`, or the simulated plant.
///
/// Contract: `close`/`open` act at once (an open command never waits for the next tick) and never
/// allocate; the driver compares feedback with the command every tick and reports `didNotClose`,
/// `welded` or `droppedOut` after its closing/opening timeout. The caller opens only when the current
/// is safe (`DCSupplyReadback.isOff`), except in an emergency shutdown.
public protocol DCContactors: AnyObject {
    func close(_ now: MonotonicInstant)
    func open(_ now: MonotonicInstant)
    var status: ContactorStatus { get }
}
