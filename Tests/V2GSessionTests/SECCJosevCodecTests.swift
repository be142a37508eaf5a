import AppHandshakeJSON
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2JSON
import TestSupport
import Testing
import V2GSession

/// Proof against a codec we did not write: whole sessions in which every request the car sends was
/// encoded by Josev's EXI codec (`exi-ref.py batch`, EXIficient behind Josev), and every answer of our
/// SECC is decoded by it to the same content our codec reads. Runs where the Josev venv exists
/// (JOSEV_VENV, default /var/tmp/chargekit-josev-venv) and `java` is on PATH.
@Suite(.enabled(if: JosevCodec.available, "the Josev venv or java is missing (JOSEV_VENV=\(JosevCodec.venv)): run ../shared/tools/josev/setup.sh"),
       .required("josev-secc"))
struct SECCJosevCodecTests {
    @Test(arguments: [EXISchema.din, .iso2])
    func sessionWithJosevEncodedRequestsAndJosevDecodedAnswers(_ schema: EXISchema) throws {
        // Pass 1, our encoder: learn every request the car sends (deterministic under the manual clock).
        var requests: [String: (EXISchema, JSONValue)] = [:]
        let first = SECCBench()
        let ev1 = ScriptedEV(schema: schema)
        try #require(ev1.corpusFound)
        ev1.chargeLoops = 10
        ev1.encode = { s, json in
            requests["\(s.rawValue) \(json)"] = (s, json)
            return try? EXITool.encode(s, json: json)
        }
        first.run(60_000, ev: { ev1.tick($0) }) { _ in ev1.finished }
        try #require(ev1.step == .done, "\(ev1.flow)")

        // Josev encodes them all, in one JVM.
        let keys = Array(requests.keys)
        let encoded = try JosevCodec.batch(keys.map { k in
            let (s, json) = requests[k]!
            return "{\"schema\":\"\(s.rawValue)\",\"json\":\(json)}"
        })
        var josevBytes: [String: [UInt8]] = [:]
        for (k, item) in zip(keys, encoded) {
            guard case .string(let hex)? = item["exi"], let bytes = Hex.decode(hex) else {
                Issue.record("exi-ref.py did not encode \(k): \(item)")
                continue
            }
            josevBytes[k] = bytes
        }
        try #require(josevBytes.count == keys.count)

        // Pass 2: the same session, every request as Josev's codec made it.
        let bench = SECCBench()
        bench.recordsResponses = true
        let ev = ScriptedEV(schema: schema)
        ev.chargeLoops = 10
        var missing = 0
        ev.encode = { s, json in
            if let b = josevBytes["\(s.rawValue) \(json)"] { return b }
            missing += 1
            return nil
        }
        bench.run(60_000, ev: { ev.tick($0) }) { b in ev.finished && b.secc.session.isFinished }
        #expect(missing == 0)
        #expect(ev.step == .done, "\(ev.flow)")
        #expect(bench.secc.session.stopReason == .completed)
        #expect(bench.secc.session.currentDemands == 10)
        #expect(bench.secc.session.decodeErrors == 0)

        // Josev decodes every answer to what our codec reads.
        let answers = bench.recorded
        let decoded = try JosevCodec.batch(answers.enumerated().map { i, bytes in
            "{\"schema\":\"\(i == 0 ? "app" : schema.rawValue)\",\"hex\":\"\(Hex.encode(bytes))\"}"
        })
        try #require(decoded.count == answers.count)
        for (i, (bytes, item)) in zip(answers, decoded).enumerated() {
            let ours = try EXITool.decode(i == 0 ? .app : schema, bytes: bytes)
            guard let theirs = item["json"] else {
                Issue.record("Josev could not decode answer \(i): \(item)")
                continue
            }
            #expect(ours.sameContent(as: theirs), "answer \(i): \(ours.differences(from: theirs))")
        }
        print("SECC \(schema) with Josev's codec: \(keys.count) distinct requests encoded by Josev, \(answers.count) answers decoded by Josev")
    }
}

enum JosevCodec {
    static var venv: String { ProcessInfo.processInfo.environment["JOSEV_VENV"] ?? "/var/tmp/chargekit-josev-venv" }
    static var python: String { venv + "/bin/python" }
    static var available: Bool { FileManager.default.isExecutableFile(atPath: python) && Subprocess.which("java") != nil }
    static var script: String { SharedFiles.josev.appendingPathComponent("exi-ref.py").path }

    /// `exi-ref.py batch`: one JSON object per line in, the same with "exi" or "json" added out.
    static func batch(_ lines: [String]) throws -> [JSONValue] {
        let input = NSTemporaryDirectory() + "secc-josev-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let out = try Subprocess.run(["/bin/sh", "-c", "\"$0\" \"$1\" batch < \"$2\"", python, script, input], timeout: 300)
        try #require(out.status == 0, "exi-ref.py batch: \(out.stderr.suffix(2000))")
        return try out.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }
}
