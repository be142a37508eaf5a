import V2G

/// One request as the SECC's session logic needs it, whatever the protocol: the codec adapters
/// (`SECCDINMessages`, `SECCISO2Messages`) fill it from the decoded message, so the sequence, the
/// timers and the power path are written once for DIN 70121 and ISO 15118-2. Fixed size.
public struct SECCRequest: Sendable, Equatable, BitwiseCopyable {
    public var kind: V2GRequestKind = .sessionSetup
    /// MessageHeader.SessionID as a number (0 = none).
    public var sessionID: UInt64 = 0
    /// SessionSetupReq.EVCCID (the EV's MAC in DIN/ISO-2), right-aligned.
    public var evccID: UInt64 = 0
    /// DC_EVStatus: ready, an error code other than NO_ERROR, state of charge.
    public var evReady = true
    public var evError = false
    public var soc: Int8 = -1
    /// EVTargetVoltage/Current (PreCharge, CurrentDemand).
    public var targetVolts: Double = 0
    public var targetAmps: Double = 0
    /// EV maxima (ChargeParameterDiscovery; CurrentDemand when present, else 0).
    public var maxVolts: Double = 0
    public var maxAmps: Double = 0
    public var maxWatts: Double = 0
    public var chargingComplete = false
    /// ChargeParameterDiscovery: a DC energy transfer was requested with DC parameters.
    public var requestsDC = true
    /// Payment selection: ExternalPayment chosen, and the charge service (ID 1) among the selected.
    public var externalPayment = true
    public var selectsChargeService = true
    /// ServiceDetailReq.ServiceID.
    public var serviceID: UInt16 = 0
    /// ISO 15118-2 PowerDeliveryReq ChargeProgress=Renegotiate (not offered here).
    public var renegotiate = false

    public init() {}
}

/// The response codes the SECC uses, named once; each adapter maps them to its schema's enumeration
/// (DIN has no FAILED_ContactorError: it sends FAILED).
@frozen
public enum SECCResponseCode: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case ok
    case newSessionEstablished
    case oldSessionJoined
    case failed
    case sequenceError
    case unknownSession
    case serviceIDInvalid
    case serviceSelectionInvalid
    case paymentSelectionInvalid
    case wrongChargeParameter
    case wrongEnergyTransferMode
    case powerDeliveryNotApplied
    case contactorError

    @inlinable public var isFailure: Bool { rawValue >= SECCResponseCode.failed.rawValue }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .newSessionEstablished: "OK_NewSessionEstablished"
        case .oldSessionJoined: "OK_OldSessionJoined"
        case .failed: "FAILED"
        case .sequenceError: "FAILED_SequenceError"
        case .unknownSession: "FAILED_UnknownSession"
        case .serviceIDInvalid: "FAILED_ServiceIDInvalid"
        case .serviceSelectionInvalid: "FAILED_ServiceSelectionInvalid"
        case .paymentSelectionInvalid: "FAILED_PaymentSelectionInvalid"
        case .wrongChargeParameter: "FAILED_WrongChargeParameter"
        case .wrongEnergyTransferMode: "FAILED_WrongEnergyTransferMode"
        case .powerDeliveryNotApplied: "FAILED_PowerDeliveryNotApplied"
        case .contactorError: "FAILED_ContactorError"
        }
    }
}

/// DC_EVSEStatus.EVSEStatusCode as the SECC uses it (DIN 70121 / ISO 15118-2 DC_EVSEStatusCodeType).
@frozen
public enum SECCStatusCode: UInt8, Sendable, Equatable, BitwiseCopyable {
    case notReady, ready, shutdown, isolationMonitoringActive, emergencyShutdown, malfunction
}

/// DC_EVSEStatus.EVSEIsolationStatus (IsolationLevelType).
@frozen
public enum SECCIsolation: UInt8, Sendable, Equatable, BitwiseCopyable {
    case invalid, valid, warning, fault
}

/// Everything the adapters need to encode the answer to one request. Fixed size.
public struct SECCAnswer: Sendable, Equatable, BitwiseCopyable {
    public var kind: V2GRequestKind = .sessionSetup
    public var code: SECCResponseCode = .ok
    public var sessionID: UInt64 = 0
    /// EVSEProcessing: true = Ongoing.
    public var ongoing = false
    public var status: SECCStatusCode = .ready
    /// nil: the element is left out.
    public var isolation: SECCIsolation? = nil
    /// EVSENotification StopCharging (ISO 15118-2; DIN always None [V2G-DC-500]).
    public var stopCharging = false
    public var presentVolts: Double = 0
    public var presentAmps: Double = 0
    public var currentLimitAchieved = false
    public var voltageLimitAchieved = false
    public var powerLimitAchieved = false
    /// The echoed ServiceDetailReq.ServiceID.
    public var serviceID: UInt16 = 0
    /// Seconds since the Unix epoch for DateTimeNow / EVSETimeStamp (nil: left out).
    public var timestamp: Int64? = nil

    public init() {}
}

/// PhysicalValueType's Value × 10^Multiplier with a 16-bit Value: the smallest multiplier in −3…3
/// that holds `x` (so 400.5 V is 4005 × 10^−1), rounding to that resolution.
@usableFromInline let powersOfTen: InlineArray<7, Double> = [0.001, 0.01, 0.1, 1, 10, 100, 1000]

@inlinable
func physical(_ x: Double) -> (value: Int16, multiplier: Int8) {
    // Whole numbers with multiplier 0 (as Josev sends them), others in tenths; larger ones scaled up.
    var m = x == x.rounded() ? 3 : 2
    while m < 7 {
        let scaled = (x / powersOfTen[m]).rounded()
        if scaled >= -32768, scaled <= 32767 { return (Int16(scaled), Int8(m - 3)) }
        m += 1
    }
    return (x < 0 ? Int16.min : Int16.max, 3)
}

@inlinable
func number(value: Int16, multiplier: Int8) -> Double {
    let m = Int(multiplier) + 3
    if m >= 0, m < 7 { return Double(value) * powersOfTen[m] }
    var v = Double(value)
    var k = Int(multiplier)
    while k > 0 { v *= 10; k -= 1 }
    while k < 0 { v /= 10; k += 1 }
    return v
}
