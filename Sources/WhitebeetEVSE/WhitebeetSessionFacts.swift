import Contracts
import CoreTypes
import WhitebeetHCI

/// `facts.v2g` on a WHITE-beet board, folded from the module's V2G-EVSE notifications: the module
/// runs the V2G session itself and tells the host each step (whitebeet-hci.md §11.2, the gen-2 flow
/// of §15.2), so each notification is one of the EV's requests the module answered. The phases
/// follow `V2GSessionPhase` (DIN 70121 §9.1 order); a session ends `completed` on "session stopped"
/// (0x8C) with no session error (0x8E) before it. Fixed-size: folding never allocates.
public struct WhitebeetSessionFacts {
    public private(set) var facts = V2GSessionFacts()
    private var failed: V2GStopReason = .none

    public init() {}

    /// One notification from the module at `now`.
    public mutating func note(_ n: HCINotification, _ now: MonotonicInstant) {
        switch n {
        case .sessionStarted(let s):
            facts = V2GSessionFacts()
            failed = .none
            // §11.2 0x80: protocol 0 = DIN 70121, 1 = ISO 15118-2 [inferred].
            facts.negotiated = s.protocolCode == V2GProtocolCode.din70121 ? .din70121 : .iso15118_2
            facts.sessionID = s.sessionID
            facts.startedAt = now
            step(.sessionSetup)
        case .paymentSelected: step(.paymentSelection)
        case .authorizationRequested: step(.authorization)
        case .energyTransferModeSelected(let p):
            facts.evMaxVolts = p.maximumVoltage.value
            facts.evMaxAmps = p.maximumCurrent.value
            if let dc = p.dc { facts.soc = dc.soc }
            step(.chargeParameterDiscovery)
        case .schedulesRequested: facts.requests &+= 1
        case .dcChargeParametersChanged(let ev):
            facts.evTargetVolts = ev.targetVoltage.value
            facts.evTargetAmps = ev.targetCurrent.value
            facts.evMaxVolts = ev.maximumVoltage.value
            facts.evMaxAmps = ev.maximumCurrent.value
            facts.soc = ev.soc
            // In the charge loop each 0x85 is one CurrentDemandReq the module answered (§15.2 step 24).
            if facts.phase == .powerDelivery || facts.phase == .charging {
                facts.currentDemands &+= 1
                step(.charging)
            } else {
                facts.requests &+= 1
            }
        case .cableCheckRequested: step(.cableCheck)
        case .preChargeStarted: step(.precharge)
        case .startChargingRequested: step(.powerDelivery)
        case .stopChargingRequested: step(.stopping)
        case .weldingDetectionStarted: step(.weldingDetection)
        case .sessionError(let code):
            // §3.6: 23 = the host's live values went stale (a timeout); the others are refusals.
            if failed == .none { failed = code == 23 ? .timeout : .sequenceError }
        case .sessionStopped:
            guard facts.phase != .idle, facts.phase != .ended else { return }
            step(.sessionStop)
            end(failed == .none ? .completed : failed, now)
        default:
            break
        }
    }

    /// One generation-1 parameter request or event (§12.2, the flow of §15.1): each request is one
    /// of the EV's requests the module is answering. Gen-1 has no session-error notification: a
    /// session ends `completed` when it stopped after the post-charge request (welding detection),
    /// otherwise as the host's `abort` said, or `sequenceError` (the module ended it, e.g. at a
    /// time-out the host missed [inferred]).
    public mutating func note(_ g: EVSEGen1Notification, _ now: MonotonicInstant) {
        switch g {
        case .sessionStarted(let s): note(HCINotification.sessionStarted(s), now)
        // The EVSE ID goes into SessionSetupRes (ISO 15118-2 §8.4.3.2).
        case .requestEVSEID: step(.sessionSetup)
        case .requestAuthorization: step(.authorization)
        case .requestSchedules: facts.requests &+= 1
        case .requestDiscoveryChargeParameters(_, let ev):
            if case .dc(let dc) = ev {
                facts.evMaxVolts = dc.maximumVoltage.value
                facts.evMaxAmps = dc.maximumCurrent.value
                facts.soc = dc.soc
            }
            step(.chargeParameterDiscovery)
        case .requestCableCheckStatus: step(.cableCheck)
        case .requestCableCheckParameters(_, let soc):
            facts.soc = soc
            facts.requests &+= 1
        case .requestPreChargeParameters(_, let p):
            facts.evTargetVolts = p.targetVoltage.value
            facts.evTargetAmps = p.targetCurrent.value
            facts.soc = p.soc
            step(.precharge)
        case .requestStartCharging: step(.powerDelivery)
        case .requestChargeLoopParameters(_, let loop):
            if let loop {
                facts.evTargetVolts = loop.targetVoltage.value
                facts.evTargetAmps = loop.targetCurrent.value
                if let v = loop.maximumVoltage { facts.evMaxVolts = v.value }
                if let a = loop.maximumCurrent { facts.evMaxAmps = a.value }
                facts.soc = loop.soc
            }
            facts.currentDemands &+= 1
            step(.charging)
        case .requestStopCharging: step(.stopping)
        case .requestPostChargeParameters(_, let soc):
            facts.soc = soc
            step(.weldingDetection)
        case .sessionStopped:
            guard facts.phase != .idle, facts.phase != .ended else { return }
            if failed == .none, facts.phase != .weldingDetection { failed = .sequenceError }
            step(.sessionStop)
            end(failed == .none ? .completed : failed, now)
        }
    }

    /// The host ends the session without the module saying so (module restart, unplug, rejected
    /// authorisation, the power path's fault).
    public mutating func abort(_ reason: V2GStopReason, _ now: MonotonicInstant) {
        guard facts.phase != .idle, facts.phase != .ended else { return }
        if failed == .none { failed = reason }
        end(failed, now)
    }

    /// The car is gone (pilot A): ready for the next session.
    public mutating func reset() {
        if facts.phase == .ended || facts.phase == .idle {
            facts.phase = .idle
        }
    }

    /// The live values the host pushed to the module (0x63): what the EV sees as present.
    public mutating func present(volts: Double, amps: Double) {
        facts.evsePresentVolts = volts
        facts.evsePresentAmps = amps
    }

    private mutating func step(_ phase: V2GSessionPhase) {
        facts.phase = phase
        facts.requests &+= 1
        facts.responses &+= 1
    }

    private mutating func end(_ reason: V2GStopReason, _ now: MonotonicInstant) {
        facts.phase = .ended
        facts.stopReason = reason
        facts.endedAt = now
    }
}
