import EXI
import EXIJSON
import EXITool
import Foundation
import Testing

/// For .ci/exi-josev.sh: with EXI_EXPORT_FILE set, writes our encoding of every conformance-corpus JSON
/// as JSONL ({"schema", "hex", "line"}) so Josev's codec can decode our bytes in the same CI run.
@Suite struct JosevCheckExport {
    @Test func exportOurEncodings() throws {
        guard let path = ProcessInfo.processInfo.environment["EXI_EXPORT_FILE"] else { return }
        var out = ""
        for e in ConformanceCorpusTests.entries {
            let schema = try #require(EXISchema(rawValue: e.schema))
            let hex = try EXITool.encode(schema: schema, json: e.json)
            out += JSONValue.object([("schema", .string(e.schema)), ("hex", .string(hex)), ("line", .number(String(e.line)))]).description + "\n"
        }
        try out.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
