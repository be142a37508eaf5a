import AppHandshakeJSON
import DIN70121JSON
import EXI
import EXIJSON
import EXITool
import ISO15118_2JSON
import TestSupport
import Testing
import V2GSession

/// Random damage to one SECC answer of a short session (bits flipped, bytes cut or added, in the EXI
/// or in the V2GTP header): whatever arrives, the EVCC ends the session — completed if the damage
/// still decoded to a sensible answer, otherwise with a reason — in bounded manual time, with its
/// contactors open, and never traps. Seed: EVCC_FUZZ_SEED (printed; set it to replay a run).
@Suite struct EVCCFuzzTests {
    @Test func damagedAnswersEndCleanly() throws {
        let seed = FuzzSeed.value("EVCC_FUZZ_SEED", default: FuzzSeed.stable("EVCCFuzzTests"))
        print("EVCCFuzzTests seed \(seed) (EVCC_FUZZ_SEED=\(seed) replays)")
        var random = FuzzRandom(seed: seed)
        var outcomes: [String: Int] = [:]
        for round in 0..<60 {
            let schema: EXISchema = round % 2 == 0 ? .din : .iso2
            let h = EVCCHarness(schema, configuration: EVCCHarness.shortLoop(schema))
            let target = Int.random(in: 0..<30, using: &random)
            let mode = Int.random(in: 0..<4, using: &random)
            let picks: [UInt64] = (0..<8).map { _ in random.next() }
            var answered = 0
            h.secc.override = { [unowned secc = h.secc] name, _ in
                defer { answered += 1 }
                guard answered == target else { return nil }
                let text = answered == 0 ? secc.handshakeAnswer() : secc.respond(name, secc.requests.last!.json)
                guard let json = try? JSONParser.parse(text),
                      var exi = try? EXITool.encode(answered == 0 ? .app : schema, json: json), !exi.isEmpty else { return nil }
                switch mode {
                case 0:  // flip up to three bits
                    for k in 0..<3 { exi[Int(picks[k] % UInt64(exi.count))] ^= UInt8(1 << (picks[k + 3] % 8)) }
                    return .exi(exi)
                case 1:  // cut the end off
                    return .exi(Array(exi.prefix(Int(picks[0] % UInt64(exi.count)))))
                case 2:  // garbage after the message
                    return .exi(exi + (0..<Int(picks[0] % 9 + 1)).map { UInt8(truncatingIfNeeded: picks[1] >> (8 * UInt64($0 % 8))) })
                default:  // a damaged V2GTP header
                    var frame: [UInt8] = [0x01, 0xFE, 0x80, 0x01, 0, 0, 0, UInt8(exi.count)] + exi
                    frame[Int(picks[0] % 8)] ^= UInt8(1 << (picks[1] % 8))
                    return .wire(frame)
                }
            }
            try h.run(for: .seconds(200))
            let s = h.evcc.session
            #expect(s.isFinished, "seed \(seed) round \(round): not finished (\(s.phase))")
            #expect(s.stopReason != .none, "seed \(seed) round \(round)")
            #expect(!h.evcc.contactorsClosed, "seed \(seed) round \(round)")
            outcomes["\(s.stopReason)", default: 0] += 1
        }
        print("EVCCFuzzTests outcomes: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}
