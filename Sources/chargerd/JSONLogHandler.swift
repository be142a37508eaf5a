import Glibc
import Logging

/// swift-log's handler for `log: format: json` in the station config: one JSON object per line on
/// stderr — `time` (UTC, ISO 8601 with milliseconds), `level`, `label`, `message`, `metadata` — what
/// journald's JSON export, Vector or Fluent Bit take without a parser of their own. Each line goes
/// out in one write(2), so lines from two threads never interleave.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = "{\"time\":\(jsonString(Self.timestamp())),\"level\":\(jsonString(event.level.rawValue)),"
        line += "\"label\":\(jsonString(label)),\"message\":\(jsonString(event.message.description))"
        line += ",\"metadata\":" + Self.json(merged)
        line += "}\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { if n < 0, errno == EINTR { continue } else { break } }
                offset += n
            }
        }
    }

    static func json(_ metadata: Logger.Metadata) -> String {
        "{" + metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): jsonString(s)
        case .stringConvertible(let c): jsonString(c.description)
        case .dictionary(let d): json(d)
        case .array(let a): "[" + a.map { json($0) }.joined(separator: ",") + "]"
        }
    }

    /// Now, UTC: 2026-12-06T23:14:17.123Z.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = Int(ts.tv_nsec / 1_000_000)
        let msText = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)).\(msText)Z"
    }
}

/// A JSON string literal (RFC 8259: quote, backslash and control characters escaped).
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let h = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
