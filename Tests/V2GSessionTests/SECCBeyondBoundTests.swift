import EXI
import EXIJSON
import EXITool
import Foundation
import Testing
import V2GSession

/// A valid request with a list longer than the SECC's storage (DIN 70121 leaves ProfileEntry unbounded; the codec
/// holds 24, generator README "Bounds") is answered FAILED in its own type and the session ends, instead of a
/// counted decode error and a car left to time out (issue 15). The request is Josev's encoding
/// (Tests/EXITests/Bounds/make-bounds.py).
@Suite struct SECCBeyondBoundTests {
    /// Josev's bytes of the bounds vector whose description contains `bound`.
    static func josevBytes(_ bound: String) -> [UInt8]? {
        let url = EVCCSharedFiles.packageRoot.appendingPathComponent("Tests/EXITests/Bounds/bounds.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONParser.parse(String(line)), case .string(let b)? = obj["bound"], b.contains(bound),
                  case .string(let hex)? = obj["exi"] else { continue }
            return Hex.decode(hex)
        }
        return nil
    }

    @Test func dinPowerDeliveryBeyondOurProfileCapIsAnsweredFailed() throws {
        let bytes = try #require(Self.josevBytes("25 profile entries (beyond our cap"))
        let (bench, _) = try SECCNegativeTests.session(.din, upTo: .sessionSetup)
        bench.send(bytes)
        let a = try #require(SECCNegativeTests.answer(bench, .din))
        #expect(a.name == "PowerDeliveryRes")
        #expect(a.responseCode == "FAILED")
        #expect(bench.secc.answeredBeyondBound == 1)
        #expect(bench.secc.session.decodeErrors == 0)
        #expect(bench.secc.session.stopReason == .sequenceError)
        #expect(bench.secc.closeRequested)
        #expect(bench.powerIsSafe)
    }
}
