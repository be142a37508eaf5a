/// Why a frame could not be decoded or a value not encoded. Unknown identifiers are not an error
/// (`AdvanticsCANCodec.decode` returns nil: the caller ignores and counts them).
public enum AdvanticsCANError: Error, Equatable, CustomStringConvertible {
    /// The frame's length is not the message's database length (§0.2: DLC = database length).
    case lengthMismatch(message: StaticString, expected: Int, actual: Int)
    /// A value outside the signal's database limits or its field's raw range.
    case outOfRange(message: StaticString, signal: StaticString, value: Double)
    /// An enumerated signal holds a value the database does not define.
    case undefinedValue(message: StaticString, signal: StaticString, raw: Int64)
    /// A pistol index that ID bits 28..24 cannot carry (1–31, §1.1).
    case invalidPistol(Int)
    /// Fewer values than the message has signals.
    case missingValues(message: StaticString, expected: Int, actual: Int)

    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case let .lengthMismatch(m, e, a): "\(m): length \(a), the database says \(e)"
        case let .outOfRange(m, s, v): "\(m).\(s): \(v) is out of range"
        case let .undefinedValue(m, s, r): "\(m).\(s): value \(r) is not defined"
        case let .invalidPistol(p): "pistol index \(p) does not fit ID bits 28..24 (1–31)"
        case let .missingValues(m, e, a): "\(m): \(a) values given, \(e) signals"
        }
    }
}
