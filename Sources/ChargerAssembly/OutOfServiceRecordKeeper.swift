import Contracts
import ControlLoop
import CoreTypes
import Glibc

/// Keeps the out-of-service record in step with the power path, so a latch survives a restart
/// (issue 14): the tick the power path latches a fault (`PowerPathStatus.latchedFault`) the record is
/// saved — fault, wall-clock time, V2G session. It is dropped only once a service reset has put the
/// power path back in service *and* the contactors' feedback has read every pole open, with the supply
/// off, for `confirmation` (longer than a contactor's opening timeout, 250 ms by default in
/// `ContactorSupervision`): a pole still welded never reads open, the power path latches it again at
/// its opening timeout, and the record stays.
///
/// Registered after the power path (it reads `facts.power` of the same tick). The store does the disk
/// work off the loop thread; a tick allocates only when it saves or clears (a few times in a
/// charger's life).
public final class OutOfServiceRecordKeeper: TickController {
    public let name = "out-of-service-record"
    let facts: ChargerFacts
    public let store: any OutOfServiceRecordStore
    public let confirmation: Nanoseconds
    let wallClock: () -> Int64
    /// A record is kept (saved by this run, or found at start).
    public private(set) var recorded: Bool
    public private(set) var saves = 0
    public private(set) var clears = 0
    /// Since when the power path has been back in service with the contactors reading open.
    private var repairedSince: MonotonicInstant?

    /// - Parameter recorded: a record was found at start (or one that could not be read): the power
    ///   path was started out of service from it.
    public init(facts: ChargerFacts, store: any OutOfServiceRecordStore, recorded: Bool,
                confirmation: Nanoseconds = .milliseconds(500), wallClock: @escaping () -> Int64 = { Int64(time(nil)) }) {
        self.facts = facts
        self.store = store
        self.recorded = recorded
        self.confirmation = confirmation
        self.wallClock = wallClock
    }

    public func tick(_ context: TickContext) {
        guard facts.power.hasBeenPublished else { return }
        let status = facts.power.value
        if let fault = status.latchedFault {
            repairedSince = nil
            guard !recorded else { return }
            recorded = true
            saves += 1
            store.save(OutOfServiceRecord(fault: fault, since: wallClock(), sessionID: facts.v2g.value.sessionID))
            return
        }
        guard recorded else { return }
        guard status.phase == .idle, status.contactorsOpen, status.supplyOff else {
            repairedSince = nil
            return
        }
        let since = repairedSince ?? context.now
        repairedSince = since
        guard context.now - since >= confirmation else { return }
        recorded = false
        repairedSince = nil
        clears += 1
        store.clear()
    }

    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        SafeStopReport(name, recorded ? ["out of service: record kept for the next start"] : [])
    }
}
