import CoreTypes

/// Where a V2G session stands, in the order of the DC EIM sequence (DIN 70121 §9.1, ISO 15118-2
/// §8.8.2 / Figure 107). The phase is the step the last accepted request belongs to.
@frozen
public enum V2GSessionPhase: UInt8, Sendable, Equatable, BitwiseCopyable, CaseIterable, CustomStringConvertible {
    /// No session: waiting for SLAC, SDP or the TCP connection.
    case idle
    /// SDP request/response (sdp-v2gtp.md §6).
    case discovery
    /// supportedAppProtocol (sdp-v2gtp.md §7).
    case handshake
    case sessionSetup
    case serviceDiscovery
    /// ServicePaymentSelection (DIN) / PaymentServiceSelection (ISO-2), with ServiceDetail.
    case paymentSelection
    /// ContractAuthentication (DIN) / Authorization (ISO-2), while the `Authorizer` decides.
    case authorization
    case chargeParameterDiscovery
    case cableCheck
    case precharge
    /// PowerDelivery(start).
    case powerDelivery
    /// The CurrentDemand loop.
    case charging
    /// PowerDelivery(stop).
    case stopping
    case weldingDetection
    case sessionStop
    /// The session is over; `V2GSessionFacts.stopReason` says why.
    case ended

    public var description: String {
        switch self {
        case .idle: "idle"
        case .discovery: "SDP"
        case .handshake: "supportedAppProtocol"
        case .sessionSetup: "SessionSetup"
        case .serviceDiscovery: "ServiceDiscovery"
        case .paymentSelection: "PaymentSelection"
        case .authorization: "Authorization"
        case .chargeParameterDiscovery: "ChargeParameterDiscovery"
        case .cableCheck: "CableCheck"
        case .precharge: "PreCharge"
        case .powerDelivery: "PowerDelivery(start)"
        case .charging: "CurrentDemand"
        case .stopping: "PowerDelivery(stop)"
        case .weldingDetection: "WeldingDetection"
        case .sessionStop: "SessionStop"
        case .ended: "ended"
        }
    }
}

/// Why a V2G session ended. `none` while it runs; `completed` only after SessionStop.
@frozen
public enum V2GStopReason: UInt8, Sendable, Equatable, BitwiseCopyable, CustomStringConvertible {
    case none
    /// SessionStopReq answered OK: the normal end.
    case completed
    /// No common protocol in supportedAppProtocol.
    case noCommonProtocol
    /// A V2G timer expired (v2g-session.md §1: sequence, ongoing, CommunicationSetup, performance).
    case timeout
    /// A request out of order, an unknown session id, or another standard failure response sent.
    case sequenceError
    /// Too many undecodable or oversize messages (dc-plc's decode-error cap).
    case decodeErrors
    /// The TCP connection closed or was reset, or the PLC link was lost.
    case linkLost
    /// The control pilot left B/C/D (A: unplugged; E/F: fault) — IEC 61851-1 §A.
    case pilotLost
    /// The power path reported a fault (its `PowerFault` is in `facts.power`).
    case powerFault
    /// The `Authorizer` rejected the session.
    case authorizationRejected
    /// The charger stopped the session (SIGTERM, operator, safe stop of the composition).
    case evseShutdown
    /// The peer answered with a failure response code (seen from the EVCC).
    case peerFailed

    public var description: String {
        switch self {
        case .none: "none"
        case .completed: "completed"
        case .noCommonProtocol: "no common protocol"
        case .timeout: "timeout"
        case .sequenceError: "sequence error"
        case .decodeErrors: "decode errors"
        case .linkLost: "link lost"
        case .pilotLost: "pilot lost"
        case .powerFault: "power fault"
        case .authorizationRejected: "authorisation rejected"
        case .evseShutdown: "EVSE shutdown"
        case .peerFailed: "peer failed"
        }
    }
}

/// The V2G session as its controller sees it: protocol, phase, the EV's requests and limits, counters.
/// Fixed size, written in place every tick.
///
/// Writer: the SECC (`SECCSession`, or the WHITE-beet driver whose module runs V2G) into
/// `ChargerFacts.v2g`; the EVCC keeps its own copy for the vehicle side. Readers: the session
/// (`chargerd`), monitors, `boardctl v2g`. Timing: published every tick; a phase change is visible
/// in the tick the request that caused it was answered.
@frozen
public struct V2GSessionFacts: Sendable, Equatable, BitwiseCopyable {
    public var phase: V2GSessionPhase = .idle
    /// The protocol agreed in the handshake; nil before.
    public var negotiated: V2GProtocol? = nil
    public var stopReason: V2GStopReason = .none
    /// The power path's fault this session met (with `stopReason` `.powerFault`, or refused at
    /// SessionSetup while the power path is out of service); nil when none.
    public var powerFault: PowerFault? = nil
    /// The session id the SECC gave in SessionSetupRes (8 octets, big-endian), 0 before.
    public var sessionID: UInt64 = 0
    /// The EV's target voltage and current from the last PreCharge/CurrentDemand request.
    public var evTargetVolts: Double = 0
    public var evTargetAmps: Double = 0
    /// The EV's maximum voltage and current from ChargeParameterDiscovery/CurrentDemand.
    public var evMaxVolts: Double = 0
    public var evMaxAmps: Double = 0
    /// State of charge in percent from the EV's status, nil when not sent.
    public var soc: UInt8? = nil
    /// What the EVSE last answered: present voltage and current.
    public var evsePresentVolts: Double = 0
    public var evsePresentAmps: Double = 0
    /// Counters over the session.
    public var requests: UInt32 = 0
    public var responses: UInt32 = 0
    public var currentDemands: UInt32 = 0
    public var decodeErrors: UInt16 = 0
    public var duplicates: UInt16 = 0
    /// When the session began (first byte after the TCP connection) and when it ended.
    public var startedAt: MonotonicInstant = .zero
    public var endedAt: MonotonicInstant = .zero

    public init() {}

    /// True once the session is over (whatever the reason).
    @inlinable public var isFinished: Bool { phase == .ended }
    /// True when the session reached the charge loop and ended with SessionStop.
    @inlinable public var isCompleteSession: Bool { stopReason == .completed && currentDemands > 0 }
}
