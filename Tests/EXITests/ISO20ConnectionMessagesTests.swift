import EXI
import EXIJSON
import Foundation
import ISO15118_2
import ISO15118_20
import MallocCounting
import Testing

/// The ISO-20 SECC's per-connection storage (issue 15): requests with lists at their schema maxOccurs decode
/// into the kept messages and list arena with no allocation, and a charge loop leaves the arena untouched.
@Suite(.serialized) struct ISO20ConnectionMessagesTests {
    /// Josev-made ISO-20 common messages at a schema bound (Tests/EXITests/Bounds, make-bounds.py).
    static func schemaBoundVectors() -> [(String, [UInt8])] {
        BoundsTests.entries.filter { $0.schema == "iso20-common" && $0.bound.contains("schema bound") }
            .compactMap { e in Hex.decode(e.exi).map { ("\(e.message) (\(e.bound))", $0) } }
    }

    @Test func maxOccursRequestsDecodeWithoutAllocating() throws {
        let vectors = Self.schemaBoundVectors()
        #expect(vectors.count >= 5)  // ServiceDetailRes, AuthorizationSetupRes, PowerDeliveryReq, ScheduleExchangeReq/Res
        let results = try BigStack.run { () throws -> [(String, Int, Int, Int)] in
            let store = ISO20ConnectionMessages()
            var out: [(String, Int, Int, Int)] = []
            out.reserveCapacity(vectors.count)
            for (name, bytes) in vectors {
                try store.decodeCommon(bytes.span.bytes)  // warm-up: lazy metadata
                let mallocs = try MallocCounter.count {
                    for _ in 0..<10 { try store.decodeCommon(bytes.span.bytes) }
                }
                var profile = -1
                if case .PowerDeliveryReq(let r) = store.common { profile = r.EVPowerProfile?.EVPowerProfileEntries.EVPowerProfileEntry.count ?? 0 }
                out.append((name, mallocs, store.listArena.used, profile))
            }
            return out
        }
        for (name, mallocs, used, profile) in results {
            print("ISO-20 decode into the connection's storage: \(name): \(mallocs) mallocs in 10, list arena \(used) of \(ISO15118_20ListArena.worstCaseBytes) bytes")
            #expect(mallocs == 0, "\(name)")
            #expect(used > 0 && used <= ISO15118_20ListArena.exactWorstCaseBytes, "\(name)")
            if name.hasPrefix("PowerDeliveryReq") { #expect(profile == 2048) }
        }
    }

    /// The charge loop (and a change of type into it) touches no arena page and allocates nothing.
    @Test func chargeLoopLeavesTheArenaUntouched() throws {
        let loop = try #require(Self.corpusHex("DC_ChargeLoopReq"))
        let precharge = try #require(Self.corpusHex("DC_PreChargeReq"))
        let (mallocs, highWater, isLoop) = try BigStack.run { () throws -> (Int, Int, Bool) in
            let store = ISO20ConnectionMessages()
            try store.decodeDC(precharge.span.bytes)
            try store.decodeDC(loop.span.bytes)
            let mallocs = try MallocCounter.count {
                for _ in 0..<10 {
                    try store.decodeDC(precharge.span.bytes)
                    try store.decodeDC(loop.span.bytes)
                }
            }
            guard case .DC_ChargeLoopReq = store.dc else { return (mallocs, store.listArena.highWater, false) }
            return (mallocs, store.listArena.highWater, true)
        }
        #expect(mallocs == 0)
        #expect(highWater == 0)
        #expect(isLoop)
    }

    /// Headroom over the generated table (issue 15: the ISO-2 table had none), never below it.
    @Test func worstCasesHaveHeadroom() {
        print("list arena worst case with headroom: ISO2 \(ISO15118_2ListArena.exactWorstCaseBytes) -> \(ISO15118_2ListArena.worstCaseBytes), ISO20 \(ISO15118_20ListArena.exactWorstCaseBytes) -> \(ISO15118_20ListArena.worstCaseBytes) bytes")
        #expect(ISO15118_2ListArena.worstCaseBytes >= ISO15118_2ListArena.exactWorstCaseBytes + ISO15118_2ListArena.exactWorstCaseBytes / 16)
        #expect(ISO15118_20ListArena.worstCaseBytes >= ISO15118_20ListArena.exactWorstCaseBytes + ISO15118_20ListArena.exactWorstCaseBytes / 16)
        #expect(ISO15118_20ListArena.worstCaseBytes % 16 == 0)
    }

    static func corpusHex(_ message: String) -> [UInt8]? {
        let url = SharedFiles.shared.appendingPathComponent("tools/josev/samples/corpus/iso20-dc-session.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONParser.parse(String(line)), case .string(let m)? = obj["message"], m == message,
                  case .string(let hex)? = obj["exi"] else { continue }
            return Hex.decode(hex)
        }
        return nil
    }
}
