import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Foundation
import Testing

/// A welded charger contactor in the session's record: the summary names the power fault and that
/// the charger is out of service, also when the weld shows only after SessionStop (the contactors
/// open after the session's end), and the report's JSON and SVG title carry both.
@Suite struct SessionRecorderFaultTests {
    @Test func aWeldAfterTheSessionsEndIsInItsSummaryAndReport() throws {
        let facts = ChargerFacts()
        let recorder = SessionRecorder(facts: facts)
        var t = MonotonicInstant(nanoseconds: 1_000_000_000)
        var index: UInt64 = 0
        func tick(_ phase: V2GSessionPhase, _ power: PowerPathStatus, stop: V2GStopReason = .none) {
            let context = TickContext(now: t, index: index, period: .milliseconds(1))
            var s = V2GSessionFacts()
            s.phase = phase
            s.negotiated = .din70121
            s.stopReason = stop
            facts.v2g.publish(s, context)
            facts.power.publish(power, context)
            recorder.tick(context)
            t = t + .milliseconds(1)
            index += 1
        }
        for phase in [V2GSessionPhase.handshake, .sessionSetup, .cableCheck, .charging, .stopping, .sessionStop] {
            tick(phase, PowerPathStatus(phase: .stopping, outcome: .running))
        }
        tick(.ended, PowerPathStatus(phase: .stopping, outcome: .running), stop: .completed)
        let atEnd = try #require(recorder.last)
        #expect(atEnd.stopReason == .completed && atEnd.powerFault == nil && atEnd.outOfService == nil)
        // 250 ms later the contactors' feedback still says closed: the power path latches the weld.
        for _ in 0..<250 { tick(.ended, PowerPathStatus(phase: .stopping, outcome: .running), stop: .completed) }
        tick(.ended, PowerPathStatus(phase: .safeStop, outcome: .failed(.contactorWelded), latchedFault: .contactorWelded),
             stop: .completed)
        let last = try #require(recorder.last)
        #expect(recorder.finished == 1)
        #expect(last.stopReason == .completed)
        #expect(last.powerFault == .contactorWelded)
        #expect(last.outOfService == .contactorWelded)

        let report = SessionReport(station: "test", evseID: "DE*CKT*E1", number: 1, summary: last, samples: [],
                                   phases: [], sampleInterval: .milliseconds(1))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(json["power_fault"] as? String == "contactor welded")
        #expect(json["out_of_service"] as? String == "contactor welded")
        #expect(report.svg().contains("OUT OF SERVICE"))

        // The next car's session, refused at SessionSetup, starts a new summary that says so too.
        tick(.handshake, PowerPathStatus(phase: .safeStop, outcome: .failed(.contactorWelded), latchedFault: .contactorWelded))
        tick(.sessionSetup, PowerPathStatus(phase: .safeStop, outcome: .failed(.contactorWelded), latchedFault: .contactorWelded))
        tick(.ended, PowerPathStatus(phase: .safeStop, outcome: .failed(.contactorWelded), latchedFault: .contactorWelded),
             stop: .powerFault)
        let refused = try #require(recorder.last)
        #expect(recorder.finished == 2)
        #expect(refused.stopReason == .powerFault && refused.outOfService == .contactorWelded)
    }
}
