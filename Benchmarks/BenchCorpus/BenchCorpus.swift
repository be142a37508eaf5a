// The exact wire bytes Josev sent (../shared/tools/josev/samples/corpus), shared by the benchmark and the
// callgrind runner so that both measure the same messages.
import EXI
import EXIJSON
import Foundation

/// The wire bytes of the first `message` in one of Josev's session files.
public func corpusBytes(_ file: String, _ message: String) -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let url = root.appendingPathComponent("shared/tools/josev/samples/corpus/\(file)")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { fatalError("cannot read \(url.path)") }
    for line in text.split(separator: "\n") {
        guard let obj = try? JSONParser.parse(String(line)), case .string(let m)? = obj["message"], m == message,
              case .string(let hex)? = obj["exi"], let bytes = Hex.decode(hex) else { continue }
        return bytes
    }
    fatalError("no \(message) in \(file)")
}
