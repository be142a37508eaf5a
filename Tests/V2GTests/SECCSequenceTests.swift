import Testing
import V2G

/// The DC EIM order of DIN 70121 / ISO 15118-2 and the tolerances SECCSequence documents.
@Suite struct SECCSequenceTests {
    static let happy: [V2GRequestKind] = [
        .sessionSetup, .serviceDiscovery, .paymentServiceSelection, .authorization, .chargeParameterDiscovery,
        .cableCheck, .preCharge, .preCharge, .powerDeliveryStart, .currentDemand, .currentDemand, .powerDeliveryStop,
        .weldingDetection, .weldingDetection, .sessionStop,
    ]

    @Test func aWholeSessionIsAccepted() {
        var s = SECCSequence()
        for k in Self.happy { #expect(s.accept(k) == .accept, "\(k) at \(s.step)") }
        #expect(s.step == .stopped)
        #expect(s.accept(.currentDemand) == .sequenceError)
    }

    @Test func ongoingLoopsRepeatTheSameRequest() {
        var s = SECCSequence()
        for k: V2GRequestKind in [.sessionSetup, .serviceDiscovery, .paymentServiceSelection] { _ = s.accept(k) }
        for _ in 0..<3 {
            #expect(s.accept(.authorization) == .accept)
            s.stayForOngoing()
        }
        #expect(s.accept(.chargeParameterDiscovery) == .sequenceError, "not before Authorization finished")
    }

    @Test func finishedAuthorizationMovesOn() {
        var s = SECCSequence()
        for k: V2GRequestKind in [.sessionSetup, .serviceDiscovery, .serviceDetail, .serviceDetail, .paymentServiceSelection,
                                  .authorization, .chargeParameterDiscovery] {
            #expect(s.accept(k) == .accept, "\(k)")
        }
        s.stayForOngoing()
        #expect(s.accept(.chargeParameterDiscovery) == .accept)
        #expect(s.accept(.cableCheck) == .accept)
    }

    /// Out of order: FAILED_SequenceError, and then only SessionStop.
    @Test(arguments: [
        [V2GRequestKind.serviceDiscovery],
        [.sessionSetup, .chargeParameterDiscovery],
        [.sessionSetup, .serviceDiscovery, .paymentServiceSelection, .authorization, .chargeParameterDiscovery, .currentDemand],
        [.sessionSetup, .serviceDiscovery, .paymentServiceSelection, .authorization, .chargeParameterDiscovery, .cableCheck,
         .preCharge, .weldingDetection],
    ])
    func outOfOrderFails(_ requests: [V2GRequestKind]) {
        var s = SECCSequence()
        for k in requests.dropLast() { #expect(s.accept(k) == .accept) }
        #expect(s.accept(requests.last!) == .sequenceError)
        #expect(s.step == .failed)
        #expect(s.accept(.currentDemand) == .sequenceError)
        #expect(s.accept(.sessionStop) == .accept)
    }

    /// v2g-session.md §3 #9/#10: cars that stop early.
    @Test func earlyStopsAreAccepted() {
        var afterSetup = SECCSequence()
        _ = afterSetup.accept(.sessionSetup)
        #expect(afterSetup.accept(.sessionStop) == .accept)

        var afterPreCharge = SECCSequence()
        for k: V2GRequestKind in [.sessionSetup, .serviceDiscovery, .paymentServiceSelection, .authorization,
                                  .chargeParameterDiscovery, .cableCheck, .preCharge] { _ = afterPreCharge.accept(k) }
        #expect(afterPreCharge.accept(.powerDeliveryStop) == .accept)
        #expect(afterPreCharge.accept(.sessionStop) == .accept)

        var beforeSetup = SECCSequence()
        #expect(beforeSetup.accept(.sessionStop) == .sequenceError)
    }

    /// The car lost our answer and sends the same request again: answered again.
    @Test func duplicatesAreAnsweredAgain() {
        var s = SECCSequence()
        #expect(s.accept(.sessionSetup) == .accept)
        #expect(s.accept(.sessionSetup) == .accept)
        #expect(s.accept(.serviceDiscovery) == .accept)
        #expect(s.accept(.serviceDiscovery) == .accept)
        #expect(s.accept(.sessionSetup) == .sequenceError)
    }
}
