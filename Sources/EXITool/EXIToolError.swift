import EXI
import EXIJSON

/// What `boardctl exi` reports when a decode or encode fails.
public enum EXIToolError: Error, CustomStringConvertible, Equatable {
    case badHex(String)
    case exi(EXIError)
    case json(JSONError)

    public var description: String {
        switch self {
        case .badHex(let s): return "not hex: \(s.prefix(40))"
        case .exi(let e): return e.description
        case .json(let e): return "JSON \(e.description)"
        }
    }
}
