import Contracts
import CoreTypes
import EXITool
import PowerPlantSim
import Testing
import V2GSession

/// Whole DC EIM sessions, in process: the SECC composed with the power path and the simulated plant
/// under the manual clock, a scripted car sending Josev's request shapes encoded by our codec.
@Suite struct SECCSessionTests {
    static let protocols: [EXISchema] = [.din, .iso2]

    @Test(arguments: protocols)
    func wholeSessionReachesTheChargeLoopAndEndsSafe(_ schema: EXISchema) throws {
        let bench = SECCBench()
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound, "Josev's corpus not found under ../shared/tools/josev/samples/corpus")
        var sawCharging = false
        let done = bench.run(60_000, ev: { ev.tick($0) }) { b in
            if b.facts.power.value.phase == .charging { sawCharging = true }
            return ev.finished && b.secc.session.isFinished
        }
        #expect(done, "session did not finish: \(ev.flow)")
        #expect(ev.step == .done, "\(ev.flow)")
        let s = bench.secc.session
        #expect(s.stopReason == .completed)
        #expect(s.isCompleteSession)
        #expect(s.negotiated == (schema == .din ? .din70121 : .iso15118_2))
        #expect(s.currentDemands == UInt32(ev.chargeLoops))
        #expect(s.decodeErrors == 0 && s.duplicates == 0)
        #expect(s.requests == s.responses)
        #expect(sawCharging)
        // The current followed the car's request (25 A/s ramp, 4 s of CurrentDemand at 50 A).
        #expect(bench.peakAmps > 0.9 * ev.targetAmps, "peak \(bench.peakAmps) A")
        #expect(bench.secc.closeRequested)
        // The power path ends safe: back to idle, supply off, contactors open.
        bench.run(3_000) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.facts.power.value.phase == .idle)
        #expect(bench.powerIsSafe)
        #expect(bench.facts.v2g.value.phase == .ended)
        let names = ev.exchanges.map(\.answer)
        let expected = schema == .din
            ? ["supportedAppProtocolRes", "SessionSetupRes", "ServiceDiscoveryRes", "ServicePaymentSelectionRes",
               "ContractAuthenticationRes", "ChargeParameterDiscoveryRes", "CableCheckRes"]
            : ["supportedAppProtocolRes", "SessionSetupRes", "ServiceDiscoveryRes", "ServiceDetailRes",
               "PaymentServiceSelectionRes", "AuthorizationRes", "ChargeParameterDiscoveryRes", "CableCheckRes"]
        #expect(Array(names.prefix(expected.count)) == expected)
        #expect(names.last == "SessionStopRes")
        print("SECC \(schema) session: \(ev.exchanges.count) exchanges, \(s.currentDemands) CurrentDemand, peak \(Int(bench.peakAmps)) A, ended at tick \(bench.tick)")
    }

    @Test(arguments: protocols)
    func authorizationOngoingThenAccepted(_ schema: EXISchema) throws {
        let authorizer = ScriptedAuthorizer(ongoingFor: 3)
        let bench = SECCBench(authorizer: authorizer)
        let ev = ScriptedEV(schema: schema)
        ev.chargeLoops = 2
        try #require(ev.corpusFound)
        bench.run(60_000, ev: { ev.tick($0) }) { _ in ev.finished }
        #expect(ev.step == .done, "\(ev.flow)")
        let auth = ev.exchanges.filter { $0.answer == (schema == .din ? "ContractAuthenticationRes" : "AuthorizationRes") }
        #expect(auth.count == 4)
        #expect(authorizer.asked == 4)
    }

    @Test(arguments: protocols)
    func authorizationRejectedEndsTheSession(_ schema: EXISchema) throws {
        let bench = SECCBench(authorizer: ScriptedAuthorizer(reject: true))
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        bench.run(20_000, ev: { ev.tick($0) }) { _ in ev.finished }
        #expect(ev.step == .failed)
        #expect(ev.exchanges.last?.code == "FAILED")
        #expect(bench.secc.session.stopReason == .authorizationRejected)
        #expect(bench.secc.closeRequested)
        #expect(bench.powerIsSafe)
    }
}

/// An authorizer that answers `ongoing` a few times, then accepts (or rejects).
final class ScriptedAuthorizer: Authorizer {
    var ongoingFor: Int
    let reject: Bool
    private(set) var asked = 0
    private(set) var cancelled = 0

    init(ongoingFor: Int = 0, reject: Bool = false) {
        self.ongoingFor = ongoingFor
        self.reject = reject
    }

    func authorize(_ token: IdentificationToken, now: MonotonicInstant) -> AuthorizationDecision {
        asked += 1
        if asked <= ongoingFor { return .ongoing }
        return reject ? .rejected(.unknown) : .accepted
    }

    func cancel(_ token: IdentificationToken) { cancelled += 1 }
}
