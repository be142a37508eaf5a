import Foundation

/// An XML qualified name; EXI sorts qnames by local name, then URI (EXI 1.0 §8.5.4.1.6, §8.4.1).
struct QName: Hashable, Comparable, CustomStringConvertible {
    var uri: String
    var local: String

    static func < (a: QName, b: QName) -> Bool { (a.local, a.uri) < (b.local, b.uri) }
    var description: String { uri.isEmpty ? local : "{\(uri)}\(local)" }
    static let xs = "http://www.w3.org/2001/XMLSchema"
}

/// minOccurs / maxOccurs (`max == nil`: unbounded).
struct Occurs: Equatable {
    var min: Int
    var max: Int?
    static let one = Occurs(min: 1, max: 1)

    init(min: Int, max: Int?) {
        self.min = min
        self.max = max
    }

    init(_ node: XMLNode) {
        min = Int(node["minOccurs"] ?? "1") ?? 1
        let m = node["maxOccurs"] ?? "1"
        max = m == "unbounded" ? nil : Int(m)
    }

    var isRepeated: Bool { max.map { $0 > 1 } ?? true }
}

final class ElementDecl {
    let qname: QName
    var typeName: QName?
    var inlineComplex: ComplexTypeDef?
    var inlineSimple: SimpleTypeDef?
    var isAbstract = false
    var substitutionGroup: QName?
    let isGlobal: Bool
    /// Set for global elements with a substitution group: the head and every member, abstract ones
    /// included, sorted by qname (EXI §8.5.4.1.6).
    var substitutes: [ElementDecl] = []

    init(qname: QName, isGlobal: Bool) {
        self.qname = qname
        self.isGlobal = isGlobal
    }
}

indirect enum Particle {
    case element(ElementDecl, Occurs)
    case sequence([Particle], Occurs)
    case choice([Particle], Occurs)
    case any(Occurs)

    var occurs: Occurs {
        switch self {
        case .element(_, let o), .sequence(_, let o), .choice(_, let o), .any(let o): return o
        }
    }
}

struct AttributeUse {
    let qname: QName
    let typeName: QName?
    let inlineSimple: SimpleTypeDef?
    let required: Bool
}

final class ComplexTypeDef {
    var name: QName?
    /// For anonymous types, the element that declares it.
    var ownerElement: QName?
    var baseName: QName?
    var isExtension = false
    var isSimpleContent = false
    var particle: Particle?
    var attributes: [AttributeUse] = []
    var mixed = false
    var isAbstract = false
    let namespace: String

    init(namespace: String) { self.namespace = namespace }
}

final class SimpleTypeDef {
    var name: QName?
    var baseName: QName?
    var inlineBase: SimpleTypeDef?
    var enumerations: [String] = []
    var minInclusive: String?
    var maxInclusive: String?
    var length: Int?
    var minLength: Int?
    var maxLength: Int?
}

/// Every declaration reachable from one XSD file through xs:import / xs:include.
final class SchemaSet {
    var globalElements: [QName: ElementDecl] = [:]
    var complexTypes: [QName: ComplexTypeDef] = [:]
    var simpleTypes: [QName: SimpleTypeDef] = [:]
    /// Complex types in file order (named first-seen, then anonymous as met).
    var allComplexTypes: [ComplexTypeDef] = []
    var loaded: Set<String> = []
    /// The XSD file each global element and each complex type comes from.
    var fileOfElement: [QName: String] = [:]
    var fileOfType: [ObjectIdentifier: String] = [:]
    private var currentFile = ""
    let root: URL

    init(root: URL) { self.root = root }

    /// Loads `file` (relative to the schemas folder) and everything it imports.
    func load(_ file: String) throws {
        var trees: [(XMLNode, Context, String)] = []
        try collect(root.appendingPathComponent(file), into: &trees)
        // every global element first, so refs in any file (imports are circular) find their declaration
        for (schema, context, file) in trees {
            for child in schema.children("element") {
                let q = QName(uri: context.tns, local: child["name"] ?? "")
                globalElements[q] = ElementDecl(qname: q, isGlobal: true)
                fileOfElement[q] = file
            }
        }
        for (schema, context, file) in trees {
            currentFile = file
            for child in schema.children {
                switch child.name {
                case "element":
                    let decl = globalElements[QName(uri: context.tns, local: child["name"] ?? "")]!
                    try fill(decl, from: child, context: context)
                case "complexType":
                    let def = try complexType(child, context: context)
                    def.name = QName(uri: context.tns, local: child["name"] ?? "")
                    complexTypes[def.name!] = def
                case "simpleType":
                    let def = simpleType(child)
                    def.name = QName(uri: context.tns, local: child["name"] ?? "")
                    simpleTypes[def.name!] = def
                default:
                    break
                }
            }
        }
        // substitution groups: head -> concrete members, sorted by qname
        for element in globalElements.values {
            var members: [ElementDecl] = []
            var queue = [element.qname]
            var seen: Set<QName> = []
            while let head = queue.popLast() {
                for candidate in globalElements.values where candidate.substitutionGroup == head && !seen.contains(candidate.qname) {
                    seen.insert(candidate.qname)
                    members.append(candidate)
                    queue.append(candidate.qname)
                }
            }
            if !members.isEmpty {
                // EXIficient (Josev's codec) lists abstract members and an abstract head too: ISO 15118-2's
                // abstract BodyElement takes a code in the Body grammar.
                members.append(element)
                element.substitutes = members.sorted { $0.qname < $1.qname }
            }
        }
    }

    private func collect(_ url: URL, into trees: inout [(XMLNode, Context, String)]) throws {
        var url = url.standardizedFileURL
        if !FileManager.default.fileExists(atPath: url.path) {
            // DIN's header imports xmldsig from its own folder; the copy lives one level up.
            url = url.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(url.lastPathComponent)
        }
        guard !loaded.contains(url.path) else { return }
        loaded.insert(url.path)
        let schema = try XMLTreeReader.read(url)
        let context = Context(tns: schema["targetNamespace"] ?? "", elementQualified: schema["elementFormDefault"] == "qualified",
                              attributeQualified: schema["attributeFormDefault"] == "qualified")
        trees.append((schema, context, url.path))
        for child in schema.children where child.name == "import" || child.name == "include" {
            if let location = child["schemaLocation"] {
                try collect(url.deletingLastPathComponent().appendingPathComponent(location), into: &trees)
            }
        }
    }

    struct Context {
        let tns: String
        let elementQualified: Bool
        let attributeQualified: Bool
    }

    private func element(_ node: XMLNode, context: Context, global: Bool) throws -> ElementDecl {
        let qualified = global || (node["form"].map { $0 == "qualified" } ?? context.elementQualified)
        let decl = ElementDecl(qname: QName(uri: qualified ? context.tns : "", local: node["name"] ?? ""), isGlobal: global)
        try fill(decl, from: node, context: context)
        return decl
    }

    private func fill(_ decl: ElementDecl, from node: XMLNode, context: Context) throws {
        decl.typeName = node.qname("type")
        decl.isAbstract = node["abstract"] == "true"
        decl.substitutionGroup = node.qname("substitutionGroup")
        if let ct = node.children("complexType").first {
            let def = try complexType(ct, context: context)
            def.ownerElement = decl.qname
            decl.inlineComplex = def
        }
        if let st = node.children("simpleType").first { decl.inlineSimple = simpleType(st) }
    }

    private func complexType(_ node: XMLNode, context: Context) throws -> ComplexTypeDef {
        let def = ComplexTypeDef(namespace: context.tns)
        fileOfType[ObjectIdentifier(def)] = currentFile
        def.mixed = node["mixed"] == "true"
        def.isAbstract = node["abstract"] == "true"
        allComplexTypes.append(def)
        var body = node
        if let cc = node.children("complexContent").first {
            if cc["mixed"] == "true" { def.mixed = true }
            guard let ext = cc.children("extension").first else { throw GeneratorError("complexContent restriction not supported") }
            def.baseName = ext.qname("base")
            def.isExtension = true
            body = ext
        } else if let sc = node.children("simpleContent").first {
            guard let ext = sc.children("extension").first else { throw GeneratorError("simpleContent restriction not supported") }
            def.baseName = ext.qname("base")
            def.isSimpleContent = true
            body = ext
        }
        for child in body.children {
            switch child.name {
            case "sequence", "choice", "all":
                def.particle = try particle(child, context: context)
            case "attribute":
                let qualified = child["form"].map { $0 == "qualified" } ?? context.attributeQualified
                def.attributes.append(AttributeUse(
                    qname: QName(uri: qualified ? context.tns : "", local: child["name"] ?? ""),
                    typeName: child.qname("type"), inlineSimple: child.children("simpleType").first.map(simpleType),
                    required: child["use"] == "required"))
            case "anyAttribute":
                throw GeneratorError("anyAttribute not supported")
            default:
                break
            }
        }
        return def
    }

    private func particle(_ node: XMLNode, context: Context) throws -> Particle {
        let occurs = Occurs(node)
        switch node.name {
        case "element":
            if let ref = node.qname("ref") {
                guard let decl = globalElements[ref] else { throw GeneratorError("unknown element \(ref)") }
                return .element(decl, occurs)
            }
            return .element(try element(node, context: context, global: false), occurs)
        case "sequence", "all":
            return .sequence(try node.children.filter { ["element", "sequence", "choice", "any"].contains($0.name) }
                .map { try particle($0, context: context) }, occurs)
        case "choice":
            return .choice(try node.children.filter { ["element", "sequence", "choice", "any"].contains($0.name) }
                .map { try particle($0, context: context) }, occurs)
        case "any":
            return .any(occurs)
        default:
            throw GeneratorError("unexpected particle \(node.name)")
        }
    }

    private func simpleType(_ node: XMLNode) -> SimpleTypeDef {
        let def = SimpleTypeDef()
        if let r = node.children("restriction").first {
            def.baseName = r.qname("base")
            if let inline = r.children("simpleType").first { def.inlineBase = simpleType(inline) }
            for f in r.children {
                let v = f["value"] ?? ""
                switch f.name {
                case "enumeration": def.enumerations.append(v)
                case "minInclusive": def.minInclusive = v
                case "maxInclusive": def.maxInclusive = v
                case "length": def.length = Int(v)
                case "minLength": def.minLength = Int(v)
                case "maxLength": def.maxLength = Int(v)
                default: break
                }
            }
        }
        return def
    }
}
