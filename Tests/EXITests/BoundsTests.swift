import EXI
import EXIJSON
import EXITool
import Foundation
import ISO15118_2
import MallocCounting
import Testing

/// Messages at every bound of the schemas (issue 15: 20-octet and longer X509SerialNumbers, strings of
/// maxLength non-ASCII characters, lists at maxOccurs), made by Josev's codec with
/// Tests/EXITests/Bounds/make-bounds.py: ours decodes Josev's bytes to Josev's JSON, and encodes that JSON
/// to Josev's bytes.
@Suite struct BoundsTests {
    struct Entry: CustomTestStringConvertible, Sendable {
        let line: Int
        let schema: String
        let message: String
        let bound: String
        let json: String
        let exi: String
        var testDescription: String { "\(line) \(schema) \(message): \(bound)" }
        /// A list the schema leaves unbounded, beyond the cap we keep (DIN 70121; generator README, Bounds).
        var beyondOurCap: Bool { bound.contains("beyond our cap") }
    }

    static let entries: [Entry] = {
        let url = SharedFiles.packageRoot.appendingPathComponent("Tests/EXITests/Bounds/bounds.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        func str(_ v: JSONValue?) -> String {
            if case .string(let s)? = v { return s }
            return ""
        }
        return text.split(separator: "\n").enumerated().compactMap { i, line -> Entry? in
            guard let obj = try? JSONParser.parse(String(line)), let json = obj["json"] else { return nil }
            return Entry(line: i + 1, schema: str(obj["schema"]), message: str(obj["message"]),
                         bound: str(obj["bound"]), json: json.description, exi: str(obj["exi"]))
        }
    }()

    @Test func everyBoundHasAVector() {
        let bounds = Self.entries.map(\.bound).joined(separator: "\n")
        #expect(bounds.contains("serials of 20 to 32 octets"))
        #expect(bounds.contains("160 German characters"))
        #expect(bounds.contains("1024 PMax and 1024 sales tariff entries (schema bound"))
        #expect(bounds.contains("2048 power profile entries"))
        #expect(bounds.contains("255 parameter sets"))
        // the issue's examples: one past the inline part of each long list
        #expect(bounds.contains("25 PMax and 25 sales tariff entries"))
        #expect(bounds.contains("25 power profile entries"))
        #expect(bounds.contains("17 providers"))
        #expect(bounds.contains("9 parameter sets"))
        #expect(bounds.contains("9 price rule stacks"))
    }

    /// Josev's bytes -> ours decodes to Josev's JSON -> ours re-encodes the identical bytes. (Each check
    /// runs on a thread with a large stack; the expectations are checked back on the test's own task.)
    @Test(arguments: entries.filter { !$0.beyondOurCap })
    func decodeAndReencode(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let bytes = try #require(Hex.decode(e.exi))
        let expected = try JSONParser.parse(e.json)
        let (decoded, again) = try BigStack.run { () throws -> (JSONValue, [UInt8]) in
            let decoded = try EXITool.decode(schema, bytes: bytes)
            return (decoded, try EXITool.encode(schema, json: decoded))
        }
        #expect(decoded.sameContent(as: expected), "\(decoded.differences(from: expected).prefix(5))")
        #expect(Hex.encode(again) == Hex.encode(bytes))
    }

    /// Josev's JSON -> ours encodes Josev's bytes.
    @Test(arguments: entries.filter { !$0.beyondOurCap })
    func encodeEqualsJosev(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let hex = try BigStack.run { try EXITool.encode(schema: schema, json: e.json) }
        #expect(hex == e.exi.lowercased())
    }

    /// An unbounded list beyond our cap decodes to a typed `capacityExceeded` (the SECC answers it FAILED).
    @Test(arguments: entries.filter(\.beyondOurCap))
    func beyondOurCapIsCapacityExceeded(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let bytes = try #require(Hex.decode(e.exi))
        let error = try BigStack.run { () -> EXIToolError? in
            do throws(EXIToolError) { _ = try EXITool.decode(schema, bytes: bytes) } catch { return error }
            return nil
        }
        guard case .exi(let exi)? = error, case .capacityExceeded = exi.kind else {
            Issue.record("expected capacityExceeded, got \(String(describing: error))")
            return
        }
        #expect(exi.isBeyondStorageBound)
    }

    /// Without a list arena, a list longer than its inline part is the typed `listArenaFull`, never a crash
    /// (the SECC answers such a request with a FAILED response code); with one, it decodes.
    @Test(arguments: entries.filter { $0.bound.contains("one past the inline part") })
    func withoutAnArenaIsListArenaFull(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let bytes = try #require(Hex.decode(e.exi))
        let error = try BigStack.run { () -> EXIError? in
            do throws(EXIError) {
                try ListArenaProbe.decode(schema, bytes, arena: .none)
                return nil
            } catch { return error }
        }
        guard case .listArenaFull? = error?.kind else {
            Issue.record("expected listArenaFull, got \(String(describing: error))")
            return
        }
        let arena = EXIListArena(capacity: ListArenaProbe.worstCaseBytes(schema))
        let decoded = try BigStack.run { () -> EXIError? in
            do throws(EXIError) {
                try ListArenaProbe.decode(schema, bytes, arena: arena.handle)
                return nil
            } catch { return error }
        }
        #expect(decoded == nil)
        #expect(arena.used > 0)
        #expect(arena.used <= ListArenaProbe.worstCaseBytes(schema))
    }

    /// Every vector at the schema's maxOccurs fits the generated worst case; prints the bytes used.
    @Test func schemaBoundsFitTheWorstCase() throws {
        for e in Self.entries where e.bound.contains("schema bound") {
            let schema = try #require(EXISchema(rawValue: e.schema))
            let bytes = try #require(Hex.decode(e.exi))
            let worst = ListArenaProbe.worstCaseBytes(schema)
            let arena = EXIListArena(capacity: worst)
            let failure = try BigStack.run { () -> EXIError? in
                do throws(EXIError) {
                    try ListArenaProbe.decode(schema, bytes, arena: arena.handle)
                    return nil
                } catch { return error }
            }
            #expect(failure == nil, "\(e.testDescription): \(String(describing: failure))")
            print("list arena: \(e.schema) \(e.message) (\(e.bound)): \(arena.used) of \(worst) bytes")
        }
    }

    /// Decoding a message at the schema's maxOccurs into a kept message and a kept arena allocates nothing: the
    /// arena is reset and refilled, never grown (ISO 15118-2 ChargeParameterDiscoveryRes, 3 × (1024 + 1024) entries).
    @Test func decodingIntoAKeptArenaAllocatesNothing() throws {
        let e = try #require(Self.entries.first { $0.schema == "iso2" && $0.bound.contains("1024 PMax") })
        let bytes = try #require(Hex.decode(e.exi))
        let arena = EXIListArena(capacity: ISO15118_2ListArena.worstCaseBytes)
        let (mallocs, pmax) = try BigStack.run { () throws -> (Int, Int) in
            let message = UnsafeMutablePointer<ISO2Codec.Message>.allocate(capacity: 1)
            message.initialize(to: ISO2Codec.Message())
            defer { message.deallocate() }
            let handle = arena.handle
            try ISO2Codec.decode(bytes.span.bytes, into: &message.pointee, listArena: handle)
            let n = try MallocCounter.count {
                for _ in 0..<10 { try ISO2Codec.decode(bytes.span.bytes, into: &message.pointee, listArena: handle) }
            }
            guard case .ChargeParameterDiscoveryRes(let res)? = message.pointee.Body.BodyElement,
                  case .SAScheduleList(let list)? = res.SASchedules else { return (n, -1) }
            return (n, list.SAScheduleTuple[0].PMaxSchedule.PMaxScheduleEntry.count)
        }
        print("decode of \(bytes.count) bytes into a kept message and arena (\(arena.used) bytes used): \(mallocs) mallocs in 10")
        #expect(mallocs == 0)
        #expect(pmax == 1024)
    }

    /// One past a bound is a typed error, never a crash: a 161st character.
    @Test func pastTheBoundIsATypedError() throws {
        var checked = 0
        for e in Self.entries where e.message == "SessionStopReq" {
            let schema = try #require(EXISchema(rawValue: e.schema))
            let longer = e.json.replacingOccurrences(of: "\"EVTerminationExplanation\": \"", with: "\"EVTerminationExplanation\": \"ä")
            #expect(longer != e.json)
            let failed = try BigStack.run { () -> Bool in
                do { _ = try EXITool.encode(schema: schema, json: longer) } catch { return true }
                return false
            }
            #expect(failed)
            checked += 1
        }
        #expect(checked == 2)
    }
}
