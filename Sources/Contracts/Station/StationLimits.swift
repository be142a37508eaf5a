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
    /// How many service resets an operator has asked for (`POST /api/service/reset`): a count, so a
    /// level fact still carries each request; the power path resets once per increase
    /// (`PowerPathController`), which clears an out-of-service latch after the repair.
    public var serviceResets: UInt32
    /// How often the bench asked for the next simulated session (`POST /api/bench/start`): a count, not
    /// a flag, so a reader that sees it go up replugs once whatever ticks it missed. Read only by the
    /// `sim` board's simulated car; a real charger has nobody to replug.
    public var benchReplugs: UInt32

    public init(maxAmps: Double = .infinity, stopRequested: Bool = false, serviceResets: UInt32 = 0, benchReplugs: UInt32 = 0) {
        self.maxAmps = maxAmps
        self.stopRequested = stopRequested
        self.serviceResets = serviceResets
        self.benchReplugs = benchReplugs
    }
}
