import Contracts
import CoreTypes

/// What the service plane asks of the loop (drained by `ServiceBridge` at most `drainPerTick` per tick).
/// Fixed size: an identifier travels inline (`IdentificationToken`).
@frozen
public enum ServiceCommand: Sendable, Equatable, BitwiseCopyable {
    /// Hold the output current at or below this many A (`.infinity`: lift the limit). OCPP 1.6
    /// SetChargingProfile / ClearChargingProfile, ChangeConfiguration of the target-current key.
    case currentLimit(Double)
    /// The operator started a session for this identifier (OCPP RemoteStartTransaction, after the
    /// central system accepted it): the next authorisation the car asks for is accepted.
    case remoteStart(IdentificationToken)
    /// End the session (OCPP RemoteStopTransaction).
    case remoteStop
    /// The central system's answer for an identifier the loop asked about (OCPP Authorize.conf).
    case authorization(IdentificationToken, AuthorizationDecision)
    /// Forget a remote stop once the session is over (a new session may start).
    case clearStop
    /// This charger's share of the site's budget, in A (site power sharing over MQTT, issue 20 item 5).
    /// Kept apart from `currentLimit`: the power path takes the lower of the two.
    case siteLimit(Double)
    /// A technician's service reset after repairing what put the charger out of service (a welded
    /// contactor): the power path clears its latch and checks the contactors afresh
    /// (`StationLimits.serviceResets`, `PowerPathController.serviceReset`).
    case serviceReset
    /// The bench asked for the next simulated session (`POST /api/bench/start`, sim board only): the
    /// simulated car unplugs, if it has not, and plugs in again. Counted into `StationLimits.benchReplugs`.
    case benchReplug
}

/// What the loop tells the service plane besides snapshots: events that must not be lost between two
/// snapshots.
@frozen
public enum ServiceEvent: Sendable, Equatable, BitwiseCopyable {
    /// A way of reaching the car asked the authorizer about this identifier and awaits the answer.
    case authorizationRequested(IdentificationToken)
    /// A command was applied (acknowledgement for the tests and logs).
    case applied(ServiceCommand)
}
