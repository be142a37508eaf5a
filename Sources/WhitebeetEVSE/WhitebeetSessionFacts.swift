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
