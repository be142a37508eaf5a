/// Why an EXI stream could not be decoded or a value could not be encoded.
///
/// Fixed size, no heap: the element path is a short list of static names filled in while the error
/// travels up through the generated element codecs, and `bitOffset` is the stream position (bits
/// after the start of the EXI header) where the codec stopped.
/// Printed as `ISO2: CurrentDemandReq/DC_EVStatus/EVRESSSOC: value 140 out of range 0...100 at bit 212`.
public struct EXIError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The stream ended inside an event or value (EXI 1.0 §6: a complete stream ends with ED).
        case truncated
        /// The first octet is not the EXI header V2G uses (0x80: distinguishing bits, no options, version 1; EXI §5).
        case invalidHeader(UInt8)
        /// An event code this grammar state does not declare (escape to a 2nd-level event such as
        /// xsi:type, an undeclared element or untyped characters; EXI §8.5.4.4.1). V2G peers never send these.
        case undeclaredEvent(code: UInt32, state: Int)
        /// A declared but unsupported event: wildcard content (`xs:any`), mixed text, or a root element this
        /// codec does not map to a message.
        case unsupportedContent
        /// An event the content model does not allow here (the stream is valid EXI but not a valid message).
        case unexpectedEvent
        /// An integer outside the schema's facets (`minInclusive`/`maxInclusive`) or the field's type.
        case valueOutOfRange(value: Int64, min: Int64, max: Int64)
        /// An unsigned value that does not fit 64 bits or the field's type.
        case integerOverflow
        /// A string or binary length outside the schema's `length`/`minLength`/`maxLength`.
        case lengthOutOfRange(length: Int, min: Int, max: Int)
        /// More items, characters or bytes than the fixed capacity of the value type (documented caps).
        case capacityExceeded(count: Int, capacity: Int)
        /// An enumeration index beyond the enumeration's size (EXI §7.2).
        case invalidEnumeration(index: Int, count: Int)
        /// A string-table hit that names no entry (EXI §7.3.3).
        case invalidStringTableHit(index: Int)
        /// More distinct string values in one message than the string table holds.
        case stringTableFull
        /// A character code point that is not a Unicode scalar value.
        case invalidCharacter(UInt32)
        /// Fewer items than the schema's `minOccurs`.
        case tooFewItems(count: Int, minimum: Int)
        /// The output span is too small for the encoded message.
        case outputFull(capacity: Int)
        /// A list longer than its inline part (within the schema's maxOccurs) found no room in the list arena:
        /// no arena was given, or its `capacity` bytes were used up (`EXIListArena`, generator README "Bounds").
        case listArenaFull(needed: Int, available: Int)
    }

    public var kind: Kind
    /// Bit position in the EXI stream (from the first header bit) where the codec stopped.
    public var bitOffset: Int
    /// Element names from the root down to the failing element (innermost last).
    public var path: ElementPath
    /// Short schema family name: `SAP`, `DIN`, `ISO2`, `ISO20`.
    public var schema: StaticString

    @inlinable
    public init(_ kind: Kind, at bitOffset: Int, schema: StaticString = "EXI") {
        self.kind = kind
        self.bitOffset = bitOffset
        self.path = ElementPath()
        self.schema = schema
    }

    /// The same error seen from the enclosing element `name` (prepends `name` to the path).
    @inlinable
    public func inside(_ name: StaticString) -> EXIError {
        var copy = self
        if name.utf8CodeUnitCount > 0 { copy.path.prepend(name) }
        return copy
    }

    public static func == (a: EXIError, b: EXIError) -> Bool {
        a.kind == b.kind && a.bitOffset == b.bitOffset && a.path == b.path
            && a.schema.description == b.schema.description
    }

    public var description: String {
        let what: String
        switch kind {
        case .truncated: what = "stream ends early"
        case .invalidHeader(let b): what = "not an EXI header for V2G (first octet 0x\(String(b, radix: 16)), expected 0x80)"
        case .undeclaredEvent(let code, let state): what = "undeclared event code \(code) in grammar state \(state)"
        case .unsupportedContent: what = "unsupported content (wildcard, mixed text or root element)"
        case .unexpectedEvent: what = "element not allowed here"
        case .valueOutOfRange(let v, let lo, let hi): what = "value \(v) out of range \(lo)...\(hi)"
        case .integerOverflow: what = "integer too large for its type"
        case .lengthOutOfRange(let n, let lo, let hi): what = "length \(n) out of range \(lo)...\(hi)"
        case .capacityExceeded(let n, let cap): what = "\(n) exceeds the fixed capacity \(cap)"
        case .invalidEnumeration(let i, let n): what = "enumeration index \(i) of \(n) values"
        case .invalidStringTableHit(let i): what = "string table hit \(i) names no entry"
        case .stringTableFull: what = "too many distinct strings for the string table"
        case .invalidCharacter(let c): what = "invalid character code point \(c)"
        case .tooFewItems(let n, let m): what = "\(n) items, schema requires at least \(m)"
        case .outputFull(let cap): what = "output buffer of \(cap) bytes is full"
        case .listArenaFull(let n, let a): what = "list needs \(n) bytes of list arena, \(a) left"
        }
        let p = path.description
        return "\(schema): \(p.isEmpty ? "" : p + ": ")\(what) at bit \(bitOffset)"
    }
}

/// Names of the elements from the root to where an error happened; keeps the innermost eight. Its layout
/// and `prepend` stay this small on purpose: every `catch` of the generated codecs inlines `prepend`, and a
/// version that also kept the outermost names made the optimizer copy the whole DIN/ISO-2 `Body` in every
/// encode (3,009 → 69,761 instructions per CurrentDemandReq, callgrind, issue 15).
public struct ElementPath: Equatable, Sendable, CustomStringConvertible {
    @inlinable public static var capacity: Int { 8 }
    @usableFromInline var names: InlineArray<8, StaticString>
    @usableFromInline var count: Int
    /// Elements dropped from the outer end because the path was deeper than `capacity`.
    @usableFromInline var dropped: Int

    @inlinable
    public init() {
        names = InlineArray(repeating: "")
        count = 0
        dropped = 0
    }

    /// Adds an enclosing element name in front.
    @inlinable
    public mutating func prepend(_ name: StaticString) {
        if count == ElementPath.capacity {
            dropped += 1
            return
        }
        var i = count
        while i > 0 {
            names[i] = names[i - 1]
            i -= 1
        }
        names[0] = name
        count += 1
    }

    public var elements: [String] { (0..<count).map { names[$0].description } }

    /// Whether `name` is one of the path's elements (compared byte for byte, without allocating).
    public func contains(_ name: StaticString) -> Bool {
        var i = 0
        while i < count {
            if Self.same(names[i], name) { return true }
            i += 1
        }
        return false
    }

    /// Whether the path starts `root/child/grandchild`: the decoder was inside that element when it failed
    /// (compared byte for byte, without allocating). False for a path deeper than eight, whose outer names
    /// were dropped: a caller that acts only on a known start stays on the safe side.
    public func starts(_ root: StaticString, _ child: StaticString, _ grandchild: StaticString) -> Bool {
        guard dropped == 0, count >= 3 else { return false }
        return Self.same(names[0], root) && Self.same(names[1], child) && Self.same(names[2], grandchild)
    }

    static func same(_ a: StaticString, _ b: StaticString) -> Bool {
        guard a.utf8CodeUnitCount == b.utf8CodeUnitCount else { return false }
        var j = 0
        while j < a.utf8CodeUnitCount, a.utf8Start[j] == b.utf8Start[j] { j += 1 }
        return j == a.utf8CodeUnitCount
    }

    public var description: String {
        (dropped > 0 ? ".../" : "") + elements.joined(separator: "/")
    }

    public static func == (a: ElementPath, b: ElementPath) -> Bool { a.elements == b.elements && a.dropped == b.dropped }
}

extension EXIError {
    /// More items or characters than the codec's storage holds (`capacityExceeded`, `listArenaFull`): for a list
    /// within the schema that is a message valid but beyond a bound kept on purpose, which an SECC answers with
    /// a FAILED response code rather than a dropped connection.
    public var isBeyondStorageBound: Bool {
        switch kind {
        case .capacityExceeded, .listArenaFull: return true
        default: return false
        }
    }
}
