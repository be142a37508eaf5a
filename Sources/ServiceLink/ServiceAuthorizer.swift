import Contracts
import CoreTypes

/// The `Authorizer` of a charger operated from a central system: a car's request stays `ongoing`
/// (ISO 15118-2 EVSEProcessing=Ongoing) until the service plane answers it — the central system
/// accepted its identifier (OCPP Authorize.conf) or the operator started the session remotely
/// (RemoteStartTransaction) — or `timeout` passes. Loop thread only; fed by `ServiceBridge`.
public final class ServiceAuthorizer: Authorizer {
    private let deferred: DeferredAuthorizer
    /// A remote start waiting for the car: its identifier becomes the session's.
    public private(set) var remoteStart: IdentificationToken?
    /// The identifier the session was accepted under (the remote start's, or the car's own).
    public private(set) var sessionToken: IdentificationToken?

    public init(timeout: Nanoseconds = .seconds(60)) { deferred = DeferredAuthorizer(timeout: timeout) }

    public func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision {
        let d = deferred.authorize(token, now: now)
        if d == .ongoing, let r = remoteStart {
            deferred.decide(token, .accepted)
            sessionToken = r
            remoteStart = nil
            return .accepted
        }
        if d == .accepted, sessionToken == nil { sessionToken = token }
        return d
    }

    public func cancel(_ token: IdentificationToken) { deferred.cancel(token) }

    /// The request the service plane has not been told of yet.
    public func takeRequest() -> IdentificationToken? { deferred.takeRequest() }

    public func decide(_ token: IdentificationToken, _ decision: AuthorizationDecision) {
        if let pending = deferred.pending, pending == token, decision == .accepted { sessionToken = token }
        deferred.decide(token, decision)
    }

    /// A remote start: accept the pending request now, or the next one.
    public func startRemotely(_ token: IdentificationToken) {
        if let pending = deferred.pending {
            deferred.decide(pending, .accepted)
            sessionToken = token
        } else {
            remoteStart = token
        }
    }

    /// The session ended: the next one asks again.
    public func sessionEnded() {
        if let p = deferred.pending { deferred.cancel(p) }
        sessionToken = nil
    }
}
