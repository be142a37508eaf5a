import Contracts
import CoreTypes
import V2G

/// What a charging point tells the car about itself and how strictly its SECC runs the session:
/// protocols in order of preference, the EVSE id, the DC limits it announces, the SECC timers of
/// v2g-session.md §1 and the robustness caps of dc-plc (reference-systems.md).
public struct SECCConfiguration: Sendable {
    /// Protocols offered in supportedAppProtocol, in the charger's order (sdp-v2gtp.md §7.5).
    public var protocols: [V2GProtocol] = [.iso15118_2, .din70121]
    /// Whose priority decides between several matches (the EV's by default, as Josev and EVerest do).
    public var preference: AppProtocolNegotiation.Preference = .vehicle

    /// ISO 15118-2 EVSEID (string, at most 37 characters: [V2G2-...] "DE*ABC*E123").
    public var evseID = "DE*CKT*E0001"
    /// DIN 70121 EVSEID (hexBinary, at most 32 octets; Josev sends 5 octets).
    public var dinEVSEID: [UInt8] = [0x49, 0xA8, 0x9A, 0x63, 0x60]

    /// The DC output this charging point offers (ChargeParameterDiscoveryRes, CurrentDemandRes).
    public var maxVolts: Double = 500
    public var minVolts: Double = 50
    public var maxAmps: Double = 200
    public var minAmps: Double = 0
    public var maxWatts: Double = 100_000
    /// Below this the output is touch-safe (IEC 61851-23 CC.5.1, 60 V DC): a fault is acknowledged
    /// for the next car only once the output has fallen below it.
    public var safeVoltage: Double = 60
    /// ISO 15118-2 DC_EVSEChargeParameter: regulation tolerance and peak ripple (A).
    public var currentRegulationTolerance: Double = 5
    public var peakCurrentRipple: Double = 5
    /// The single SAScheduleTuple's duration (ISO 15118-2 [V2G2-...]: ≥ 24 h when no tariff).
    public var scheduleSeconds: UInt32 = 86_400

    public var timers = SECCTimers()

    /// The largest V2GTP payload accepted: refused before a byte of it is buffered (EVerest: 8 kB
    /// with the header).
    public var maximumPayload: Int = 8_184
    /// Undecodable requests tolerated in one session before it is ended (dc-plc's decode-error cap).
    public var maximumDecodeErrors: Int = 3
    /// Answer a byte-identical repeat of the last request with the same response bytes, not as a new
    /// request (dc-plc: the car lost our response and sent it again).
    public var resendDuplicates = true

    public init() {}
}

/// The SECC's timers (v2g-session.md §1), each defaulting to the standard's value in `V2GTimers`.
public struct SECCTimers: Sendable {
    /// TCP connection → SessionSetupRes sent (V2G_SECC_CommunicationSetup_Performance_Time, 18 s
    /// [V2G2-716]).
    public var communicationSetup: Nanoseconds = V2GTimers.seccCommunicationSetup
    /// Longest gap between a response and the next request (V2G_SECC_Sequence_Timeout, 60 s [V2G2-443]).
    public var sequence: Nanoseconds = V2GTimers.seccSequence
    /// An Ongoing loop (Authorization, ChargeParameterDiscovery) from its first answer (55 s).
    public var ongoing: Nanoseconds = V2GTimers.seccOngoing
    /// The CableCheck loop from the first CableCheckReq (38 s, ISO 15118-2 Table 111 / DIN Table 77).
    public var cableCheck: Nanoseconds = V2GTimers.seccCableCheck
    /// The PreCharge loop from the first PreChargeReq (5 s, Table 111 as quoted).
    public var preCharge: Nanoseconds = V2GTimers.seccPreCharge
    /// After a power fault, how long the SECC waits for a request to answer with the failure code
    /// before it ends the session anyway (the power path is already safe; the EVCC's own message
    /// timeout is 2 s, v2g-session.md §1).
    public var faultAnswerWindow: Nanoseconds = V2GTimers.evccMessage

    public init() {}
}
