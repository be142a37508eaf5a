import EXI
import EXIJSON
import EXITool
import Foundation
import Testing

/// Our own conformance corpus (Tests/EXITests/Conformance/corpus.jsonl, written by make-corpus.py with
/// Josev's codec): instances of every message type, with optional parts absent and present, boundary
/// values and full lists. Josev encoded each one and decoded its bytes to the JSON kept there.
@Suite struct ConformanceCorpusTests {
    struct Entry: CustomTestStringConvertible, Sendable {
        let line: Int
        let schema: String
        let message: String
        let variant: String
        let json: String
        let exi: String
        var testDescription: String { "\(line) \(schema) \(message) \(variant)" }
    }

    static let entries: [Entry] = {
        let url = SharedFiles.packageRoot.appendingPathComponent("Tests/EXITests/Conformance/corpus.jsonl")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        func str(_ v: JSONValue?) -> String {
            if case .string(let s)? = v { return s }
            return ""
        }
        return text.split(separator: "\n").enumerated().compactMap { i, line -> Entry? in
            guard let obj = try? JSONParser.parse(String(line)), let json = obj["json"] else { return nil }
            return Entry(line: i + 1, schema: str(obj["schema"]), message: str(obj["message"]),
                         variant: str(obj["variant"]), json: json.description, exi: str(obj["exi"]))
        }
    }()

    @Test func corpusCoversEveryMessageType() {
        #expect(Self.entries.count > 500)
        let types = Set(Self.entries.map { "\($0.schema) \($0.message)" })
        #expect(types.count > 110)
    }

    /// Josev's bytes -> ours decodes to Josev's JSON -> ours re-encodes the identical bytes.
    @Test(arguments: entries)
    func decodeAndReencode(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        let bytes = try #require(Hex.decode(e.exi))
        let decoded = try EXITool.decode(schema, bytes: bytes)
        let expected = try JSONParser.parse(e.json)
        #expect(decoded.sameContent(as: expected), "\(decoded.differences(from: expected).prefix(5))")
        let again = try EXITool.encode(schema, json: decoded)
        #expect(Hex.encode(again) == Hex.encode(bytes))
    }

    /// Josev's JSON -> ours encodes Josev's bytes (so Josev decodes ours to the same values).
    @Test(arguments: entries)
    func encodeEqualsJosev(_ e: Entry) throws {
        let schema = try #require(EXISchema(rawValue: e.schema))
        #expect(try EXITool.encode(schema: schema, json: e.json) == e.exi.lowercased())
    }
}
