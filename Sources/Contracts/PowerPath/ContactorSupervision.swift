import CoreTypes

/// The contactor contract's timing rule, shared by every implementation (GPIO driver, ESP32 helper,
/// simulated plant): compare the auxiliary contacts with the command once per tick and name what
/// they contradict — `didNotClose` after the closing timeout, `welded` after the opening timeout (or
/// when a pole closes by itself), `droppedOut` when a closed pole opens while commanded closed.
/// Allocation-free; the fault latches until the next command.
@frozen
public struct ContactorSupervision: Sendable {
    /// From a close command until both poles must report closed (the contactor's closing time plus
    /// margin; from its datasheet, so configurable per board).
    public var closeTimeout: Nanoseconds
    /// From an open command until both poles must report open.
    public var openTimeout: Nanoseconds
    public private(set) var status = ContactorStatus()
    @usableFromInline var commandAt: MonotonicInstant = .zero

    public init(closeTimeout: Nanoseconds = .milliseconds(250), openTimeout: Nanoseconds = .milliseconds(250)) {
        self.closeTimeout = closeTimeout
        self.openTimeout = openTimeout
    }

    @inlinable var hasFault: Bool {
        if case .some = status.fault { return true }
        return false
    }

    /// Records a command (clears a latched fault: a new command is a new attempt).
    @_noAllocation @_noLocks
    public mutating func command(closed: Bool, _ now: MonotonicInstant) {
        guard closed != status.commandedClosed || hasFault else { return }
        status.commandedClosed = closed
        status.fault = nil
        commandAt = now
        let moving: ContactorPosition = closed ? .closing : .opening
        if place(status.position) != (closed ? 2 : 0) {
            status.position = moving
            status.since = now
        }
    }

    /// Evaluates the auxiliary contacts (true = that pole's contact reports closed).
    @_noAllocation @_noLocks
    public mutating func evaluate(plusClosed: Bool, minusClosed: Bool, _ now: MonotonicInstant) {
        let allClosed = plusClosed && minusClosed
        let allOpen = !plusClosed && !minusClosed
        var position = status.position
        if status.commandedClosed {
            if allClosed {
                position = .closed
            } else if place(position) == 2 {
                status.fault = .droppedOut
                position = .open
            } else if !hasFault, (now - commandAt).count >= closeTimeout.count {
                status.fault = .didNotClose
                position = allOpen ? .open : .closing
            }
        } else {
            if allOpen {
                position = .open
            } else if place(position) == 0 {
                status.fault = .welded
                position = .closed
            } else if !hasFault, (now - commandAt).count >= openTimeout.count {
                status.fault = .welded
                position = allClosed ? .closed : .opening
            }
        }
        if place(position) != place(status.position) {
            status.position = position
            status.since = now
        }
    }

    /// The coil or a feedback line failed (a GPIO error): the contactors' state is unknown.
    @_noAllocation @_noLocks
    public mutating func ioFailed(_ now: MonotonicInstant) {
        status.fault = .ioFailed
    }
}

// `@_noAllocation` code may only call bodies it can see, and a debug build compiles each file on its
// own: the case positions the checked functions compare live here.
@inline(__always)
private func place(_ p: ContactorPosition) -> Int {
    switch p {
    case .open: 0
    case .closing: 1
    case .closed: 2
    case .opening: 3
    }
}
