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
    for line in corpusLines(url) where line.contains("\"message\": \"\(message)\"") {
        guard let obj = try? JSONParser.parse(line), case .string(let m)? = obj["message"], m == message,
              case .string(let hex)? = obj["exi"], let bytes = Hex.decode(hex) else { continue }
        return bytes
    }
    fatalError("no \(message) in \(file)")
}

/// Every distinct message of one of Josev's session files, in the order they first appear, with the
/// schema each is coded with (`app`, `din`, `iso2`, `iso20-common`, `iso20-dc`): both sides of a session.
public func corpusMessages(_ file: String) -> [(schema: String, message: String)] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let url = root.appendingPathComponent("shared/tools/josev/samples/corpus/\(file)")
    var result: [(schema: String, message: String)] = []
    for line in corpusLines(url) {
        guard let obj = try? JSONParser.parse(line), case .string(let m)? = obj["message"],
              case .string(let s)? = obj["schema"], !result.contains(where: { $0.message == m && $0.schema == s }) else { continue }
        result.append((s, m))
    }
    return result
}

/// The lines of a session file, split on its bytes: splitting a `String` walks grapheme clusters, which cost
/// more instructions under callgrind than the codec calls measured after it.
func corpusLines(_ url: URL) -> [String] {
    guard let data = try? Data(contentsOf: url) else { fatalError("cannot read \(url.path)") }
    return data.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
}
