import AppHandshakeJSON
import Contracts
import CoreTypes
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2JSON
import Testing
import V2GSession

/// The SECC against the exact bytes Josev's EVCC sent in its recorded sessions
/// (../shared/tools/josev/samples/corpus, DIN 70121 and ISO 15118-2 DC): each request in its recorded
/// order, composed with the power path on the simulated plant. The SECC hands out the recorded
/// SessionID, so the recorded headers are right. The car repeats a request while the answer says
/// Ongoing, and the last PreChargeReq until the inlet is within 20 V of its target, as Josev's EVCC does.
@Suite struct SECCCorpusTests {
    struct Recording: Sendable, CustomTestStringConvertible {
        let file: String
        let schema: EXISchema
        let sessionID: UInt64
        var testDescription: String { file }
    }

    static let recordings = [
        Recording(file: "din-session.jsonl", schema: .din, sessionID: 0x06AE_3BFF_1644_07EF),
        Recording(file: "iso2-dc-session.jsonl", schema: .iso2, sessionID: 0x4A2F_34FB_3D3A_E9A0),
    ]

    @Test(arguments: recordings)
    func recordedRequestsMakeAWholeSession(_ r: Recording) throws {
        let sent = SharedFiles.corpus(r.file).filter { $0.direction == "sent" }
        try #require(sent.count > 20, "Josev's corpus not found under ../shared/tools/josev/samples/corpus")
        let bench = SECCBench(sessionID: r.sessionID)
        let answers = try Self.replay(sent.map { ($0.message, $0.exi, $0.json) }, schema: r.schema, bench: bench)
        let codes = answers.map(\.code)
        #expect(codes.allSatisfy { $0 == "OK" || $0.hasPrefix("OK_") }, "\(answers)")
        #expect(answers.last?.name == "SessionStopRes")
        #expect(bench.secc.session.stopReason == .completed)
        #expect(bench.secc.session.isCompleteSession)
        #expect(bench.secc.session.decodeErrors == 0)
        #expect(answers.filter { $0.name == "CurrentDemandRes" }.count == sent.filter { $0.message == "CurrentDemandReq" }.count)
        bench.run(5_000) { $0.facts.power.value.phase == .idle && $0.powerIsSafe }
        #expect(bench.powerIsSafe)
        print("SECC against Josev's recorded \(r.schema) requests: \(answers.count) answers, flow \(answers.map(\.name).joined(separator: " "))")
    }

    /// Sends each request, repeating as the car would; returns the answers (name, code).
    static func replay(_ requests: [(name: String, bytes: [UInt8], json: JSONValue)], schema: EXISchema,
                       bench: SECCBench) throws -> [(name: String, code: String)] {
        var answers: [(name: String, code: String)] = []
        var i = 0
        var pending = false
        var sendAt = bench.now
        var guardTicks = 0
        while i < requests.count, guardTicks < 120_000 {
            guardTicks += 1
            bench.step()
            for payload in bench.responses() {
                pending = false
                let a = try #require(Answer(schema: requests[i].name == "supportedAppProtocolReq" ? .app : schema, bytes: payload))
                answers.append((a.name, a.responseCode))
                if a.responseCode.hasPrefix("FAILED") { return answers }
                var again = a.ongoing
                let name = requests[i].name
                if name == "PreChargeReq", i + 1 < requests.count, requests[i + 1].name != "PreChargeReq" {
                    let body = requests[i].json["V2G_Message"]?["Body"]?["PreChargeReq"]
                    let target = body.flatMap { Answer.physical($0["EVTargetVoltage"]) } ?? 0
                    again = abs((a.physical("EVSEPresentVoltage") ?? 0) - target) > 20
                }
                if !again { i += 1 }
                sendAt = bench.now + (again || name == "CurrentDemandReq" || name == "WeldingDetectionReq" ? .milliseconds(100) : .milliseconds(5))
            }
            if !pending, i < requests.count, bench.now >= sendAt {
                bench.send(requests[i].bytes)
                pending = true
            }
        }
        return answers
    }
}

extension Answer {
    /// A PhysicalValue JSON object as a number.
    static func physical(_ p: JSONValue?) -> Double? {
        guard let p, case .number(let v)? = p["Value"], case .number(let m)? = p["Multiplier"],
              let value = Double(v), let mult = Double(m) else { return nil }
        return value * pow(10, mult)
    }
}
