/// How a simple type's values are represented in Swift and coded in EXI (EXI 1.0 §7.1, Table 7-1).
enum Scalar {
    case boolean
    case integer(IntegerModel)
    case enumeration(EnumModel)
    case string(StringModel)
    case binary(BinaryModel)

    var swiftType: String {
        switch self {
        case .boolean: return "Bool"
        case .integer(let i): return i.swiftType
        case .enumeration(let e): return e.qualified
        case .string(let s): return "EXIString<\(s.capacity)>"
        case .binary(let b): return "EXIBytes<\(b.capacity)>"
        }
    }
}

struct IntegerModel {
    /// `arbitrary`: an unbounded xs:integer held in `EXIInteger` (EXI §7.1.5 of any length).
    enum Coding { case bounded(width: Int), unsigned, signed, arbitrary }
    let swiftType: String
    let min: Int128
    let max: Int128
    /// The Swift type's own range (checks are emitted only where the facets are narrower).
    let typeMin: Int128
    let typeMax: Int128
    let coding: Coding
}

extension IntegerModel.Coding {
    var isArbitrary: Bool {
        if case .arbitrary = self { return true }
        return false
    }
}

final class EnumModel {
    let swiftName: String
    let qualified: String
    let values: [String]
    var caseNames: [String] = []
    init(swiftName: String, values: [String]) {
        self.swiftName = swiftName
        qualified = "\(generatorModule).\(swiftName)"
        self.values = values
        var used: Set<String> = []
        for v in values {
            var n = identifier(v)
            while used.contains(n) { n += "_" }
            used.insert(n)
            caseNames.append(n)
        }
    }
    var width: Int { bitsFor(values.count - 1) }
}

struct StringModel {
    let minLength: Int
    let maxLength: Int?
    let capacity: Int
}

struct BinaryModel {
    let base64: Bool
    let minLength: Int
    let maxLength: Int?
    let capacity: Int
}

/// Bits needed for values 0...n (EXI n-bit unsigned integer width, §7.1.9).
func bitsFor(_ n: Int) -> Int {
    n <= 0 ? 0 : Int.bitWidth - n.leadingZeroBitCount
}

let swiftKeywords: Set<String> = [
    "Type", "Protocol", "Self", "self", "default", "class", "struct", "enum", "protocol", "func", "var", "let",
    "in", "is", "as", "if", "else", "for", "while", "do", "try", "throw", "return", "switch", "case", "break",
    "continue", "import", "init", "deinit", "extension", "static", "public", "private", "internal", "where",
    "true", "false", "nil", "operator", "repeat", "guard", "defer", "some", "any", "Any", "inout", "super",
    "subscript", "typealias", "associatedtype", "fileprivate", "open", "throws", "rethrows", "catch",
]

/// A Swift identifier for an XSD name or enumeration value.
func identifier(_ raw: String) -> String {
    var out = ""
    for scalar in raw.unicodeScalars {
        if (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(Character(scalar)) || scalar == "_" {
            out.unicodeScalars.append(scalar)
        } else {
            out += "_"
        }
    }
    if out.isEmpty { out = "_" }
    if let f = out.first, f.isNumber { out = "_" + out }
    if swiftKeywords.contains(out) { out += "_" }
    return out
}

/// `fooType` -> `Foo`: the Swift type name of a schema type.
func typeName(_ xsd: String) -> String {
    var n = xsd
    if n.hasSuffix("Type"), n.count > 4 { n = String(n.dropLast(4)) }
    return identifier(n.prefix(1).uppercased() + n.dropFirst())
}
