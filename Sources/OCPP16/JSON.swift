/// A JSON value as OCPP-J carries it (RFC 8259): objects keep their members' order, so a frame we
/// encode reads the way the OCPP 1.6 schemas list the fields. Numbers are doubles (OCPP's integers
/// are far below 2^53).
public indirect enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0.0 == $0.1.0 && $0.0.1 == $0.1.1 }
        default: false
        }
    }

    /// The member `key` of an object (nil when absent or not an object).
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.0 == key })?.1
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    /// A number with no fraction that fits an Int.
    public var integer: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }
}

// MARK: - Encoding

extension JSON {
    /// Compact text (no spaces), strings escaped per RFC 8259 §7.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if n.rounded() == n, abs(n) < 9.0e15 { out += String(Int(n)) } else if n.isFinite { out += "\(n)" } else { out += "null" }
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                JSON.writeString(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

// MARK: - Decoding

/// Why text is not JSON (with the byte offset where the parser stopped).
public enum JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    case unexpectedEnd
    case unexpected(byte: UInt8, at: Int)
    case badNumber(at: Int)
    case badEscape(at: Int)
    case badUTF8
    case tooDeep(at: Int)
    case trailing(at: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: "JSON ends too early"
        case let .unexpected(b, at): "unexpected byte 0x\(String(b, radix: 16)) at \(at)"
        case .badNumber(let at): "bad number at \(at)"
        case .badEscape(let at): "bad string escape at \(at)"
        case .badUTF8: "not UTF-8"
        case .tooDeep(let at): "nested deeper than \(JSON.maximumDepth) at \(at)"
        case .trailing(let at): "text after the value at \(at)"
        }
    }
}

extension JSON {
    /// Nesting bound: OCPP 1.6 messages nest at most 6 levels; deeper input is refused, never recursed
    /// into without bound.
    public static let maximumDepth = 32

    public static func parse(_ text: String) throws(JSONError) -> JSON {
        var p = Parser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i != p.bytes.count { throw .trailing(at: p.i) }
        return v
    }

    public static func parse(bytes: [UInt8]) throws(JSONError) -> JSON {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badUTF8 }
        return try parse(text)
    }
}

private struct Parser {
    let bytes: [UInt8]
    var i = 0

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    func peek() throws(JSONError) -> UInt8 {
        guard i < bytes.count else { throw .unexpectedEnd }
        return bytes[i]
    }

    mutating func literal(_ word: String, _ value: JSON) throws(JSONError) -> JSON {
        for b in word.utf8 {
            guard i < bytes.count else { throw .unexpectedEnd }
            guard bytes[i] == b else { throw .unexpected(byte: bytes[i], at: i) }
            i += 1
        }
        return value
    }

    mutating func value(depth: Int) throws(JSONError) -> JSON {
        if depth > JSON.maximumDepth { throw .tooDeep(at: i) }
        let b = try peek()
        switch b {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            i += 1
            var items: [JSON] = []
            skipSpace()
            if try peek() == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                let c = try peek()
                i += 1
                if c == UInt8(ascii: "]") { return .array(items) }
                if c != UInt8(ascii: ",") { throw .unexpected(byte: c, at: i - 1) }
            }
        case UInt8(ascii: "{"):
            i += 1
            var members: [(String, JSON)] = []
            skipSpace()
            if try peek() == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipSpace()
                let c0 = try peek()
                guard c0 == UInt8(ascii: "\"") else { throw .unexpected(byte: c0, at: i) }
                let key = try string()
                skipSpace()
                let colon = try peek()
                guard colon == UInt8(ascii: ":") else { throw .unexpected(byte: colon, at: i) }
                i += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                let c = try peek()
                i += 1
                if c == UInt8(ascii: "}") { return .object(members) }
                if c != UInt8(ascii: ",") { throw .unexpected(byte: c, at: i - 1) }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw .unexpected(byte: b, at: i)
        }
    }

    mutating func number() throws(JSONError) -> JSON {
        let start = i
        func digits(_ p: inout Parser) -> Int {
            var n = 0
            while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1; n += 1 }
            return n
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        if digits(&self) == 0 { throw .badNumber(at: start) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { throw .badNumber(at: start) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { throw .badNumber(at: start) }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw .badNumber(at: start) }
        return .number(d)
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw .unexpectedEnd }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw .badEscape(at: i)
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func string() throws(JSONError) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw .unexpectedEnd }
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw .unexpectedEnd }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw .badEscape(at: i) }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw .badEscape(at: i) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .badEscape(at: i) }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw .badEscape(at: i - 1)
                }
            default:
                if b < 0x20 { throw .unexpected(byte: b, at: i - 1) }
                out.append(b)
            }
        }
    }
}
