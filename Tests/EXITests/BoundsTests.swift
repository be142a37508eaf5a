import EXI
import EXIJSON
import EXITool
import Foundation
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
        /// A schema bound above a cap kept below the schema on purpose (ISO 15118-20, generator README).
        var aboveOurCap: Bool { bound.contains("above our cap") }
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
    }

    /// Josev's bytes -> ours decodes to Josev's JSON -> ours re-encodes the identical bytes. (Each check
    /// runs on a thread with a large stack; the expectations are checked back on the test's own task.)
    @Test(arguments: entries.filter { !$0.aboveOurCap })
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
    @Test(arguments: entries.filter { !$0.aboveOurCap })
    func encodeEqualsJosev(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let hex = try BigStack.run { try EXITool.encode(schema: schema, json: e.json) }
        #expect(hex == e.exi.lowercased())
    }

    /// A list beyond a cap we keep below the schema decodes to a typed `capacityExceeded`, never a crash,
    /// so the SECC can answer with the standard's failure response; encoding its JSON is an error too.
    @Test(arguments: entries.filter(\.aboveOurCap))
    func aboveOurCapIsCapacityExceeded(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let bytes = try #require(Hex.decode(e.exi))
        let (decodeError, encodeError) = try BigStack.run { () -> (EXIToolError?, EXIToolError?) in
            var d: EXIToolError?
            var c: EXIToolError?
            do throws(EXIToolError) { _ = try EXITool.decode(schema, bytes: bytes) } catch { d = error }
            do throws(EXIToolError) { _ = try EXITool.encode(schema: schema, json: e.json) } catch { c = error }
            return (d, c)
        }
        guard case .exi(let exi)? = decodeError, case .capacityExceeded = exi.kind else {
            Issue.record("expected capacityExceeded, got \(String(describing: decodeError))")
            return
        }
        #expect(encodeError != nil)
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
