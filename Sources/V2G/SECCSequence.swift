/// Which request may come next in a DC session with external identification (EIM), SECC side:
/// DIN 70121 and ISO 15118-2 share the order (v2g-session.md §1 "Out-of-sequence request":
/// the SECC answers the received request type with FAILED_SequenceError and then closes
/// [V2G2-459, -538, -539]; after any FAILED only SessionStopReq may follow).
///
/// Tolerances on purpose, each for a field problem of v2g-session.md §3:
/// - the request just answered may come again (the car lost our response: dc-plc's resend of a
///   duplicate, answered again rather than failed);
/// - SessionStop is accepted at any point after SessionSetup (#9: an Audi Q4 stops right after
///   SessionSetup, a BMW and a Polestar right after PreCharge; #10: SessionStop after CableCheck
///   refused with SequenceError by a strict SECC);
/// - PowerDelivery(stop) is accepted from PreCharge as well as from the charge loop (#9: cars that
///   stop before the current flows);
/// - ServiceDetail may repeat between ServiceDiscovery and PaymentServiceSelection (ISO 15118-2).
public struct SECCSequence: Sendable, Equatable {
    public enum Step: UInt8, Sendable, Equatable, BitwiseCopyable {
        case awaitingSessionSetup
        case awaitingServiceDiscovery
        case awaitingPaymentSelection
        case awaitingAuthorization
        case awaitingChargeParameters
        case awaitingCableCheck
        case awaitingPreCharge
        case charging
        case awaitingWeldingOrStop
        case stopped
        /// A FAILED response was sent: only SessionStop may follow.
        case failed
    }

    public private(set) var step: Step = .awaitingSessionSetup
    /// The last request accepted (repeats of it are accepted again).
    public private(set) var last: V2GRequestKind?

    public init() {}

    /// The verdict on an incoming request.
    public enum Verdict: Sendable, Equatable {
        case accept
        /// Answer with FAILED_SequenceError, then close.
        case sequenceError
    }

    /// Checks `kind` against the sequence and, when accepted, moves on. `ongoing` tells whether the
    /// answer to this request will say EVSEProcessing=Ongoing (then the same request is expected
    /// again and the step does not advance).
    public mutating func accept(_ kind: V2GRequestKind) -> Verdict {
        if kind == .sessionStop, step != .awaitingSessionSetup, step != .stopped {
            step = .stopped
            last = kind
            return .accept
        }
        if step == .failed || step == .stopped { return .sequenceError }
        let next: Step?
        switch (step, kind) {
        case (.awaitingSessionSetup, .sessionSetup): next = .awaitingServiceDiscovery
        case (.awaitingServiceDiscovery, .serviceDiscovery): next = .awaitingPaymentSelection
        case (.awaitingPaymentSelection, .serviceDetail): next = .awaitingPaymentSelection
        case (.awaitingPaymentSelection, .paymentServiceSelection): next = .awaitingAuthorization
        case (.awaitingAuthorization, .authorization): next = .awaitingChargeParameters
        case (.awaitingChargeParameters, .chargeParameterDiscovery): next = .awaitingCableCheck
        case (.awaitingCableCheck, .cableCheck): next = .awaitingPreCharge
        case (.awaitingPreCharge, .preCharge): next = .awaitingPreCharge
        case (.awaitingPreCharge, .powerDeliveryStart): next = .charging
        case (.awaitingPreCharge, .powerDeliveryStop): next = .awaitingWeldingOrStop
        case (.charging, .currentDemand): next = .charging
        case (.charging, .powerDeliveryStop): next = .awaitingWeldingOrStop
        case (.awaitingWeldingOrStop, .weldingDetection): next = .awaitingWeldingOrStop
        default: next = nil
        }
        guard let next else {
            // A duplicate of the request just answered is answered again (SessionSetup only right
            // after its own answer).
            if let last, kind == last, kind != .sessionSetup || step == .awaitingServiceDiscovery { return .accept }
            step = .failed
            return .sequenceError
        }
        // Ongoing answers keep the step (the same request comes again); the steps that loop by nature
        // (authorization, parameters, cable check) advance only on the request after "Finished".
        step = next
        last = kind
        return .accept
    }

    /// An Ongoing answer: the same request is expected again, not the next one. Call after
    /// `accept` for Authorization, ChargeParameterDiscovery and CableCheck answered with Ongoing.
    public mutating func stayForOngoing() {
        switch last {
        case .authorization?: step = .awaitingAuthorization
        case .chargeParameterDiscovery?: step = .awaitingChargeParameters
        case .cableCheck?: step = .awaitingCableCheck
        default: break
        }
    }

    /// A FAILED response was sent for another reason (unknown session, a fault): only SessionStop
    /// may follow.
    public mutating func failed() { step = .failed }
}
