import Contracts
import CoreTypes
import Testing
import WhitebeetEVSE
import WhitebeetHCI

/// `facts.v2g` on a WHITE-beet board, folded from the module's notifications (§11.2, §15.2).
@Suite struct WhitebeetSessionFactsTests {
    static let started = HCINotification.sessionStarted(SessionStarted(protocolCode: V2GProtocolCode.din70121, sessionID: 7,
                                                                       evccID: HCIText("\u{2}\u{0}\u{0}\u{0}\u{0}\u{2}")))
    static func status(_ volts: Double, _ amps: Double) -> HCINotification {
        .dcChargeParametersChanged(EVDCStatus(maximumVoltage: PhysicalValue(450)!, maximumCurrent: PhysicalValue(150)!, maximumPower: nil,
                                              ready: true, soc: 42, targetVoltage: PhysicalValue(volts)!, targetCurrent: PhysicalValue(amps)!,
                                              fullSOC: 100, bulkSOC: 80, chargingComplete: false))
    }

    @Test func aNormalSessionEndsCompleted() {
        var f = WhitebeetSessionFacts()
        let t = MonotonicInstant(nanoseconds: 1_000_000_000)
        var phases: [V2GSessionPhase] = []
        let flow: [HCINotification] = [
            Self.started, .paymentSelected(method: 0), .authorizationRequested(timeoutMilliseconds: 5000),
            .schedulesRequested(timeoutMilliseconds: 5000, maximumEntries: 24), Self.status(0, 0),
            .cableCheckRequested(timeoutMilliseconds: 38_000), .preChargeStarted, Self.status(380, 2),
            .startChargingRequested(StartChargingRequested(timeoutMilliseconds: 5000, scheduleTupleID: 1, profile: FixedList([]))),
            Self.status(420, 100), Self.status(420, 100), Self.status(420, 100),
            .stopChargingRequested(timeoutMilliseconds: 5000, renegotiation: false), .weldingDetectionStarted, .sessionStopped(closure: 0),
        ]
        for n in flow {
            f.note(n, t)
            if phases.last != f.facts.phase { phases.append(f.facts.phase) }
        }
        #expect(phases == [.sessionSetup, .paymentSelection, .authorization, .cableCheck, .precharge, .powerDelivery, .charging,
                           .stopping, .weldingDetection, .ended])
        #expect(f.facts.negotiated == .din70121)
        #expect(f.facts.stopReason == .completed)
        #expect(f.facts.currentDemands == 3)
        #expect(f.facts.evTargetAmps == 100)
        #expect(f.facts.soc == 42)
        #expect(f.facts.isCompleteSession)
        f.reset()
        #expect(f.facts.phase == .idle)
    }

    @Test func aSessionErrorOrAnAbortIsNotCompleted() {
        let t = MonotonicInstant(nanoseconds: 1_000_000_000)
        var stale = WhitebeetSessionFacts()
        stale.note(Self.started, t)
        stale.note(.sessionError(code: 23), t)
        stale.note(.sessionStopped(closure: 0), t)
        #expect(stale.facts.phase == .ended)
        #expect(stale.facts.stopReason == .timeout)

        var restarted = WhitebeetSessionFacts()
        restarted.note(Self.started, t)
        restarted.abort(.linkLost, t)
        restarted.note(.sessionStopped(closure: 0), t)
        #expect(restarted.facts.stopReason == .linkLost)

        // Nothing to end before a session started.
        var idle = WhitebeetSessionFacts()
        idle.abort(.pilotLost, t)
        idle.note(.sessionStopped(closure: 0), t)
        #expect(idle.facts.phase == .idle)
        #expect(idle.facts.stopReason == .none)
    }
}
