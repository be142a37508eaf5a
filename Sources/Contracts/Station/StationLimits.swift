import CoreTypes

/// What the operator asks of this charging point from outside the loop — a central system over OCPP
/// (SetChargingProfile, ChangeConfiguration, RemoteStopTransaction), later a site's power sharing —
/// as the service plane's bridge publishes it on `ChargerFacts.station`.
@frozen
public struct StationLimits: Sendable, Equatable, BitwiseCopyable {
    /// The output current the power path may deliver, in A (`.infinity`: no limit beyond the supply's
    /// and the vehicle's). OCPP 1.6 §3.13 smart charging: the limit of the charging profile in force.
    public var maxAmps: Double
    /// The operator ended the session (OCPP 1.6 §5.12 RemoteStopTransaction): the SECC answers the
    /// charge loop with EVSE_Shutdown / StopCharging until the car stops (ISO 15118-2 §8.5.4.2).
    public var stopRequested: Bool

    public init(maxAmps: Double = .infinity, stopRequested: Bool = false) {
        self.maxAmps = maxAmps
        self.stopRequested = stopRequested
    }
}
