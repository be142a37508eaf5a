import ControlLoop
import CoreTypes

/// The facts the charger's controllers exchange, one board per charging point: each field has exactly
/// one writer (named in its doc comment) and any number of readers. Controllers get the board at
/// composition time and never hold a reference to each other.
///
/// Order in the tick (the loop's registration order, fixed by the composition): control pilot →
/// SLAC → V2G → session → power path. A fact written earlier in that order is read in the same
/// tick; one written later is read one tick old (`Published`). Everything here is fixed-size and
/// written in place: publishing never allocates (the malloc-count test covers the whole composition).
///
/// The board is touched by the loop's thread only. The service plane (OCPP, HTTP; planned) will read
/// snapshots and post commands through fixed-capacity queues, never write here directly.
public final class ChargerFacts {
    /// The control pilot as IEC 61851-1 sees it. Writer: `ControlPilot` (or the WHITE-beet/ADVANTICS
    /// driver when the module or controller owns the CP line). Readers: SLAC (starts on B/C/D, stops on
    /// A/E/F), the session, the power path (a pilot fault during energy transfer is an emergency stop).
    /// Timing: published every tick; a confirmed state change is visible the tick it is confirmed.
    public var pilot = Published(PilotFacts())

    /// The power-line link (ISO 15118-3). Writer: `SlacMatcher` (or the WHITE-beet driver, whose module
    /// runs SLAC). Readers: V2G (SDP starts on `matched`), the session, monitors. Timing: published
    /// every tick; `matched` appears in the tick the CM_SLAC_MATCH.CNF was queued.
    public var plcLink = Published(PLCLinkState.unmatched)

    /// The authorisation of the current session. Writer: the way of reaching the car that consults the
    /// `Authorizer` (our SECC, the WHITE-beet driver, the ADVANTICS driver). Readers: the session,
    /// monitors. Timing: `ongoing` while the authorizer has not decided; the decision is published in
    /// the tick the authorizer returns it.
    public var authorization = Published(AuthorizationState.idle)

    /// The step the power path is asked for (cable check, precharge to V, charge at V/I within the EV's
    /// limits, stop, welding check). Writer: the way of reaching the car — our SECC, the WHITE-beet
    /// driver or the ADVANTICS driver. Reader: the power path. Timing: published every tick, by a
    /// controller registered before the power path; a request older than one tick while power is on
    /// is a fault (`PowerFault.requestSilent`).
    public var powerRequest = Published(PowerRequest())

    /// The DC power path's status: phase, progress, outcome with its typed fault, measured V/I.
    /// Writer: `PowerPathController`. Readers: the requester above, the session, monitors. Timing:
    /// published every tick; a fault is published in the tick it is detected, the tick the supply is
    /// switched off and the contactors are commanded open.
    public var power = Published(PowerPathStatus())

    /// The V2G session: protocol, phase, the EV's targets and limits, stop reason, counters. Writer: our
    /// SECC (`SECCSession`) or the WHITE-beet driver. Readers: the session (`chargerd`), monitors,
    /// `boardctl v2g`. Timing: published every tick; a phase change is visible in the tick its
    /// request was answered.
    public var v2g = Published(V2GSessionFacts())

    /// What the operator asks of this point (current limit, remote stop; on the bench, a replug of the
    /// sim car). Writer: the service plane's
    /// `ServiceBridge`, from the commands it drains. Readers: the power path (clamps the current), the
    /// SECC (ends the charge loop on a remote stop). Timing: published every tick while the bridge is
    /// registered (before the power path); never published without a service plane (no limit).
    public var station = Published(StationLimits())

    // Planned: `session`, the whole charging session's facts (main-job issue).

    public init() {}
}
