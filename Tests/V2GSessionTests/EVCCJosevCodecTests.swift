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

/// Josev's EXI codec (exi-ref.py, EXIficient behind Josev's own classes) on both directions of
/// whole EVCC sessions: it decodes every request our EVCC sent to what our codec reads, and a
/// session replayed with every SECC response encoded by Josev instead of by us runs the same
/// way to SessionStop. Needs the Josev venv (../shared/tools/josev/setup.sh); with JOSEV_REQUIRED=1 a
/// missing venv fails instead of skipping.
@Suite(.enabled(if: EVCCSharedFiles.josevAvailable || EVCCSharedFiles.josevRequired,
                "the Josev venv is missing (JOSEV_VENV=\(EVCCSharedFiles.venv)): run ../shared/tools/josev/setup.sh"),
       .required("josev-evcc"))
struct EVCCJosevCodecTests {
    @Test(arguments: [EXISchema.din, .iso2])
    func josevReadsOurRequestsAndWritesTheAnswers(_ schema: EXISchema) throws {
        var c = EVCCConfiguration(protocols: [schema == .din ? .din70121 : .iso15118_2])
        c.quirks.chargeLoopRounds = 12
        let first = EVCCHarness(schema, configuration: c)
        try first.run()
        #expect(first.evcc.session.stopReason == .completed)

        // One JVM: decode our requests, encode the SECC's answers.
        var lines: [String] = []
        for r in first.secc.requestEXI {
            lines.append(#"{"schema": "\#(r.schema.rawValue)", "hex": "\#(Hex.encode(r.exi).lowercased())"}"#)
        }
        for r in first.secc.responseJSON { lines.append(#"{"schema": "\#(r.schema.rawValue)", "json": \#(r.json)}"#) }
        let input = NSTemporaryDirectory() + "evcc-josev-\(getpid())-\(schema.rawValue).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let script = EVCCSharedFiles.josev.appendingPathComponent("exi-ref.py").path
        let out = try Subprocess.run(["/bin/sh", "-c", "\"$0\" \"$1\" batch < \"$2\"", EVCCSharedFiles.venv + "/bin/python", script, input],
                                     timeout: 300)
        try #require(out.status == 0, "exi-ref.py batch: \(out.stderr.suffix(2000))")
        let results = try out.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        try #require(results.count == lines.count)

        // Our requests as Josev reads them = as we read them.
        let requests = first.secc.requestEXI
        for (i, r) in requests.enumerated() {
            let josev = try #require(results[i]["json"], "Josev: \(results[i]["error"]?.description ?? "no json") for \(r.name)")
            let ours = try EXITool.decode(r.schema, bytes: r.exi)
            #expect(josev.sameContent(as: ours), "\(r.name): \(josev.differences(from: ours))")
        }

        // The same session with Josev's bytes for every answer.
        var josevAnswers: [[UInt8]] = []
        for i in requests.count..<results.count {
            guard case .string(let hex)? = results[i]["exi"], let bytes = Hex.decode(hex) else {
                Issue.record("Josev did not encode answer \(i - requests.count): \(results[i]["error"]?.description ?? "")")
                return
            }
            josevAnswers.append(bytes)
        }
        let second = EVCCHarness(schema, configuration: c)
        var answered = 0
        second.secc.override = { _, _ in
            defer { answered += 1 }
            return answered < josevAnswers.count ? .exi(josevAnswers[answered]) : nil
        }
        try second.run()
        #expect(second.evcc.session.stopReason == .completed)
        #expect(second.evcc.session.currentDemands == 12)
        #expect(second.secc.names == first.secc.names)
        print("EVCC \(schema) with Josev's codec: \(requests.count) requests decoded by Josev, \(josevAnswers.count) answers encoded by Josev")
    }
}
