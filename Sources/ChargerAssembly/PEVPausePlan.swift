import AdvanticsCAN
import AdvanticsPEV
import ControlLoop
import CoreTypes

/// The bench vehicle's pause (advantics-can.md §2.7-D7): `after` into charging the vehicle asks the
/// ADVANTICS controller to pause (`Charge_Pause_Request`), and `pausedFor` into the pause to resume
/// (`Charge_Resume_Request`), once per session. What a driver pressing "pause" in the car does; the
/// role refuses a pause where the spec does not allow one (before charging, AC, DIN 70121), and the
/// plan then simply waits.
public struct PEVPausePlan: Sendable, Equatable {
    public var after: Nanoseconds
    public var pausedFor: Nanoseconds
    public init(after: Nanoseconds, pausedFor: Nanoseconds) {
        self.after = after
        self.pausedFor = pausedFor
    }
}

/// Plays a `PEVPausePlan` on the PEV role: a simulator of the vehicle's user, composed beside the role
/// on simulated boards only. Allocation-free per tick.
final class PEVPausePlayer: TickController {
    let name = "pev-pause-plan"
    private let pev: AdvanticsPEV
    private let plan: PEVPausePlan
    private var stageSince: MonotonicInstant?
    private var lastStage: CommunicationStage?
    private var pausedThisSession = false
    private var resumedThisSession = false

    init(pev: AdvanticsPEV, plan: PEVPausePlan) {
        self.pev = pev
        self.plan = plan
    }

    func tick(_ context: TickContext) {
        let now = context.now
        let stage = pev.stage
        if stage != lastStage {
            lastStage = stage
            stageSince = now
            if stage == .waitingForEVSE { pausedThisSession = false; resumedThisSession = false }
        }
        guard let since = stageSince else { return }
        if stage == .charging, !pausedThisSession, now - since >= plan.after, pev.requestPause() {
            pausedThisSession = true
        } else if stage == .chargePause, pausedThisSession, !resumedThisSession, now - since >= plan.pausedFor, pev.requestResume() {
            resumedThisSession = true
        }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
