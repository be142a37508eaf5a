import CoreTypes
import V2G

/// What the EVCC reads from one SECC response, whatever the protocol: DIN 70121 and ISO 15118-2 share
/// the numbering of the response codes it tells apart (OK… 0–3, FAILED… from 4), of
/// DC_EVSEStatusCode, IsolationLevel and EVSENotification, so the values are kept raw and named
/// once here. Fixed size; filled in place by `EVCCDINMessages`/`EVCCISO2Messages`.
@frozen
public struct EVSEAnswer: Sendable, Equatable, BitwiseCopyable {
    /// The request this response belongs to (PowerDeliveryRes reads as `.powerDeliveryStart`; the
    /// session knows whether it asked to start or stop). nil: not a response of the DC EIM sequence.
    public var kind: V2GRequestKind? = nil
    /// ResponseCode as its index in the schema's enumeration.
    public var responseCode: UInt8 = 0
    /// EVSEProcessing = Ongoing (ISO 15118-2's Ongoing_WaitingForCustomerInteraction too).
    public var ongoing = false
    /// DC_EVSEStatus.EVSEStatusCode (`EVSEStatusCodes`), `absent` when the response has none.
    public var statusCode: UInt8 = EVSEAnswer.absent
    /// DC_EVSEStatus.EVSEIsolationStatus (`IsolationLevels`), `absent` when not sent.
    public var isolation: UInt8 = EVSEAnswer.absent
    /// DC_EVSEStatus.EVSENotification: 0 None, 1 StopCharging, 2 ReNegotiation.
    public var notification: UInt8 = 0
    /// EVSEPresentVoltage / EVSEPresentCurrent (NaN when the response has none).
    public var presentVolts: Double = .nan
    public var presentAmps: Double = .nan
    /// The EVSE's maximum voltage, current and power (ChargeParameterDiscoveryRes,
    /// CurrentDemandRes), NaN when not sent.
    public var maxVolts: Double = .nan
    public var maxAmps: Double = .nan
    public var maxWatts: Double = .nan
    /// EVSECurrentLimitAchieved / VoltageLimitAchieved / PowerLimitAchieved.
    public var limitAchieved = false
    /// ServiceDiscoveryRes: the charge service's ServiceID and whether ExternalPayment is offered.
    public var chargeServiceID: UInt16 = 1
    public var offersExternalPayment = true
    /// ChargeParameterDiscoveryRes: the first SAScheduleTuple's ID and its first PMax in W
    /// (NaN when the response had no schedule).
    public var scheduleTupleID: UInt8 = 1
    public var scheduleMaxWatts: Double = .nan

    public init() {}

    public static let absent: UInt8 = 0xFF

    /// Any response code from FAILED on (DIN 70121 Table 73, ISO 15118-2 Table 22).
    @inlinable public var isFailure: Bool { responseCode >= 4 }

    /// EVSE_Shutdown, EVSE_EmergencyShutdown or EVSE_Malfunction, or EVSENotification =
    /// StopCharging: the charger wants the loop to end (DIN 70121 §9.5.3.2, ISO 15118-2 §8.5.4.2).
    @inlinable public var evseWantsStop: Bool {
        notification == 1 || statusCode == EVSEStatusCodes.shutdown || statusCode == EVSEStatusCodes.emergencyShutdown
            || statusCode == EVSEStatusCodes.malfunction
    }

    /// An emergency shutdown, a malfunction or an isolation fault: a power fault, not a request.
    @inlinable public var evseFault: Bool {
        statusCode == EVSEStatusCodes.emergencyShutdown || statusCode == EVSEStatusCodes.malfunction
            || isolation == IsolationLevels.fault
    }

    /// After CableCheck "Finished" the car precharges only over a cable the EVSE called Valid (or
    /// Warning, still above the fault threshold; absent where ISO 15118-2 lets the EVSE leave it out).
    @inlinable public var isolationAllowsPrecharge: Bool {
        isolation == IsolationLevels.valid || isolation == IsolationLevels.warning || isolation == EVSEAnswer.absent
    }
}

/// DC_EVSEStatusCode values (the same in DIN 70121 and ISO 15118-2).
public enum EVSEStatusCodes {
    public static let notReady: UInt8 = 0
    public static let ready: UInt8 = 1
    public static let shutdown: UInt8 = 2
    public static let utilityInterruptEvent: UInt8 = 3
    public static let isolationMonitoringActive: UInt8 = 4
    public static let emergencyShutdown: UInt8 = 5
    public static let malfunction: UInt8 = 6
}

/// IsolationLevel values (ISO 15118-2 adds No_IMD = 4).
public enum IsolationLevels {
    public static let invalid: UInt8 = 0
    public static let valid: UInt8 = 1
    public static let warning: UInt8 = 2
    public static let fault: UInt8 = 3
    public static let noIMD: UInt8 = 4
}
