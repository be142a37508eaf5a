import EXI
import EXIJSON
import EXITool
import Testing

/// Every message of Josev's three recorded sessions (../shared/tools/josev/samples/corpus): our decode of
/// the wire bytes equals Josev's JSON, and our encode of Josev's JSON equals the wire bytes.
@Suite struct JosevCorpusTests {
    static let messages = SharedFiles.corpusMessages()

    @Test func corpusIsThere() {
        #expect(Self.messages.count == 188)
    }

    @Test(arguments: messages)
    func decodeEqualsJosev(_ m: SharedFiles.CorpusMessage) throws {
        let schema = try #require(EXISchema(rawValue: m.schema))
        let expected = try JSONParser.parse(m.json)
        let decoded = try EXITool.decode(schema, bytes: try #require(Hex.decode(m.exi)))
        #expect(decoded.sameContent(as: expected), "\(decoded.differences(from: expected))")
    }

    @Test(arguments: messages)
    func encodeEqualsWire(_ m: SharedFiles.CorpusMessage) throws {
        let schema = try #require(EXISchema(rawValue: m.schema))
        let hex = try EXITool.encode(schema: schema, json: m.json)
        #expect(hex == m.exi.lowercased())
    }
}
