#if canImport(FoundationEssentials)
import FoundationEssentials  // JSONDecoder; the firmware loads no full Foundation (issue 18)
#else
import Foundation
#endif

/// A JSON value as the emulated helper reads a command: any object the host sends, looked up by key
/// the way the helper's firmware does (a missing or mistyped field reads as absent).
enum EmulatorJSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([EmulatorJSON])
    case object([String: EmulatorJSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) { self = .string(s) } else if let o = try? c.decode([String: EmulatorJSON].self) {
            self = .object(o)
        } else { self = .array(try c.decode([EmulatorJSON].self)) }
    }

    /// The object in `bytes`, or nil when they are not one JSON object.
    static func object(_ bytes: [UInt8]) -> [String: EmulatorJSON]? {
        guard case .object(let o)? = try? JSONDecoder().decode(EmulatorJSON.self, from: Data(bytes)) else { return nil }
        return o
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var object: [String: EmulatorJSON]? { if case .object(let o) = self { o } else { nil } }
}
