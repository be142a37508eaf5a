import Foundation

/// Builds the Swift value models and EXI grammars of one schema family.
final class FamilyBuilder {
    let family: Family
    let schemas: SchemaSet
    var structs: [ObjectIdentifier: StructModel] = [:]
    var allStructs: [StructModel] = []
    var enums: [String: EnumModel] = [:]
    var enumsByKey: [String: EnumModel] = [:]
    var substitutions: [String: SubstitutionModel] = [:]
    /// XSD files of each document's schema set: a substitution group only has the members its document sees.
    var documentFiles: [Set<String>] = []
    var partitions: [QName: Int] = [:]
    var usedTypeNames: Set<String> = []
    var notes: Set<String> = []

    init(family: Family, root: URL) throws {
        self.family = family
        generatorModule = family.module
        generatorLoopingLists = family.loopingLists
        schemas = SchemaSet(root: root)
        for document in family.documents {
            try schemas.load(document.schemaFile)
            let set = SchemaSet(root: root)
            try set.load(document.schemaFile)
            documentFiles.append(set.loaded)
        }
        // named types first, sorted, so names are stable
        for name in schemas.complexTypes.keys.sorted() {
            _ = try structModel(for: schemas.complexTypes[name]!)
        }
        for element in schemas.globalElements.keys.sorted() {
            if let inline = schemas.globalElements[element]!.inlineComplex { _ = try structModel(for: inline) }
        }
        for s in allStructs where s.grammar == nil { try complete(s) }
    }

    func partition(_ q: QName) -> Int {
        if let p = partitions[q] { return p }
        partitions[q] = partitions.count
        return partitions.count - 1
    }

    // MARK: simple types

    func scalar(typeName tName: QName?, inline: SimpleTypeDef?, element: String) throws -> Scalar {
        var chain: [SimpleTypeDef] = []
        var builtin: String?
        var current = inline
        var name = tName
        var enumName: String?
        var enumKey: String?
        while true {
            if let def = current {
                chain.append(def)
                if enumName == nil, !def.enumerations.isEmpty {
                    enumName = def.name.map { typeName($0.local) } ?? typeName(element)
                    enumKey = def.name?.description ?? "element:" + element + ":" + def.enumerations.joined(separator: "|")
                }
                if let b = def.inlineBase { current = b; name = nil; continue }
                name = def.baseName
                current = nil
                continue
            }
            guard let n = name else { throw GeneratorError("simple type without base for \(element)") }
            if n.uri == QName.xs { builtin = n.local; break }
            guard let def = schemas.simpleTypes[n] else { throw GeneratorError("unknown simple type \(n)") }
            current = def
        }
        let b = builtin!
        // facets: the most derived wins
        var enumerations: [String] = []
        var minI: Int128?
        var maxI: Int128?
        var minLength = 0
        var maxLength: Int?
        for def in chain.reversed() {
            if !def.enumerations.isEmpty { enumerations = def.enumerations }
            if let v = def.minInclusive.flatMap({ Int128($0) }) { minI = max(minI ?? v, v) }
            if let v = def.maxInclusive.flatMap({ Int128($0) }) { maxI = min(maxI ?? v, v) }
            if let l = def.length { minLength = l; maxLength = l }
            if let l = def.minLength { minLength = l }
            if let l = def.maxLength { maxLength = l }
        }
        if !enumerations.isEmpty {
            let key = enumKey!
            if let e = enumsByKey[key] { return .enumeration(e) }
            var swiftName = enumName!
            while usedTypeNames.contains(swiftName) { swiftName += "Value" }
            usedTypeNames.insert(swiftName)
            let e = EnumModel(swiftName: swiftName, values: enumerations)
            enumsByKey[key] = e
            enums[swiftName] = e
            return .enumeration(e)
        }
        switch b {
        case "boolean":
            return .boolean
        case "byte", "short", "int", "long", "unsignedByte", "unsignedShort", "unsignedInt", "unsignedLong", "integer",
             "nonNegativeInteger", "positiveInteger":
            let (swiftType, lo, hi): (String, Int128, Int128) = switch b {
            case "byte": ("Int8", -128, 127)
            case "short": ("Int16", -32768, 32767)
            case "int": ("Int32", Int128(Int32.min), Int128(Int32.max))
            case "unsignedByte": ("UInt8", 0, 255)
            case "unsignedShort": ("UInt16", 0, 65535)
            case "unsignedInt": ("UInt32", 0, Int128(UInt32.max))
            case "unsignedLong", "nonNegativeInteger": ("UInt64", 0, Int128(UInt64.max))
            case "positiveInteger": ("UInt64", 1, Int128(UInt64.max))
            default: ("Int64", Int128(Int64.min), Int128(Int64.max))  // long, integer (capped to 64 bits)
            }
            if b == "integer", minI == nil, maxI == nil {
                // unbounded (xmldsig X509SerialNumber, HMACOutputLength): any length up to EXIInteger.capacity octets
                notes.insert("xs:integer without bounds is an EXIInteger (any length up to 32 octets of magnitude)")
                return .integer(IntegerModel(swiftType: "EXIInteger", min: 0, max: 0, typeMin: 0, typeMax: 0, coding: .arbitrary))
            }
            if b == "integer" || b == "nonNegativeInteger" || b == "positiveInteger" {
                notes.insert("xs:\(b) is held in 64 bits")
            }
            let lower = max(minI ?? lo, lo)
            let upper = min(maxI ?? hi, hi)
            // EXI §7.1.5 / Table 7-1: a bounded range of at most 4096 values is an n-bit unsigned offset from the
            // minimum (this covers xs:byte and xs:unsignedByte by their own range); otherwise Unsigned Integer when
            // the lower bound is ≥ 0, else Integer.
            let coding: IntegerModel.Coding
            if upper - lower < 4096 {
                coding = .bounded(width: bitsFor(Int(upper - lower)))
            } else if lower >= 0 {
                coding = .unsigned
            } else {
                coding = .signed
            }
            return .integer(IntegerModel(swiftType: swiftType, min: lower, max: upper, typeMin: lo, typeMax: hi, coding: coding))
        case "string", "anyURI", "ID", "IDREF", "NCName", "token", "normalizedString", "Name", "language", "NMTOKEN":
            // maxLength counts characters (XML Schema Part 2 §4.3.3): EXIString<n> holds n characters (4n UTF-8 bytes)
            let cap = maxLength ?? Caps.string
            notes.insert("strings hold maxLength characters of any kind (EXIString<n> stores 4n UTF-8 bytes)")
            if maxLength == nil { notes.insert("strings without maxLength hold \(Caps.string) characters") }
            return .string(StringModel(minLength: minLength, maxLength: maxLength, capacity: cap))
        case "hexBinary", "base64Binary":
            let cap = maxLength ?? Caps.binaryByElement[element] ?? Caps.binary
            if maxLength == nil { notes.insert("binary values without maxLength hold \(Caps.binary) bytes (X509Certificate \(Caps.binaryByElement["X509Certificate"]!))") }
            return .binary(BinaryModel(base64: b == "base64Binary", minLength: minLength, maxLength: maxLength, capacity: cap))
        default:
            throw GeneratorError("unsupported built-in type xs:\(b) (\(element))")
        }
    }

    // MARK: complex types

    func structModel(for def: ComplexTypeDef) throws -> StructModel {
        if let s = structs[ObjectIdentifier(def)] { return s }
        let xsdName = def.name?.local ?? def.ownerElement?.local ?? "Anonymous"
        var name = def.name.map { typeName($0.local) } ?? typeName(def.ownerElement!.local)
        if usedTypeNames.contains(name) || enums[name] != nil { name += "Content" }
        usedTypeNames.insert(name)
        let s = StructModel(swiftName: name, xsdName: xsdName, def: def)
        structs[ObjectIdentifier(def)] = s
        allStructs.append(s)
        return s
    }

    /// Attributes and content of a type, following extension bases (base content first, EXI §8.5.4.1.3).
    func flatten(_ def: ComplexTypeDef) throws -> (attributes: [AttributeUse], particles: [Particle], simple: (QName?, SimpleTypeDef?)?, mixed: Bool) {
        var attributes = def.attributes
        var particles: [Particle] = def.particle.map { [$0] } ?? []
        var simple: (QName?, SimpleTypeDef?)?
        var mixed = def.mixed
        if let base = def.baseName {
            if def.isSimpleContent {
                if base.uri == QName.xs || schemas.simpleTypes[base] != nil {
                    simple = (base, nil)
                } else if let baseDef = schemas.complexTypes[base] {
                    let inner = try flatten(baseDef)
                    attributes = inner.attributes + attributes
                    simple = inner.simple
                }
            } else if let baseDef = schemas.complexTypes[base] {
                let inner = try flatten(baseDef)
                attributes = inner.attributes + attributes
                particles = inner.particles + particles
                mixed = mixed || inner.mixed
            } else if base != QName(uri: QName.xs, local: "anyType") {
                throw GeneratorError("unknown base type \(base)")
            }
        }
        return (attributes, particles, simple, mixed)
    }

    func complete(_ s: StructModel) throws {
        guard let def = s.def else { return }
        let flat = try flatten(def)
        s.mixed = flat.mixed
        var usedFields: Set<String> = []
        for a in flat.attributes.sorted(by: { $0.qname < $1.qname }) {
            let sc = try scalar(typeName: a.typeName, inline: a.inlineSimple, element: a.qname.local)
            var p: Int?
            if case .string = sc { p = partition(a.qname) }
            let f = AttributeField(qname: a.qname, fieldName: uniqueField(identifier(a.qname.local), &usedFields),
                                   scalar: sc, required: a.required, partition: p)
            s.attributes.append(f)
        }
        if let (tn, inl) = flat.simple {
            let sc = try scalar(typeName: tn, inline: inl, element: s.xsdName)
            var p: Int?
            if case .string = sc { p = partition(QName(uri: "#value", local: s.xsdName)) }
            s.content = .simple(sc, partition: p)
        } else if !flat.particles.isEmpty {
            var counter = 0
            let root: Particle = flat.particles.count == 1 ? flat.particles[0] : .sequence(flat.particles, .one)
            s.content = .particle(try node(root, owner: s, counter: &counter, usedFields: &usedFields, flatten: true))
        }
        var grammarBuilder = GrammarBuilder(s)
        s.grammar = grammarBuilder.build()
        for g in s.nestedGroups where g.model.grammar == nil {
            // nested groups share the parent's grammar (they are part of its content model)
            g.model.grammar = s.grammar
        }
    }

    func uniqueField(_ base: String, _ used: inout Set<String>) -> String {
        var n = base
        var i = 2
        while used.contains(n) {
            n = "\(base)\(i)"
            i += 1
        }
        used.insert(n)
        return n
    }

    func multiply(_ a: Occurs, _ b: Occurs) -> Occurs {
        Occurs(min: a.min * b.min, max: (a.max != nil && b.max != nil) ? a.max! * b.max! : nil)
    }

    func listCap(_ name: String, _ occurs: Occurs, owner: String = "") -> Int {
        if let c = Caps.xmldsigLists["\(owner).\(name)"] ?? family.listCaps[name] { return min(c, occurs.max ?? c) }
        guard let m = occurs.max else {
            notes.insert("unbounded lists hold \(Caps.unboundedList) items unless named in Families.swift")
            return Caps.unboundedList
        }
        return m  // every bounded list holds its maxOccurs (issue 15)
    }

    func node(_ p: Particle, owner: StructModel, counter: inout Int, usedFields: inout Set<String>, flatten: Bool) throws -> CNode {
        switch p {
        case .any(let o):
            counter += 1
            return .wildcard(LeafModel(id: counter, occurs: o, name: "*", fieldName: "", value: nil, capacity: 0))
        case .element(let decl, let o):
            counter += 1
            let value = try leafValue(decl, owner: owner)
            let cap = o.isRepeated ? listCap(decl.qname.local, o, owner: owner.xsdName) : 1
            return .leaf(LeafModel(id: counter, occurs: o, name: decl.qname.local,
                                   fieldName: uniqueField(identifier(decl.qname.local), &usedFields), value: value, capacity: cap))
        case .sequence(let children, let o):
            if children.count == 1, o == .one || children[0].occurs == .one {
                return try node(reoccur(children[0], multiply(o, children[0].occurs)), owner: owner, counter: &counter,
                                usedFields: &usedFields, flatten: flatten)
            }
            if o == .one && flatten {
                return .sequence(try children.map { try node($0, owner: owner, counter: &counter, usedFields: &usedFields, flatten: true) }, o, nil)
            }
            // nested struct
            let names = elementNames(p)
            let base = names.prefix(2).joined(separator: "And")
            let fieldName = uniqueField(identifier(base.isEmpty ? "Group" : base), &usedFields)
            let model = StructModel(swiftName: identifier(fieldName.prefix(1).uppercased() + fieldName.dropFirst()) + "Group",
                                    xsdName: owner.xsdName, def: nil)
            model.parent = owner
            var innerFields: Set<String> = []
            let g = GroupModel(fieldName: fieldName, model: model)
            g.capacity = o.isRepeated ? listCap(fieldName, o, owner: owner.xsdName) : 1
            owner.nestedGroups.append(g)
            let inner = try children.map { try node($0, owner: model, counter: &counter, usedFields: &innerFields, flatten: true) }
            model.content = .particle(.sequence(inner, .one, nil))
            return .sequence(inner, o, g)
        case .choice(let alternatives, let o):
            if alternatives.count == 1 {
                return try node(reoccur(alternatives[0], multiply(o, alternatives[0].occurs)), owner: owner,
                                counter: &counter, usedFields: &usedFields, flatten: flatten)
            }
            if alternatives.allSatisfy({ if case .any = $0 { return true } else { return false } }) {
                counter += 1
                return .wildcard(LeafModel(id: counter, occurs: o, name: "*", fieldName: "", value: nil, capacity: 0))
            }
            let names = alternatives.flatMap { elementNames($0).prefix(1) }
            let fieldName = uniqueField(choiceFieldName(names), &usedFields)
            let c = ChoiceModel(fieldName: fieldName, swiftName: fieldName + "Choice", owner: owner)
            c.capacity = o.isRepeated ? listCap(fieldName, o, owner: owner.xsdName) : 1
            owner.nestedChoices.append(c)
            var nodes: [CNode] = []
            var caseNames: Set<String> = []
            for alt in alternatives {
                var altFields: Set<String> = []
                // an alternative sequence becomes a nested struct (flatten: false)
                let n = try node(alt, owner: owner, counter: &counter, usedFields: &altFields, flatten: false)
                nodes.append(n)
                switch n {
                case .wildcard: break
                case .leaf(let l): c.alternatives.append((uniqueField(l.fieldName, &caseNames), n))
                case .sequence(_, _, let g): c.alternatives.append((uniqueField(g?.fieldName ?? "group", &caseNames), n))
                case .choice(_, _, let inner): c.alternatives.append((uniqueField(inner.fieldName, &caseNames), n))
                }
            }
            return .choice(nodes, o, c)
        }
    }

    func reoccur(_ p: Particle, _ o: Occurs) -> Particle {
        switch p {
        case .any: return .any(o)
        case .element(let d, _): return .element(d, o)
        case .sequence(let c, _): return .sequence(c, o)
        case .choice(let c, _): return .choice(c, o)
        }
    }

    func elementNames(_ p: Particle) -> [String] {
        switch p {
        case .any: return []
        case .element(let d, _): return [d.qname.local]
        case .sequence(let c, _), .choice(let c, _): return c.flatMap(elementNames)
        }
    }

    /// A field name for a choice: the words its alternatives share (`Dynamic_SEReqControlMode |
    /// Scheduled_SEReqControlMode` -> `SEReqControlMode`), else `Value`.
    func choiceFieldName(_ names: [String]) -> String {
        func words(_ s: String) -> [String] {
            var out: [String] = []
            var cur = ""
            var prevLower = false
            for ch in s {
                if ch == "_" {
                    if !cur.isEmpty { out.append(cur) }
                    cur = ""
                    prevLower = false
                    continue
                }
                if ch.isUppercase && prevLower {
                    out.append(cur)
                    cur = ""
                }
                cur.append(ch)
                prevLower = ch.isLowercase || ch.isNumber
            }
            if !cur.isEmpty { out.append(cur) }
            return out
        }
        let ws = names.map(words)
        guard var common = ws.first else { return "Value" }
        for w in ws.dropFirst() {
            var k = 0
            while k < common.count && k < w.count && common[common.count - 1 - k] == w[w.count - 1 - k] { k += 1 }
            common = Array(common.suffix(k))
        }
        if common.isEmpty { return "Value" }
        return identifier(common.joined())
    }

    func leafValue(_ decl: ElementDecl, owner: StructModel) throws -> LeafValue {
        if !decl.substitutes.isEmpty { return .substitution(try substitution(decl, owner: owner)) }
        return try singleValue(decl)
    }

    func singleValue(_ decl: ElementDecl) throws -> LeafValue {
        if let inline = decl.inlineComplex { return .complex(try structModel(for: inline)) }
        if let inline = decl.inlineSimple {
            let sc = try scalar(typeName: nil, inline: inline, element: decl.qname.local)
            return .scalar(sc, partition: isString(sc) ? partition(decl.qname) : nil)
        }
        guard let tn = decl.typeName else { throw GeneratorError("element \(decl.qname) has no type") }
        if let ct = schemas.complexTypes[tn] {
            if ct.isSimpleContent { _ = partition(decl.qname) }  // the characters' string-table partition
            return .complex(try structModel(for: ct))
        }
        let sc = try scalar(typeName: tn, inline: nil, element: decl.qname.local)
        return .scalar(sc, partition: isString(sc) ? partition(decl.qname) : nil)
    }

    func isString(_ s: Scalar) -> Bool {
        if case .string = s { return true }
        return false
    }

    /// Files visible wherever `owner` is used: the files of every document that loads the owner's file.
    func visibleFiles(_ owner: StructModel) -> Set<String> {
        var top = owner
        while let p = top.parent { top = p }
        guard let def = top.def, let file = schemas.fileOfType[ObjectIdentifier(def)] else { return Set(documentFiles.joined()) }
        let docs = documentFiles.filter { $0.contains(file) }
        guard var visible = docs.first else { return [] }
        for d in docs.dropFirst() { visible.formIntersection(d) }
        return visible
    }

    func substitution(_ head: ElementDecl, owner: StructModel) throws -> SubstitutionModel {
        let visible = visibleFiles(owner)
        let members = head.substitutes.filter { visible.contains(schemas.fileOfElement[$0.qname] ?? "") }
        let key = "\(head.qname)|" + members.map(\.qname.local).joined(separator: ",")
        if let m = substitutions[key] { return m }
        var name = identifier(head.qname.local) + "Choice"
        if members.count < head.substitutes.count, let other = members.first(where: { $0.qname.uri != head.qname.uri }) {
            // the members one document sees (ISO 15118-20 DC vs AC): suffix the namespace's last part
            name += identifier(String(other.qname.uri.split(separator: ":").last ?? ""))
        }
        let m = SubstitutionModel(swiftName: name, head: head.qname)
        substitutions[key] = m
        for member in members {
            m.members.append((member.qname, identifier(member.qname.local), try singleValue(member)))
        }
        return m
    }
}
