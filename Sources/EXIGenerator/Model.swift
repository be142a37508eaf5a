/// Module being generated (type names are qualified with it in generated expressions).
nonisolated(unsafe) var generatorModule = ""
/// Lists whose grammar does not end at maxOccurs in this family (see Family.loopingLists).
nonisolated(unsafe) var generatorLoopingLists: Set<String> = []

/// A generated struct: one per complex type (named, or anonymous inside an element).
final class StructModel {
    let swiftName: String
    let xsdName: String
    let def: ComplexTypeDef?
    var attributes: [AttributeField] = []
    var content: Content = .empty
    var mixed = false
    var grammar: TypeGrammar!
    /// Nested group structs and choice enums declared inside this type.
    var nestedGroups: [GroupModel] = []
    var nestedChoices: [ChoiceModel] = []
    /// For nested group structs: the parent that declares it.
    weak var parent: StructModel?

    init(swiftName: String, xsdName: String, def: ComplexTypeDef?) {
        self.swiftName = swiftName
        self.xsdName = xsdName
        self.def = def
    }

    enum Content {
        case empty
        case simple(Scalar, partition: Int?)
        case particle(CNode)
    }
}

final class AttributeField {
    let qname: QName
    let fieldName: String
    let scalar: Scalar
    let required: Bool
    let partition: Int?
    var terminal = 0
    init(qname: QName, fieldName: String, scalar: Scalar, required: Bool, partition: Int?) {
        self.qname = qname
        self.fieldName = fieldName
        self.scalar = scalar
        self.required = required
        self.partition = partition
    }
}

/// Content model node with the Swift field it fills.
indirect enum CNode {
    case leaf(LeafModel)
    case wildcard(LeafModel)
    /// A sequence; `group` is set when it is a nested struct field (not flattened into its parent).
    case sequence([CNode], Occurs, GroupModel?)
    case choice([CNode], Occurs, ChoiceModel)

    var occurs: Occurs {
        switch self {
        case .leaf(let l), .wildcard(let l): return l.occurs
        case .sequence(_, let o, _), .choice(_, let o, _): return o
        }
    }
}

/// What one element leaf holds.
enum LeafValue {
    case complex(StructModel)
    case scalar(Scalar, partition: Int?)
    case substitution(SubstitutionModel)

    var swiftType: String {
        switch self {
        case .complex(let s): return s.qualifiedName
        case .scalar(let s, _): return s.swiftType
        case .substitution(let m): return m.qualified
        }
    }
}

/// An element particle (or a wildcard) in the content model: one field, and one position of the grammar.
final class LeafModel {
    let id: Int
    let occurs: Occurs
    let name: String  // XSD local name (JSON key)
    let fieldName: String
    let value: LeafValue?
    let capacity: Int
    /// SE terminals: one per substitution member (sorted), else one.
    var terminals: [Int] = []
    var stateA: Int?
    var stateB: Int?
    var stateC: Int?

    init(id: Int, occurs: Occurs, name: String, fieldName: String, value: LeafValue?, capacity: Int) {
        self.id = id
        self.occurs = occurs
        self.name = name
        self.fieldName = fieldName
        self.value = value
        self.capacity = capacity
    }

    var isList: Bool { occurs.isRepeated }

    /// A bounded list whose maxOccurs is above its inline capacity: the rest goes to the list arena
    /// (`EXISpillList`, issue 15).
    var spills: Bool { isList && value != nil && occurs.max.map { $0 > capacity } == true }

    /// Items the list holds: maxOccurs when it spills, else its inline capacity.
    var holds: Int { spills ? occurs.max! : capacity }

    var fieldType: String {
        guard let value else { return "Never" }
        if spills { return "EXISpillList<\(capacity), \(occurs.max!), \(value.swiftType)>" }
        if isList { return "EXIList<\(capacity), \(value.swiftType)>" }
        return occurs.min == 0 ? "\(value.swiftType)?" : value.swiftType
    }

    /// Leaf states that may end the leaf (EXI grammar states after the k-th occurrence, k ≥ minOccurs).
    var exitStates: [Int] { [stateB, stateC].compactMap { $0 } }
}

/// A global element's substitution group as a Swift enum (one case per concrete member, EXI order).
final class SubstitutionModel {
    let swiftName: String
    let qualified: String
    let head: QName
    var members: [(qname: QName, caseName: String, value: LeafValue)] = []
    init(swiftName: String, head: QName) {
        self.swiftName = swiftName
        qualified = "\(generatorModule).\(swiftName)"
        self.head = head
    }
}

/// A choice as a Swift enum nested in its parent type.
final class ChoiceModel {
    let fieldName: String
    let swiftName: String
    let owner: StructModel
    var alternatives: [(caseName: String, node: CNode)] = []
    var capacity = 1
    init(fieldName: String, swiftName: String, owner: StructModel) {
        self.fieldName = fieldName
        self.swiftName = swiftName
        self.owner = owner
    }
    var qualifiedName: String { "\(owner.qualifiedName).\(swiftName)" }
}

/// A sequence that is not flattened (optional, repeated, or a choice alternative): a nested struct.
final class GroupModel {
    let fieldName: String
    let model: StructModel
    var capacity = 1
    init(fieldName: String, model: StructModel) {
        self.fieldName = fieldName
        self.model = model
    }
}

extension StructModel {
    /// Module-qualified, so expressions never hit a field of the same name (`DC_EVStatus: DC_EVStatus`).
    var qualifiedName: String { parent.map { "\($0.qualifiedName).\(swiftName)" } ?? "\(generatorModule).\(swiftName)" }
}

/// The EXI grammar of one type in normal form (EXI 1.0 §8.5.4.2–8.5.4.4): states with ordered
/// productions; each production's event code is its index, coded in ⌈log2(n+1)⌉ bits where the +1 is
/// the escape to 2nd-level (undeclared) events of a non-strict grammar.
final class TypeGrammar {
    var terminalNames: [String] = []
    var states: [[Int]] = []
    var initial = 0
    var endTerminal = 0
    var anyTerminal = 0
    var typedCharsTerminal = 0
    var mixedCharsTerminal = 0
    /// Simple content: the state after the value.
    var afterChars = 0

    func width(_ state: Int) -> Int { bitsFor(states[state].count) }
    func code(_ state: Int, _ terminal: Int) -> Int? { states[state].firstIndex(of: terminal) }
}
