import Contracts
import CoreTypes

/// The plant's output contactors (plus and minus poles with auxiliary contacts) behind the
/// `DCContactors` contract: a pole follows its coil after the closing or opening time, unless a fault
/// holds it; `ContactorSupervision` judges the feedback as a real driver does.
public final class SimulatedContactors: DCContactors {
    public private(set) var coilClosed = false
    public private(set) var coilChangedAt: MonotonicInstant = .zero
    public internal(set) var plusClosed = false
    public internal(set) var minusClosed = false
    var supervision: ContactorSupervision
    let closeTime: Nanoseconds
    let openTime: Nanoseconds
    /// When the last open command came (for the tests' timing table).
    public private(set) var openCommandedAt: MonotonicInstant?

    init(_ p: PlantParameters) {
        supervision = ContactorSupervision(closeTimeout: p.contactorCloseTimeout, openTimeout: p.contactorOpenTimeout)
        closeTime = p.contactorCloseTime
        openTime = p.contactorOpenTime
    }

    public func close(_ now: MonotonicInstant) {
        if !coilClosed { coilChangedAt = now }
        coilClosed = true
        supervision.command(closed: true, now)
    }

    public func open(_ now: MonotonicInstant) {
        if coilClosed { coilChangedAt = now }
        if coilClosed || openCommandedAt == nil { openCommandedAt = now }
        coilClosed = false
        supervision.command(closed: false, now)
    }

    public var status: ContactorStatus { supervision.status }

    /// Both poles conduct.
    public var conducting: Bool { plusClosed && minusClosed }

    /// Moves the poles after their mechanical times, then judges the feedback.
    func step(_ now: MonotonicInstant, welded: Bool, stuckOpen: Bool) {
        let settled = now - coilChangedAt >= (coilClosed ? closeTime : openTime)
        if settled {
            plusClosed = coilClosed
            minusClosed = coilClosed
        }
        if welded { plusClosed = true }
        if stuckOpen { minusClosed = false }
        supervision.evaluate(plusClosed: plusClosed, minusClosed: minusClosed, now)
    }
}
