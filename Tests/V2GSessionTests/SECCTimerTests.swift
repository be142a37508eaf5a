import Contracts
import CoreTypes
import EXITool
import PowerPlantSim
import Testing
import V2GSession

/// Every SECC timer of v2g-session.md §1 under the manual clock: the loops (Ongoing, CableCheck,
/// PreCharge) answer the car's next request FAILED and end with `timeout`; CommunicationSetup and the
/// sequence timeout end the session and ask for the close; the power path is safe afterwards.
@Suite struct SECCTimerTests {
    @Test func communicationSetupTimesOutWithoutSessionSetup() {
        let bench = SECCBench()
        bench.run(17_900) { _ in false }
        #expect(bench.secc.session.phase == .handshake)
        bench.run(200) { $0.secc.session.isFinished }
        #expect(bench.secc.session.stopReason == .timeout)
        #expect(bench.secc.expiredTimer == .communicationSetup)
        #expect(bench.secc.closeRequested)
        #expect(bench.powerIsSafe)
    }

    @Test func sequenceTimeoutAfterSessionSetup() throws {
        let (bench, _) = try SECCNegativeTests.session(.din, upTo: .sessionSetup)
        bench.run(59_900) { _ in false }
        #expect(bench.secc.session.phase == .sessionSetup)
        bench.run(200) { $0.secc.session.isFinished }
        #expect(bench.secc.expiredTimer == .sequence)
        #expect(bench.secc.session.stopReason == .timeout)
    }

    @Test(arguments: [EXISchema.din, .iso2])
    func ongoingAuthorizationTimesOut(_ schema: EXISchema) throws {
        let authorizer = ScriptedAuthorizer(ongoingFor: .max)
        let bench = SECCBench(authorizer: authorizer)
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        bench.run(70_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        let last = try #require(ev.lastAnswer)
        #expect(last.name == (schema == .din ? "ContractAuthenticationRes" : "AuthorizationRes"))
        #expect(last.responseCode == "FAILED")
        #expect(bench.secc.expiredTimer == .ongoing)
        #expect(bench.secc.session.stopReason == .timeout)
        // 55 s of Ongoing answers, one every 100 ms.
        #expect(authorizer.asked > 500 && authorizer.asked < 560, "\(authorizer.asked)")
        #expect(authorizer.cancelled == 1)
    }

    @Test(arguments: [EXISchema.din, .iso2])
    func cableCheckLoopTimesOut(_ schema: EXISchema) throws {
        var configuration = SECCConfiguration()
        configuration.timers.cableCheck = .seconds(1)  // shorter than the simulated IMD's 2 s self-test
        let bench = SECCBench(configuration: configuration)
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        bench.run(20_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        let last = try #require(ev.lastAnswer)
        #expect(last.name == "CableCheckRes")
        #expect(last.responseCode == "FAILED")
        #expect(bench.secc.expiredTimer == .cableCheck)
        #expect(bench.secc.session.stopReason == .timeout)
        bench.run(10_000) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.powerIsSafe)
    }

    @Test(arguments: [EXISchema.din, .iso2])
    func preChargeLoopTimesOut(_ schema: EXISchema) throws {
        var configuration = SECCConfiguration()
        configuration.timers.preCharge = .milliseconds(100)  // 370 V at 1000 V/s takes longer
        let bench = SECCBench(configuration: configuration)
        let ev = ScriptedEV(schema: schema)
        try #require(ev.corpusFound)
        bench.run(60_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        let last = try #require(ev.lastAnswer)
        #expect(last.name == "PreChargeRes")
        #expect(last.responseCode == "FAILED")
        #expect(bench.secc.expiredTimer == .preCharge)
        #expect(bench.secc.session.stopReason == .timeout)
        bench.run(10_000) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.powerIsSafe)
    }

    @Test func powerFaultWithASilentCarEndsAfterTheAnswerWindow() throws {
        let (bench, _) = try SECCNegativeTests.session(.iso2, upTo: .currentDemand)
        bench.plant.inject(.supplyTrips)
        bench.run(100) { _ in false }
        #expect(bench.facts.power.value.outcome == .failed(.supplyTrip))
        #expect(bench.secc.session.phase == .charging)
        bench.run(2_100) { $0.secc.session.isFinished }
        #expect(bench.secc.session.stopReason == .powerFault)
        #expect(bench.secc.expiredTimer == nil)
        #expect(bench.plant.supply.readback.isOff)
    }
}
