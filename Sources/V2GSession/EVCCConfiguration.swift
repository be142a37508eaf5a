import Contracts
import CoreTypes
import V2G

/// How the vehicle side runs a session: what it offers, who it is, how long it waits, and the
/// tolerances a car applies. Built once (it may allocate); the session reads it without copying
/// arrays in its tick.
public struct EVCCConfiguration: Sendable {
    /// The protocols offered in supportedAppProtocolReq, highest priority first (SchemaID and
    /// Priority 1, 2, … as Josev's EVCC numbers them, sdp-v2gtp.md §7.2).
    public var protocols: [V2GProtocol] = [.iso15118_2, .din70121]
    /// EVCCID in SessionSetupReq: the MAC address of the car's PLC interface (DIN 70121 §9.4.1.2.2,
    /// ISO 15118-2 §8.4.3.2.2).
    public var evccID: MACAddress = MACAddress(0x02, 0x00, 0x00, 0x00, 0x00, 0x01)
    /// The EV-side timers of v2g-session.md §1.
    public var timers = EVCCTimers()
    /// The car closes its contactors when the EVSE's present voltage is within this of the
    /// battery (v2g-session.md §2: ADVANTICS EVCC default ±20 V; pyPLC 10 V; the standard's own
    /// value is unverified).
    public var prechargeToleranceVolts: Double = 20
    /// PreChargeReq's EVTargetCurrent: IEC 61851-23 CC.6.1 keeps precharge at ≤ 2 A (§2).
    public var prechargeAmps: Double = 2
    /// WeldingDetectionReq repeats while the EVSE still reports more than this on the cable (the
    /// 60 V a cable counts as safe to touch, IEC 61851-23 via EVerest's CABLECHECK_SAFE_VOLTAGE)…
    public var weldingSafeVolts: Double = 60
    /// … at most this many times, then the car ends with SessionStop anyway.
    public var weldingDetectionRounds: Int = 20
    /// The pause between two CurrentDemandReq after a response (0: the next tick's send; real
    /// cars pace the loop at 50–250 ms).
    public var chargeLoopInterval: Nanoseconds = .zero
    /// ISO 15118-2: send a ChargingProfile (one entry from the chosen SAScheduleTuple's PMax and
    /// the battery's maximum power) in PowerDeliveryReq(Start) [V2G2-293 allows leaving it out].
    public var sendsChargingProfile = true
    /// Scripted quirks for bench peers and field problems (v2g-session.md §3).
    public var quirks = EVCCQuirks()

    public init(protocols: [V2GProtocol] = [.iso15118_2, .din70121]) {
        self.protocols = protocols
    }
}

/// The EV-side timers (v2g-session.md §1), each a row of the table; the defaults are the
/// standards' values as `V2GTimers` names them.
public struct EVCCTimers: Sendable, Equatable {
    /// V2G_EVCC_Msg_Timeout for supportedAppProtocol and most requests: 2 s.
    public var message: Nanoseconds = V2GTimers.evccMessage
    /// ISO 15118-2 long messages (ServiceDetail, PaymentDetails, PowerDelivery): 5 s. DIN's
    /// PowerDelivery uses `message` (2 s).
    public var longMessage: Nanoseconds = V2GTimers.evccLongMessageISO2
    /// CurrentDemandRes: 250 ms in DIN 70121 and ISO 15118-2.
    public var currentDemand: Nanoseconds = V2GTimers.evccCurrentDemand
    /// The Ongoing loops of ContractAuthentication/Authorization and ChargeParameterDiscovery: 60 s.
    public var ongoing: Nanoseconds = V2GTimers.evccOngoing
    /// The CableCheck loop: 40 s.
    public var cableCheck: Nanoseconds = V2GTimers.evccCableCheck
    /// The PreCharge loop: 7 s.
    public var precharge: Nanoseconds = V2GTimers.evccPreCharge
    /// CommunicationSetup: TCP connection → SessionSetupRes, 20 s (EVCC side).
    public var communicationSetup: Nanoseconds = .seconds(20)

    public init() {}
}

/// Deliberate deviations, one per field behaviour a bench needs to reproduce or live with. All off
/// by default: a default EVCC follows the standard.
public struct EVCCQuirks: Sendable, Equatable {
    /// Leave PreCharge after this many rounds even if the voltage never matched (bench peers whose
    /// simulated supply does not follow the target: Josev's SECC answers 1 V throughout and its
    /// EVCC moves on after a few rounds). nil: wait for the match or the 7 s PreCharge timeout.
    public var prechargeRoundsBeforeProceeding: Int? = nil
    /// End the charge loop after this many CurrentDemand rounds whatever the battery says (Josev's
    /// `chargeLoopCycle`; useful against a peer that delivers no real current). nil: the battery decides.
    public var chargeLoopRounds: Int? = nil
    /// Send SessionStopReq right after this step's response instead of continuing (v2g-session.md
    /// §3 #9: an Audi Q4 stops after SessionSetup, a BMW and a Polestar after PreCharge).
    public var sessionStopAfter: V2GRequestKind? = nil

    public init() {}

    /// Against a simulated EVSE that does not follow the car's targets (Josev's SECC: PreChargeRes and
    /// CurrentDemandRes say 1 V / 1 A throughout): leave PreCharge after 6 rounds and the loop after
    /// 10 CurrentDemand rounds, as Josev's EVCC does against it (samples/corpus: PreCharge ×6,
    /// CurrentDemand ×8–9). For `boardctl v2g --role evcc` against Josev; never for a real charger.
    public static var simulatedEVSE: EVCCQuirks {
        var q = EVCCQuirks()
        q.prechargeRoundsBeforeProceeding = 6
        q.chargeLoopRounds = 10
        return q
    }
}
