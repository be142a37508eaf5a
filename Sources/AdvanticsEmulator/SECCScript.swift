import CoreTypes

/// What the scripted ADVANTICS SECC does in a session (advantics-can.md §1.7): the vehicle it stands
/// for, the timings of each step, and how the session ends.
public struct SECCScript: Sendable {
    public enum Stop: Sendable, Equatable {
        /// The vehicle ends the charge after `chargeFor` (E11).
        case vehicle
        /// Nobody stops: the charge lasts until the customer's `User_Stop_Button` (E10) or a fault.
        case customer
    }

    public var pistol = 1
    /// The customer must send `Start_Charge_Authorisation` first (state Not_Available, E1).
    public var useSequenceFlags = true
    /// CCS external authorisation (state 11, E3).
    public var externalAuthorisation = false
    public var communicationProtocol = 2
    public var plugAndPins = 1
    public var plugInAfter: Nanoseconds = .milliseconds(300)
    public var negotiation: Nanoseconds = .milliseconds(300)
    /// Insulation test: test voltage, pass rule (≥ 90 % of it, then ≥ the threshold for N iterations), limit.
    public var testVolts: Double = 500
    public var insulationThresholdKiloohms: Double = 100
    public var insulationIterations = 10
    public var insulationTimeLimit: Nanoseconds = .seconds(30)
    /// The vehicle.
    public var evMaxVolts: Double = 450
    public var evMaxAmps: Double = 150
    public var prechargeAmps: Double = 2
    public var vehicleMatchTolerance: Double = 20
    public var vehicleCloseDelay: Nanoseconds = .milliseconds(50)
    public var chargeVolts: Double = 440
    public var chargeAmps: Double = 100
    /// Range_Mode power transfer with these bounds instead of Target_Mode (bidirectional, §1.8).
    public var rangeMode: (min: Double, max: Double)?
    public var chargeFor: Nanoseconds = .seconds(3)
    public var stop: Stop = .vehicle
    /// How often the vehicle's requests come (DC_Power_Control pacing; CCS: one per request).
    public var requestPeriod: Nanoseconds = .milliseconds(100)
    public var weldingDetection: Nanoseconds = .milliseconds(500)
    public var closing: Nanoseconds = .milliseconds(500)
    /// The controller's `Power_Modules_Status` timeout (SPCC "Charger CAN timeout", §1.3).
    public var modulesTimeout: Nanoseconds = .milliseconds(500)
    /// How long an emergency stop is signalled before the controller re-evaluates and closes.
    public var emergencyHold: Nanoseconds = .seconds(1)

    public init() {}
}
