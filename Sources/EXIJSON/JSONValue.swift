/// A parsed JSON document, members kept in their order. Used by `boardctl exi` and the tests to speak
/// Josev's JSON shapes; not on the codec's hot path (it allocates).
public indirect enum JSONValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// The number's text as written (integers of any size stay exact).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Compact JSON text, members in stored order.
    public var description: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += ", " }
                JSONValue.writeString(key, to: &out)
                out += ": "
                value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let h = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Structural equality that ignores member order (what "same JSON" means when comparing with Josev).
    public func sameContent(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let o = y.first(where: { $0.0 == key }), value.sameContent(as: o.1) else { return false }
            }
            return true
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.sameContent(as: $1) }
        case (.number(let x), .number(let y)):
            return x == y || (Double(x) != nil && Double(x) == Double(y))
        default:
            return self == other
        }
    }

    /// Paths where two documents differ, ignoring member order (for test failure messages).
    public func differences(from other: JSONValue, path: String = "$") -> [String] {
        switch (self, other) {
        case (.object(let x), .object(let y)):
            var out: [String] = []
            for (key, value) in x {
                if let o = y.first(where: { $0.0 == key }) {
                    out += value.differences(from: o.1, path: path + "." + key)
                } else {
                    out.append("\(path).\(key): only on the left")
                }
            }
            for (key, _) in y where !x.contains(where: { $0.0 == key }) {
                out.append("\(path).\(key): only on the right")
            }
            return out
        case (.array(let x), .array(let y)):
            if x.count != y.count { return ["\(path): \(x.count) items vs \(y.count)"] }
            return zip(x, y).enumerated().flatMap { $1.0.differences(from: $1.1, path: "\(path)[\($0)]") }
        default:
            return sameContent(as: other) ? [] : ["\(path): \(self) vs \(other)"]
        }
    }
}

/// A JSON text that is not what the codec expects, with the JSON path where it went wrong.
public struct JSONError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var path: String

    public init(_ message: String, at path: String) {
        self.message = message
        self.path = path
    }

    public var description: String { "\(path): \(message)" }
}
