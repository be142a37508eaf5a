import Contracts
import V2G

/// The order of a DC EIM session from the car's side (DIN 70121 §9.1 Figure 5 / ISO 15118-2 Figure
/// 107): which request follows a response. Pure: it sees the answer, the battery's demand and the
/// configuration, never time or bytes; the timers are `EVCCSession`'s.
///
/// SessionSetup → ServiceDiscovery → ServicePaymentSelection/PaymentServiceSelection →
/// ContractAuthentication/Authorization (again while Ongoing) → ChargeParameterDiscovery (again while
/// Ongoing) → CableCheck (again while Ongoing) → PreCharge (until the EVSE's present voltage is
/// within tolerance of the battery) → PowerDelivery(Start) → CurrentDemand (until the battery or
/// the EVSE ends it) → PowerDelivery(Stop) → WeldingDetection (until the cable is below the safe
/// voltage) → SessionStop. ServiceDetail is skipped: an EIM DC session needs no value-added
/// service (ISO 15118-2 §8.4.3.4 makes it optional).
public struct EVCCSequence: Sendable, Equatable {
    /// What to do after a response.
    public enum Next: Sendable, Equatable {
        case send(V2GRequestKind)
        /// The session is over: a clean SessionStop (`completed`, or the reason the car stopped
        /// early for) or a failure.
        case end(V2GStopReason)
    }

    public private(set) var prechargeRounds = 0
    public private(set) var chargeLoopRounds = 0
    public private(set) var weldingRounds = 0
    /// The reason SessionStop will end with: `completed`, or why the car left the charge loop
    /// early (the EVSE stopped, a power fault).
    public private(set) var stopReason: V2GStopReason = .completed

    public init() {}

    /// The step after `answer`, the response to `sent`.
    /// - Parameters:
    ///   - batteryVolts: the voltage behind the car's contactors (precharge target).
    ///   - demand: the battery's demand now (the charge loop ends when it says complete).
    public mutating func next(after answer: EVSEAnswer, sent: V2GRequestKind, batteryVolts: Double,
                              demand: EVChargeDemand, configuration: EVCCConfiguration) -> Next {
        guard let kind = answer.kind, kind == sent || (kind == .powerDeliveryStart && sent == .powerDeliveryStop) else {
            // A response to another request: the SECC is out of step (the EVCC sends one request at
            // a time, DIN 70121 [V2G-DC-…]/ISO 15118-2 [V2G2-536]).
            return .end(.sequenceError)
        }
        if answer.isFailure { return .end(.peerFailed) }
        if sent == .sessionStop { return .end(stopReason) }
        if let early = configuration.quirks.sessionStopAfter, early == sent { return .send(.sessionStop) }
        switch sent {
        case .sessionSetup: return .send(.serviceDiscovery)
        case .serviceDiscovery:
            // EIM needs ExternalPayment (DIN 70121 §9.4.1.3, ISO 15118-2 [V2G2-425]).
            return answer.offersExternalPayment ? .send(.paymentServiceSelection) : .end(.peerFailed)
        case .serviceDetail: return .send(.paymentServiceSelection)
        case .paymentServiceSelection: return .send(.authorization)
        case .authorization: return .send(answer.ongoing ? .authorization : .chargeParameterDiscovery)
        case .chargeParameterDiscovery: return .send(answer.ongoing ? .chargeParameterDiscovery : .cableCheck)
        case .cableCheck:
            if answer.ongoing { return .send(.cableCheck) }
            guard answer.isolationAllowsPrecharge else {
                // No precharge over a cable the EVSE did not call safe: end with SessionStop.
                stopReason = .powerFault
                return .send(.sessionStop)
            }
            return .send(.preCharge)
        case .preCharge:
            prechargeRounds += 1
            if answer.evseFault {
                stopReason = .powerFault
                return .send(.sessionStop)
            }
            let matched = !answer.presentVolts.isNaN
                && abs(answer.presentVolts - batteryVolts) <= configuration.prechargeToleranceVolts
            if matched { return .send(.powerDeliveryStart) }
            if let rounds = configuration.quirks.prechargeRoundsBeforeProceeding, prechargeRounds >= rounds {
                return .send(.powerDeliveryStart)
            }
            return .send(.preCharge)
        case .powerDeliveryStart: return .send(.currentDemand)
        case .currentDemand:
            chargeLoopRounds += 1
            if answer.evseFault {
                stopReason = .powerFault
                return .send(.powerDeliveryStop)
            }
            if answer.evseWantsStop {
                stopReason = .evseShutdown
                return .send(.powerDeliveryStop)
            }
            if demand.complete { return .send(.powerDeliveryStop) }
            if let rounds = configuration.quirks.chargeLoopRounds, chargeLoopRounds >= rounds { return .send(.powerDeliveryStop) }
            return .send(.currentDemand)
        case .powerDeliveryStop: return .send(.weldingDetection)
        case .weldingDetection:
            weldingRounds += 1
            let stillLive = answer.presentVolts.isNaN || answer.presentVolts > configuration.weldingSafeVolts
            if stillLive, weldingRounds < configuration.weldingDetectionRounds { return .send(.weldingDetection) }
            return .send(.sessionStop)
        case .sessionStop, .paymentDetails, .chargingStatus, .meteringReceipt, .certificateInstallation, .certificateUpdate:
            return .end(.sequenceError)
        }
    }
}
