/// Rough byte sizes of the generated values, from the capacities (Swift's layout adds a little padding).
///
/// The emitters use it to pick how a value is reached: a small optional or enum is matched the plain
/// way (`if let`, `switch` with bindings), which copies it; a large one (a header's xmldsig `Signature`,
/// a `Body` whose biggest member holds a schedule list or certificate chain) is tested by its tag and
/// reached through a pointer to its payload, so the hot path never moves kilobytes (see README, Speed).
enum SizeEstimate {
    /// Values at least this big are never copied by the generated codecs.
    static let large = 256

    nonisolated(unsafe) static var memo: [ObjectIdentifier: Int] = [:]

    static func of(_ s: StructModel) -> Int {
        if let n = memo[ObjectIdentifier(s)] { return n }
        var n = 0
        for a in s.attributes { n += of(a.scalar) + (a.required ? 0 : 1) }
        switch s.content {
        case .empty: break
        case .simple(let sc, _): n += of(sc)
        case .particle(let root): n += of(root)
        }
        memo[ObjectIdentifier(s)] = n
        return n
    }

    static func of(_ node: CNode) -> Int {
        switch node {
        case .wildcard: return 0
        case .leaf(let l):
            guard let v = l.value else { return 0 }
            if l.isList { return 8 + l.capacity * of(v) }
            return of(v) + (l.occurs.min == 0 ? 1 : 0)
        case .sequence(let children, let o, let group):
            guard let group else { return children.reduce(0) { $0 + of($1) } }
            return o.isRepeated ? 8 + group.capacity * of(group.model) : of(group.model) + 1
        case .choice(_, let o, let c):
            return o.isRepeated ? 8 + c.capacity * of(c) : of(c) + 1
        }
    }

    static func of(_ c: ChoiceModel) -> Int {
        1 + c.alternatives.map { of($0.node) }.max()!
    }

    static func of(_ m: SubstitutionModel) -> Int {
        1 + m.members.map { of($0.value) }.max()!
    }

    static func of(_ v: LeafValue) -> Int {
        switch v {
        case .complex(let s): return of(s)
        case .scalar(let sc, _): return of(sc)
        case .substitution(let m): return of(m)
        }
    }

    static func of(_ sc: Scalar) -> Int {
        switch sc {
        case .boolean, .enumeration: return 1
        case .integer(let i): return i.coding.isArbitrary ? 34 : 8
        case .string(let m): return 4 * m.capacity + 2
        case .binary(let m): return m.capacity + 2
        }
    }
}

extension LeafModel {
    /// A single optional element of a large struct type: stored as `EXIOptional` (presence as a byte),
    /// exposed as a `T?` property, so the codecs test and fill it in place (`_Name.present`, `_Name.slot`).
    var largeOptionalStruct: StructModel? {
        guard !isList, occurs.min == 0, case .complex(let m)? = value, SizeEstimate.of(m) >= SizeEstimate.large else { return nil }
        return m
    }
}

/// The storage of a field `access` (`base.Name`) kept as `EXIOptional`: `base._Name`. Every optional leaf is
/// a struct field (`TypeEmitter.collectFields`), so its access always ends in its name.
func optionalStorage(_ access: String, _ l: LeafModel) -> String {
    precondition(access.hasSuffix(".\(l.fieldName)"), "a large optional \(l.name) that is not a field: \(access)")
    return String(access.dropLast(l.fieldName.count)) + "_" + l.fieldName
}

/// What the element codecs of a family use from the tag helpers emitted after them.
final class HelperNeeds {
    /// The family has large optional fields (`EXIOptional`, emitted with the codecs).
    var usesOptionalStorage = false
    /// Qualified names of large substitution-group enums (`_tag` on the enum and its optional).
    var substitutionTags: Set<String> = []
    /// Multi-root document message enums: name -> (case name, payload type) (`_tag`).
    var messageTags: [String: [(String, String)]] = [:]
    /// Multi-root document message enums: the case indices whose payload starts with the same `Header`.
    var messageHeaderFirst: [String: Set<Int>] = [:]
    /// The roots those cases hold (`_resetKeepingHeader` is emitted for each).
    var headerResets: [StructModel] = []
}

extension SubstitutionModel {
    /// A member whose payload has no bytes (an empty complex type such as ISO-20's
    /// `EIM_AReqAuthorizationMode`): nothing to read or write in place.
    static func isEmptyPayload(_ v: LeafValue) -> Bool {
        if case .complex(let s) = v, s.attributes.isEmpty, SizeEstimate.of(s) == 0 { return true }
        return false
    }
}
