/// candump's text formats (can-utils), for logs and replays: the log format of `candump -l`,
/// `(1436509052.249713) can0 0106B003#88130000000064`, and the bare `ID#DATA` of `cansend`.
/// An ID of more than three hex digits is a 29-bit frame. Text in, frame out: for tools, not the tick.
public struct CandumpRecord: Sendable, Equatable {
    public var timestamp: String?
    public var interface: String?
    public var frame: AdvanticsFrame

    /// Parses one line; nil for a blank line, a comment or a line of another shape.
    public init?(line: Substring) {
        var rest = line.drop { $0 == " " || $0 == "\t" }
        if rest.isEmpty || rest.hasPrefix("#") { return nil }
        if rest.hasPrefix("(") {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            timestamp = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...].drop { $0 == " " }
        }
        var words = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard let last = words.popLast() else { return nil }
        interface = words.last.map(String.init)
        let parts = last.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let id = UInt32(parts[0], radix: 16), !parts[1].hasPrefix("#"), !parts[1].hasPrefix("R") else {
            return nil
        }
        let hex = Array(parts[1].utf8)
        guard hex.count % 2 == 0, hex.count <= 16 else { return nil }
        var bytes: [UInt8] = []
        var i = 0
        while i < hex.count {
            guard let b = UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(b)
            i += 2
        }
        let extended = parts[0].count > 3
        guard id <= (extended ? 0x1FFF_FFFF : 0x7FF) else { return nil }
        frame = AdvanticsFrame(id: id, extended: extended, bytes: bytes)
    }
}

extension AdvanticsCANCodec {
    /// One frame as a line a charger engineer reads: the message, the pistol, every signal with its
    /// unit or label; unknown identifiers and typed errors say so.
    public func describe(_ frame: AdvanticsFrame) -> String {
        let idText = String(frame.id, radix: 16, uppercase: true)
        let id = String(repeating: "0", count: max(0, (frame.isExtended ? 8 : 3) - idText.count)) + idText
        var values = SignalValues()
        do {
            guard let ref = try decode(frame, into: &values) else { return "\(id) unknown identifier (ignored)" }
            let m = layout(ref)
            var text = "\(id) \(ref.interface == .evse ? "EVSE" : "PEV") \(m.name)"
            if ref.interface == .evse { text += " pistol \(ref.pistol)" }
            for (i, s) in m.signals.enumerated() {
                let v = values[i]
                if s.isEnumerated, let label = s.label(of: Int64(v)) {
                    let name = label.description
                    text += " \(s.name)=\(name.isEmpty ? String(Int64(v)) : name)"
                } else {
                    let number = v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
                    text += " \(s.name)=\(number)\(s.unit.description.isEmpty ? "" : " " + s.unit.description)"
                }
            }
            return text
        } catch {
            return "\(id) rejected: \(error)"
        }
    }
}
