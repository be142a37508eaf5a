import EXI
import EXIJSON
import Foundation

/// Files the tests read at run time from the project's `shared/` folder (never copied into the repo).
enum SharedFiles {
    /// The package root (this file is Tests/EXITests/SharedFiles.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let schemas = shared.appendingPathComponent("schemas")
    static let josev = shared.appendingPathComponent("tools/josev")
    static let corpus = josev.appendingPathComponent("samples/corpus")

    /// One wire message of Josev's corpus.
    struct CorpusMessage: CustomTestStringConvertible, Sendable {
        let file: String
        let line: Int
        let schema: String
        let message: String
        let json: String
        let exi: String
        var testDescription: String { "\(file):\(line) \(message)" }
    }

    static func corpusMessages() -> [CorpusMessage] {
        var out: [CorpusMessage] = []
        for file in ["din-session.jsonl", "iso2-dc-session.jsonl", "iso20-dc-session.jsonl"] {
            guard let text = try? String(contentsOf: corpus.appendingPathComponent(file), encoding: .utf8) else { continue }
            for (i, line) in text.split(separator: "\n").enumerated() {
                guard let obj = try? JSONParser.parse(String(line)), case .string(let schema)? = obj["schema"],
                      case .string(let exi)? = obj["exi"], let json = obj["json"] else { continue }
                var message = ""
                if case .string(let m)? = obj["message"] { message = m }
                out.append(CorpusMessage(file: file, line: i + 1, schema: schema, message: message,
                                         json: json.description, exi: exi))
            }
        }
        return out
    }
}

import Testing
