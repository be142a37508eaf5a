import CoreTypes

/// The customer side's settings for one pistol of an ADVANTICS charge-station controller
/// (advantics-can.md §1.3, §1.5, §1.6).
public struct AdvanticsEVSEConfiguration: Sendable {
    /// This pistol's index (ID bits 28..24; config `index`, 1–31).
    public var pistol = 1
    /// `Advantics_Controller_Status` is sent every 100 ms; none for 200 ms → the controller is
    /// defective: stop all power at once (§1.3).
    public var controllerStatusTimeout: Nanoseconds = .milliseconds(200)
    /// `Power_Modules_Status` every 100 ms (§1.5; we send it permanently, which is allowed).
    public var statusPeriod: Nanoseconds = .milliseconds(100)
    /// `DC_Power_Parameters` not faster than every 100 ms (§1.5).
    public var parametersPeriod: Nanoseconds = .milliseconds(100)
    /// The limits advertised in `DC_Power_Parameters` (0 = the controller's configured limit).
    public var maxVolts: Double = 1000
    public var maxChargeAmps: Double = 200
    /// 0: this plant cannot discharge (the DC supply contract has no import mode in use yet).
    public var maxDischargeAmps: Double = 0
    /// Send `Start_Charge_Authorisation = Allowed` (with sequence flags; §1.7 E1).
    public var startChargeAuthorised = true
    /// Answer the CCS external authorisation (state 11) as valid (E3). The `Authorizer` hook is planned.
    public var ccsAuthorisationValid = true

    public init() {}
}
