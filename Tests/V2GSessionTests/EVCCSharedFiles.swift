import AppHandshakeJSON
import DIN70121JSON
import EXI
import EXIJSON
import Foundation
import ISO15118_2JSON

/// Files the tests read at run time from the project's `shared/` folder (never copied into the repo).
enum EVCCSharedFiles {
    /// The package root (this file is Tests/V2GSessionTests/EVCCSharedFiles.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let josev = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/tools/josev")

    /// One wire message of a Josev session (samples/corpus/*.jsonl): direction as seen by the EVCC.
    struct Message {
        let schema: String
        let direction: String
        let name: String
        let json: JSONValue
        let exi: [UInt8]
    }

    static func corpus(_ file: String) throws -> [Message] {
        let text = try String(contentsOf: josev.appendingPathComponent("samples/corpus/\(file)"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let obj = try JSONParser.parse(String(line))
            guard case .string(let schema)? = obj["schema"], case .string(let direction)? = obj["direction"],
                  case .string(let name)? = obj["message"], let json = obj["json"], case .string(let hex)? = obj["exi"],
                  let exi = Hex.decode(hex) else { throw ScriptError("bad corpus line \(line)") }
            return Message(schema: schema, direction: direction, name: name, json: json, exi: exi)
        }
    }

    /// Josev's venv (../shared/tools/josev/setup.sh; CI: /var/tmp/chargekit-josev-venv).
    static var venv: String { ProcessInfo.processInfo.environment["JOSEV_VENV"] ?? "/var/tmp/chargekit-josev-venv" }
    static var josevAvailable: Bool { FileManager.default.isExecutableFile(atPath: venv + "/bin/python") }
    /// CI sets JOSEV_REQUIRED=1 where it prepared the venv: then a missing venv is a failure, not a skip.
    static var josevRequired: Bool { ProcessInfo.processInfo.environment["JOSEV_REQUIRED"] == "1" }
}
