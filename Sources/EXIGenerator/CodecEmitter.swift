/// Writes the encoder and decoder of one struct from its grammar (see GrammarBuilder).
///
/// Both walk the content model in schema order. The encoder keeps the grammar state in `state` and
/// writes each event code as the index of its production in that state; the generator tracks which
/// states are possible at every point, so most codes are constants. The decoder reads one event ahead
/// (`ev`, a terminal number) and dispatches on it.
final class CodecEmitter {
    let model: StructModel
    let g: TypeGrammar
    let schema: String
    var lines: [String] = []
    var indent = 2
    var readers: [[Int]: Int] = [:]
    var tmp = 0
    /// Tag helpers the emitted code uses (see `TypeEmitter.helperSource`), shared by a family's emitters.
    let helpers: HelperNeeds

    init(model: StructModel, schema: String, helpers: HelperNeeds) {
        self.model = model
        g = model.grammar
        self.schema = schema
        self.helpers = helpers
    }

    func line(_ s: String) { lines.append(String(repeating: "    ", count: indent) + s) }
    func fresh(_ p: String) -> String {
        tmp += 1
        return "\(p)\(tmp)"
    }

    var needsPartition: Bool {
        if case .simple(.string, _) = model.content { return true }
        return false
    }

    /// The case index of the large enum (or optional) at `access`, read in place when Swift stores the
    /// payloads plain (tag byte after them): `_tag` would copy the whole enum to switch on it.
    func tagInPlace(_ m: String, _ access: String, optional: Bool) -> String {
        let t = optional ? "\(m)?" : m
        return "(\(m)._payloadsStoredPlain ? withUnsafePointer(to: \(access)) { (p: UnsafePointer<\(t)>) -> Int in \(m)._tag(at: p) } : \(access)._tag)"
    }

    /// Lines (unindented) that decode one case of a large enum whose payloads are stored plain, in place: set
    /// the case (a fresh payload, unless it holds this case already: decode writes every field), then decode
    /// into its payload. Used for a `Body`'s choice and for a document's root elements.
    static func decodeCaseInPlace(enumType: String, subject: String, optional: Bool, index: Int, caseName: String,
                                  payload: String, arguments: String, element: String) -> [String] {
        [
            "do throws(EXIError) {",
            "    try withUnsafeMutablePointer(to: &\(subject)) { (p: UnsafeMutablePointer<\(enumType)\(optional ? "?" : "")>) throws(EXIError) in",
            "        if \(enumType)._tag(at: UnsafePointer(p)) != \(index) { \(enumType)._become\(caseName)(p) }",
            "        try EXIPayload.of(p, as: \(payload).self).pointee.decodeContent(&r\(arguments))",
            "    }",
            "} catch { throw error.inside(\"\(element)\") }",
        ]
    }

    // MARK: encoder

    func encoder() -> [String] {
        lines = []
        indent = 2
        var s: Set<Int> = [g.initial]
        line("var state = \(g.initial)")
        for (i, a) in model.attributes.enumerated() {
            let next = i + 1
            if a.required {
                emitEvent(a.terminal, s)
                encodeScalar(a.scalar, "self.\(a.fieldName)", partition: a.partition.map(String.init), name: a.qname.local)
                line("state = \(next)")
                s = [next]
            } else {
                line("if let v = self.\(a.fieldName) {")
                indent += 1
                emitEvent(a.terminal, s)
                encodeScalar(a.scalar, "v", partition: a.partition.map(String.init), name: a.qname.local)
                line("state = \(next)")
                indent -= 1
                line("}")
                s.insert(next)
            }
        }
        switch model.content {
        case .empty:
            break
        case .simple(let sc, _):
            emitEvent(g.typedCharsTerminal, s)
            encodeScalar(sc, "self.value", partition: needsPartition ? "partition" : nil, name: "value")
            line("state = \(g.afterChars)")
            s = [g.afterChars]
        case .particle(let root):
            s = encodeNode(root, base: "self", s)
        }
        emitEvent(g.endTerminal, s)
        line("_ = state")
        return lines
    }

    /// Writes the event code of `terminal` from whichever state in `states` allows it.
    func emitEvent(_ terminal: Int, _ states: Set<Int>) {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for st in states.sorted() {
            guard let code = g.code(st, terminal) else { continue }
            let key = "try w.writeBits(\(code), \(g.width(st)))"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(st)
        }
        if order.isEmpty {
            line("throw w.unsupported()  // \(g.terminalNames[terminal]) is not allowed here")
            return
        }
        if order.count == 1 {
            line("\(order[0])  // \(g.terminalNames[terminal])")
            return
        }
        line("switch state {  // \(g.terminalNames[terminal])")
        for key in order.dropLast() {
            line("case \(groups[key]!.map(String.init).joined(separator: ", ")): \(key)")
        }
        line("default: \(order.last!)")
        line("}")
    }

    func dryRun(_ body: () -> Set<Int>) -> Set<Int> {
        let saved = lines
        let savedIndent = indent
        let savedTmp = tmp
        let r = body()
        lines = saved
        indent = savedIndent
        tmp = savedTmp
        return r
    }

    /// States possible at the top of a loop body: the fixpoint of entering from `s` or from the body's end.
    func loopStates(_ s: Set<Int>, _ body: (Set<Int>) -> Set<Int>) -> (top: Set<Int>, end: Set<Int>) {
        var top = s
        while true {
            let end = dryRun { body(top) }
            let next = s.union(end)
            if next == top { return (top, end) }
            top = next
        }
    }

    func classExpression(_ l: LeafModel, count: String) -> String {
        var parts: [(String, Int)] = []
        if let a = l.stateA { parts.append(("\(count) < \(l.occurs.min)", a)) }
        if let b = l.stateB, let c = l.stateC { parts.append(("\(count) == \(l.occurs.max!)", c)); return chain(parts, b) }
        return chain(parts, l.stateB ?? l.stateC!)
    }

    func chain(_ parts: [(String, Int)], _ last: Int) -> String {
        var e = "\(last)"
        for (cond, st) in parts.reversed() { e = "(\(cond) ? \(st) : \(e))" }
        return e
    }

    func encodeNode(_ n: CNode, base: String, _ s: Set<Int>) -> Set<Int> {
        switch n {
        case .wildcard(let l):
            if l.occurs.min > 0 { line("throw w.unsupported()  // required wildcard content") }
            return s
        case .leaf(let l):
            return encodeLeaf(l, "\(base).\(l.fieldName)", s)
        case .sequence(let children, let o, let group):
            guard let group else {
                var cur = s
                for c in children { cur = encodeNode(c, base: base, cur) }
                return cur
            }
            let access = "\(base).\(group.fieldName)"
            let body: (Set<Int>, String) -> Set<Int> = { start, item in
                var cur = start
                for c in children { cur = self.encodeNode(c, base: item, cur) }
                return cur
            }
            if o.isRepeated {
                let (top, end) = loopStates(s) { st in body(st, "x") }
                let i = fresh("i")
                let item = fresh("g")
                line("var \(i) = 0")
                line("while \(i) < \(access).count {")
                indent += 1
                line("let \(item) = \(access)[\(i)]")
                _ = body(top, item)
                line("\(i) &+= 1")
                indent -= 1
                line("}")
                return (o.min == 0 ? s : []).union(end)
            }
            let item = fresh("g")
            line("if let \(item) = \(access) {")
            indent += 1
            let end = body(s, item)
            indent -= 1
            line("}")
            return s.union(end)
        case .choice(_, let o, let c):
            let access = "\(base).\(c.fieldName)"
            if o.isRepeated {
                let (top, end) = loopStates(s) { st in self.encodeAlternatives(c, "x", st) }
                let i = fresh("i")
                line("var \(i) = 0")
                line("while \(i) < \(access).count {")
                indent += 1
                _ = encodeAlternatives(c, "\(access)[\(i)]", top)
                line("\(i) &+= 1")
                indent -= 1
                line("}")
                return (o.min == 0 ? s : []).union(end)
            }
            if o.min == 0 {
                let v = fresh("c")
                line("if let \(v) = \(access) {")
                indent += 1
                let end = encodeAlternatives(c, v, s)
                indent -= 1
                line("}")
                return s.union(end)
            }
            return encodeAlternatives(c, access, s)
        }
    }

    func encodeAlternatives(_ c: ChoiceModel, _ value: String, _ s: Set<Int>) -> Set<Int> {
        var after: Set<Int> = []
        line("switch \(value) {")
        for (caseName, node) in c.alternatives {
            let x = fresh("x")
            line("case .\(caseName)(let \(x)):")
            indent += 1
            switch node {
            case .leaf(let l):
                after.formUnion(encodeLeaf(l, x, s))
            case .sequence(let children, _, _):
                var cur = s
                for child in children { cur = encodeNode(child, base: x, cur) }
                after.formUnion(cur)
            default:
                line("throw w.unsupported()")
            }
            indent -= 1
        }
        line("}")
        return after
    }

    /// One element leaf; `access` is the field's storage (list, optional or plain).
    func encodeLeaf(_ l: LeafModel, _ access: String, _ s: Set<Int>) -> Set<Int> {
        let name = pathName(l)
        if l.isList {
            let loopSet = s.union([l.stateA, l.stateB].compactMap { $0 })
            let i = fresh("i")
            line("do throws(EXIError) {")
            indent += 1
            line("if \(access).count < \(l.occurs.min) { throw w.error(.tooFewItems(count: \(access).count, minimum: \(l.occurs.min))) }")
            line("var \(i) = 0")
            line("while \(i) < \(access).count {")
            indent += 1
            encodeInstance(l, "\(access)[\(i)]", loopSet)
            line("\(i) &+= 1")
            line("state = \(classExpression(l, count: i))")
            indent -= 1
            line("}")
            indent -= 1
            line("} catch { throw error.inside(\"\(name)\") }")
            return (l.occurs.min == 0 ? s : []).union(l.exitStates)
        }
        let c = l.stateC!
        if l.occurs.min == 0, case .substitution(let m) = l.value!, SizeEstimate.of(m) >= SizeEstimate.large {
            // test the stored optional by its tag: `if let`, `!= nil` or a binding `switch` would copy the whole enum
            helpers.substitutionTags.insert(m.qualified)
            line("if \(tagInPlace(m.qualified, access, optional: true)) >= 0 {")
            indent += 1
            line("do throws(EXIError) {")
            indent += 1
            encodeInstance(l, access, s, optionalSubject: true)
            indent -= 1
            line("} catch { throw error.inside(\"\(name)\") }")
            line("state = \(c)")
            indent -= 1
            line("}")
            return s.union([c])
        }
        if let m = l.largeOptionalStruct {
            helpers.usesOptionalStorage = true
            let storage = optionalStorage(access, l)
            // the presence flag in place, the value encoded from its slot (no copy of either)
            line("if \(storage).present != 0 {")
            indent += 1
            line("do throws(EXIError) {")
            indent += 1
            emitEvent(l.terminals[0], s)
            line("try withUnsafePointer(to: \(storage).slot) { (p: UnsafePointer<\(m.qualifiedName)?>) throws(EXIError) in")
            line("    try EXIPayload.of(p, as: \(m.qualifiedName).self).pointee.encodeContent(&w)")
            line("}")
            indent -= 1
            line("} catch { throw error.inside(\"\(name)\") }")
            line("state = \(c)")
            indent -= 1
            line("}")
            return s.union([c])
        }
        if l.occurs.min == 0 {
            let v = fresh("v")
            line("if let \(v) = \(access) {")
            indent += 1
            line("do throws(EXIError) {")
            indent += 1
            encodeInstance(l, v, s)
            indent -= 1
            line("} catch { throw error.inside(\"\(name)\") }")
            line("state = \(c)")
            indent -= 1
            line("}")
            return s.union([c])
        }
        line("do throws(EXIError) {")
        indent += 1
        encodeInstance(l, access, s)
        indent -= 1
        line("} catch { throw error.inside(\"\(name)\") }")
        line("state = \(c)")
        return [c]
    }

    /// The element name errors carry; a substitution group's head is left out (the member names itself).
    func pathName(_ l: LeafModel) -> String {
        if case .substitution = l.value! { return "" }
        return l.name
    }

    func encodeInstance(_ l: LeafModel, _ value: String, _ s: Set<Int>, optionalSubject: Bool = false) {
        switch l.value! {
        case .complex:
            emitEvent(l.terminals[0], s)
            line("try \(value).encodeContent(&w)")
        case .scalar(let sc, let p):
            emitEvent(l.terminals[0], s)
            encodeSimpleElement(sc, value, partition: p.map(String.init), name: l.name)
        case .substitution(let m):
            let large = SizeEstimate.of(m) >= SizeEstimate.large
            if large {
                // by tag, then the member's payload in place (a binding `switch` copies the whole enum), when
                // the payloads are stored plain (the tag after them, not in their spare bits)
                helpers.substitutionTags.insert(m.qualified)
                let optionalType = optionalSubject ? "?" : ""
                line("if \(m.qualified)._payloadsStoredPlain {")
                indent += 1
                line("switch \(tagInPlace(m.qualified, value, optional: optionalSubject)) {")
                for (k, member) in m.members.enumerated() {
                    line("case \(k):")
                    indent += 1
                    emitEvent(l.terminals[k], s)
                    let t = member.value.swiftType
                    if case .complex(let sm) = member.value, sm.attributes.isEmpty, SizeEstimate.of(sm) == 0 {
                        // nothing to read in place (DIN SessionStopReq): a pointer to the enum for an empty payload
                        // made the optimizer copy the whole `Body` to take its address
                        line("do throws(EXIError) { try \(t)().encodeContent(&w) } catch { throw error.inside(\"\(member.qname.local)\") }")
                        indent -= 1
                        continue
                    }
                    line("do throws(EXIError) {")
                    line("    try withUnsafePointer(to: \(value)) { (p: UnsafePointer<\(m.qualified)\(optionalType)>) throws(EXIError) in")
                    indent += 2
                    let x = fresh("m")
                    line("let \(x) = EXIPayload.of(p, as: \(t).self)")
                    switch member.value {
                    case .complex:
                        line("try \(x).pointee.encodeContent(&w)")
                    case .scalar(let sc, let p):
                        encodeSimpleElement(sc, "\(x).pointee", partition: p.map(String.init), name: member.qname.local)
                    case .substitution:
                        line("throw w.unsupported()")
                    }
                    indent -= 2
                    line("    }")
                    line("} catch { throw error.inside(\"\(member.qname.local)\") }")
                    indent -= 1
                }
                line("default: break")
                line("}")
                indent -= 1
                line("} else {")
                indent += 1
            }
            line("switch \(value) {")
            for (k, member) in m.members.enumerated() {
                let x = fresh("m")
                line(optionalSubject ? "case .some(.\(member.caseName)(let \(x))):" : "case .\(member.caseName)(let \(x)):")
                indent += 1
                emitEvent(l.terminals[k], s)
                switch member.value {
                case .complex:
                    line("do throws(EXIError) { try \(x).encodeContent(&w) } catch { throw error.inside(\"\(member.qname.local)\") }")
                case .scalar(let sc, let p):
                    encodeSimpleElement(sc, x, partition: p.map(String.init), name: member.qname.local)
                case .substitution:
                    line("throw w.unsupported()")
                }
                indent -= 1
            }
            if optionalSubject { line("case .none: break") }
            line("}")
            if large {
                indent -= 1
                line("}")
            }
        }
    }

    /// A simple-typed element's content: CH, value, EE (1 bit each); an empty string or binary value
    /// ends the element through the 2nd-level EE instead, as Josev's codec does.
    func encodeSimpleElement(_ sc: Scalar, _ v: String, partition: String?, name: String) {
        var minLength = -1
        if case .string(let m) = sc { minLength = m.minLength }
        if case .binary(let m) = sc { minLength = m.minLength }
        if minLength >= 0 {
            line("if \(v).count == 0 {")
            line(minLength > 0 ? "    throw w.error(.lengthOutOfRange(length: 0, min: \(minLength), max: Int.max))" : "    try w.writeEmptySimpleElement()")
            line("} else {")
            indent += 1
        }
        line("try w.writeBits(0, 1)  // CH")
        encodeScalar(sc, v, partition: partition, name: name)
        line("try w.writeBits(0, 1)  // EE")
        if minLength >= 0 {
            indent -= 1
            line("}")
        }
    }

    /// Decoding side of `encodeSimpleElement`.
    func decodeSimpleElement(_ sc: Scalar, _ target: String, optional: Bool, partition: String?, name: String) {
        line("if try r.readSimpleElementIsEmpty() {")
        var minLength = -1
        if case .string(let m) = sc { minLength = m.minLength }
        if case .binary(let m) = sc { minLength = m.minLength }
        if minLength == 0 {
            line("    \(target) = \(sc.swiftType)()")
        } else if minLength > 0 {
            line("    throw r.error(.lengthOutOfRange(length: 0, min: \(minLength), max: Int.max))")
        } else {
            line("    throw r.error(.unexpectedEvent)  // an empty value is not a \(sc.swiftType)")
        }
        line("} else {")
        indent += 1
        decodeScalar(sc, target, optional: optional, partition: partition, name: name)
        line("try r.expectSimpleEvent()  // EE")
        indent -= 1
        line("}")
    }

    var partitionsByName: [String: Int] = [:]
    func partitionArgument(_ m: StructModel, _ element: String) -> String {
        if case .simple(.string, _) = m.content { return ", partition: \(partitionsByName[element] ?? 0)" }
        return ""
    }

    func encodeScalar(_ sc: Scalar, _ v: String, partition: String?, name: String) {
        switch sc {
        case .boolean:
            line("try w.writeBoolean(\(v))")
        case .integer(let i):
            switch i.coding {
            case .bounded(let width):
                line("try w.writeBoundedField(Int64(\(v)), minimum: \(i.min), maximum: \(i.max), width: \(width))")
            case .unsigned:
                line("try w.writeUnsignedField(UInt64(\(v)), minimum: \(i.min), maximum: \(i.max))")
            case .signed:
                line("try w.writeIntegerField(Int64(\(v)), minimum: \(i.min), maximum: \(i.max))")
            case .arbitrary:
                line("try w.writeInteger(\(v))")
            }
        case .enumeration(let e):
            line("try w.writeBits(UInt64(\(v).rawValue), \(e.width))")
        case .string(let m):
            line("try w.writeStringField(\(v), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
        case .binary(let m):
            line("try w.writeBinaryField(\(v), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
        }
    }

    // MARK: decoder

    func decoder() -> [String] {
        lines = []
        indent = 2
        var s: Set<Int> = [g.initial]
        line("var state = \(g.initial)")
        line("var ev = 0")
        readEvent(s)
        for (i, a) in model.attributes.enumerated() {
            let next = i + 1
            if a.required {
                line("if ev != \(a.terminal) { throw r.error(.unexpectedEvent).inside(\"\(a.qname.local)\") }")
                decodeScalar(a.scalar, "self.\(a.fieldName)", optional: false, partition: a.partition.map(String.init), name: a.qname.local)
                line("state = \(next)")
                s = [next]
                readEvent(s)
            } else {
                line("if ev == \(a.terminal) {")
                indent += 1
                decodeScalar(a.scalar, "self.\(a.fieldName)", optional: true, partition: a.partition.map(String.init), name: a.qname.local)
                line("state = \(next)")
                readEvent([next])
                indent -= 1
                line("} else {")
                line("    self.\(a.fieldName) = nil")
                line("}")
                s.insert(next)
            }
        }
        switch model.content {
        case .empty:
            break
        case .simple(let sc, _):
            line("if ev != \(g.typedCharsTerminal) { throw r.error(.unexpectedEvent) }")
            decodeScalar(sc, "self.value", optional: false, partition: needsPartition ? "partition" : nil, name: "value")
            line("state = \(g.afterChars)")
            s = [g.afterChars]
            readEvent(s)
        case .particle(let root):
            s = decodeNode(root, base: "self", s)
        }
        line("if ev != \(g.endTerminal) {")
        line("    throw r.error(ev == \(g.anyTerminal) || ev == \(g.mixedCharsTerminal) ? .unsupportedContent : .unexpectedEvent)")
        line("}")
        line("_ = state")
        return lines
    }

    func readerIndex(_ productions: [Int]) -> Int {
        if let k = readers[productions] { return k }
        readers[productions] = readers.count
        return readers.count - 1
    }

    /// `ev = ` the next event's terminal, read in whichever state is current.
    func readEvent(_ states: Set<Int>) {
        var groups: [Int: [Int]] = [:]
        for st in states.sorted() { groups[readerIndex(g.states[st]), default: []].append(st) }
        if groups.count == 1 {
            line("ev = try Self._read\(groups.keys.first!)(&r, state)")
            return
        }
        let keys = groups.keys.sorted()
        line("switch state {")
        for k in keys.dropLast() { line("case \(groups[k]!.map(String.init).joined(separator: ", ")): ev = try Self._read\(k)(&r, state)") }
        line("default: ev = try Self._read\(keys.last!)(&r, state)")
        line("}")
    }

    /// The event readers: one per distinct production list.
    func readerFunctions() -> [String] {
        var out: [String] = []
        for (productions, k) in readers.sorted(by: { $0.value < $1.value }) {
            let width = bitsFor(productions.count)
            out.append("    @inline(__always)")
            out.append("    static func _read\(k)(_ r: inout EXIReader, _ state: Int) throws(EXIError) -> Int {")
            out.append("        switch try r.readBits(\(width)) {")
            for (code, t) in productions.enumerated() {
                out.append("        case \(code): return \(t)  // \(g.terminalNames[t])")
            }
            out.append("        case let code: throw r.undeclared(code, state: state, width: \(width))")
            out.append("        }")
            out.append("    }")
        }
        return out
    }

    func terminalTest(_ ts: [Int]) -> String {
        ts.map { "ev == \($0)" }.joined(separator: " || ")
    }

    func firstTerminals(_ n: CNode) -> [Int] {
        switch n {
        case .leaf(let l): return l.terminals
        case .wildcard: return [g.anyTerminal]
        case .choice(let c, _, _): return c.flatMap(firstTerminals)
        case .sequence(let c, _, _):
            var out: [Int] = []
            for child in c {
                out += firstTerminals(child)
                if child.occurs.min > 0 && !isNullable(child) { break }
            }
            return out
        }
    }

    func isNullable(_ n: CNode) -> Bool {
        switch n {
        case .leaf(let l), .wildcard(let l): return l.occurs.min == 0
        case .sequence(let c, let o, _): return o.min == 0 || c.allSatisfy(isNullable)
        case .choice(let c, let o, _): return o.min == 0 || c.contains(where: isNullable)
        }
    }

    func decodeNode(_ n: CNode, base: String, _ s: Set<Int>) -> Set<Int> {
        switch n {
        case .wildcard:
            line("if ev == \(g.anyTerminal) { throw r.error(.unsupportedContent) }")
            return s
        case .leaf(let l):
            return decodeLeaf(l, "\(base).\(l.fieldName)", s)
        case .sequence(let children, let o, let group):
            guard let group else {
                var cur = s
                for c in children { cur = decodeNode(c, base: base, cur) }
                return cur
            }
            let access = "\(base).\(group.fieldName)"
            let body: (Set<Int>, String) -> Set<Int> = { start, item in
                var cur = start
                for c in children { cur = self.decodeNode(c, base: item, cur) }
                return cur
            }
            let test = terminalTest(firstTerminals(n))
            if o.isRepeated {
                let (top, end) = loopStates(s) { st in body(st, "x") }
                let k = fresh("k")
                line("\(access).removeAll()")
                line("while \(test) {")
                indent += 1
                line("if \(access).isFull { throw r.error(.capacityExceeded(count: \(group.capacity + 1), capacity: \(group.capacity))) }")
                line("var \(k) = \(group.model.qualifiedName)()")
                _ = body(top, k)
                line("\(access).append(\(k))")
                indent -= 1
                line("}")
                return (o.min == 0 ? s : []).union(end)
            }
            line("if \(test) {")
            indent += 1
            let k = fresh("k")
            line("var \(k) = \(group.model.qualifiedName)()")
            let end = body(s, k)
            line("\(access) = \(k)")
            indent -= 1
            line("} else {")
            line("    \(access) = nil")
            line("}")
            return s.union(end)
        case .choice(_, let o, let c):
            let access = "\(base).\(c.fieldName)"
            let test = terminalTest(firstTerminals(n))
            if o.isRepeated {
                let (top, end) = loopStates(s) { st in self.decodeAlternatives(c, target: "x", required: true, st) }
                let k = fresh("k")
                line("\(access).removeAll()")
                line("while \(test) {")
                indent += 1
                line("if \(access).isFull { throw r.error(.capacityExceeded(count: \(c.capacity + 1), capacity: \(c.capacity))) }")
                line("var \(k) = \(c.qualifiedName)()")
                _ = decodeAlternatives(c, target: k, required: true, top)
                line("\(access).append(\(k))")
                indent -= 1
                line("}")
                if o.min > 0 {
                    line("if \(access).count < \(o.min) { throw r.error(.tooFewItems(count: \(access).count, minimum: \(o.min))) }")
                }
                return (o.min == 0 ? s : []).union(end)
            }
            let end = decodeAlternatives(c, target: access, required: o.min > 0, kept: true, s)
            return o.min == 0 ? s.union(end) : end
        }
    }

    /// `kept`: `target` is a field that may already hold a case (the decoded message's storage), not a fresh list item;
    /// testing it first is right either way, since every value of an empty payload is the same.
    func decodeAlternatives(_ c: ChoiceModel, target: String, required: Bool, kept: Bool = false, _ s: Set<Int>) -> Set<Int> {
        var after: Set<Int> = []
        let large = SizeEstimate.of(c) >= SizeEstimate.large
        line("switch ev {")
        for (caseName, node) in c.alternatives {
            line("case \(firstTerminals(node).map(String.init).joined(separator: ", ")):")
            indent += 1
            let x = fresh("x")
            switch node {
            case .leaf(let l):
                line("var \(x): \(l.fieldType) = \(defaultValue(l))")
                after.formUnion(decodeLeaf(l, x, s))
            case .sequence(let children, _, let group):
                line("var \(x) = \(group!.model.qualifiedName)()")
                var cur = s
                for child in children { cur = decodeNode(child, base: x, cur) }
                after.formUnion(cur)
            default:
                line("throw r.error(.unsupportedContent)")
            }
            if kept, large, case .leaf(let l) = node, !l.isList, l.occurs.min > 0, let v = l.value, SubstitutionModel.isEmptyPayload(v) {
                // A payload with no bytes beside a large one (ISO-20 `EIM_AReqAuthorizationMode` beside `PnC_…`):
                // Swift stores the empty case as its index over a zeroed payload area, so assigning it clears the
                // whole area (a memset of kilobytes per message); the case tested in place (no binding) is enough
                // when it is already there, as it is for every message of a session after the first.
                line("if case \(required ? "" : ".some(")\(c.qualifiedName).\(caseName)\(required ? "" : ")") = \(target) {} else { \(target) = .\(caseName)(\(x)) }")
            } else {
                line("\(target) = .\(caseName)(\(x))")
            }
            indent -= 1
        }
        if c.alternatives.count < 64 {
            line("case \(g.anyTerminal): throw r.error(.unsupportedContent)")
        }
        line("default: \(required ? "throw r.error(.unexpectedEvent).inside(\"\(c.alternatives.first.map { firstName($0.node) } ?? "")\")" : "\(target) = nil")")
        line("}")
        return after
    }

    func firstName(_ n: CNode) -> String {
        switch n {
        case .leaf(let l): return l.name
        case .sequence(let c, _, _): return c.first.map(firstName) ?? ""
        default: return ""
        }
    }

    func defaultValue(_ l: LeafModel) -> String {
        if l.isList { return "\(l.fieldType)()" }
        if l.occurs.min == 0 { return "nil" }
        return defaultOf(l.value!)
    }

    func defaultOf(_ v: LeafValue) -> String {
        switch v {
        case .complex(let m): return "\(m.qualifiedName)()"
        case .scalar(let sc, _): return scalarDefault(sc)
        case .substitution(let m): return "\(m.qualified)()"
        }
    }

    func decodeLeaf(_ l: LeafModel, _ access: String, _ s: Set<Int>) -> Set<Int> {
        let name = pathName(l)
        let test = terminalTest(l.terminals)
        if l.isList {
            let loopSet = s.union([l.stateA, l.stateB].compactMap { $0 })
            let k = fresh("k")
            line("\(access).removeAll()")
            line("while \(test) {")
            indent += 1
            line("if \(access).isFull { throw r.error(.capacityExceeded(count: \(l.holds + 1), capacity: \(l.holds))).inside(\"\(name)\") }")
            // decode into a local, then append (a subscript's modify coroutine may allocate unoptimized)
            line("var \(k) = \(defaultOf(l.value!))")
            line("do throws(EXIError) {")
            indent += 1
            decodeInstance(l, k, optional: false, loopSet)
            indent -= 1
            line("} catch { throw error.inside(\"\(name)\") }")
            if l.spills {
                // past the inline part the items go to the list arena (EXISpillList)
                line("if !\(access).append(\(k), spillingInto: r.listArena) {")
                line("    throw r.error(.listArenaFull(needed: \(l.fieldType).spillBytes, available: r.listArena.available)).inside(\"\(name)\")")
                line("}")
            } else {
                line("\(access).append(\(k))")
            }
            line("state = \(classExpression(l, count: "\(access).count"))")
            readEvent(Set([l.stateA, l.stateB, l.stateC].compactMap { $0 }))
            indent -= 1
            line("}")
            if l.occurs.min > 0 {
                line("if \(access).count < \(l.occurs.min) { throw r.error(.tooFewItems(count: \(access).count, minimum: \(l.occurs.min))).inside(\"\(name)\") }")
            }
            return (l.occurs.min == 0 ? s : []).union(l.exitStates)
        }
        let c = l.stateC!
        if l.occurs.min == 0 {
            line("if \(test) {")
        } else {
            line("if !(\(test)) { throw r.error(.unexpectedEvent).inside(\"\(name)\") }")
            line("do {")
        }
        indent += 1
        line("do throws(EXIError) {")
        indent += 1
        decodeInstance(l, access, optional: l.occurs.min == 0, s)
        indent -= 1
        line("} catch { throw error.inside(\"\(name)\") }")
        line("state = \(c)")
        readEvent([c])
        indent -= 1
        if l.occurs.min == 0 {
            // absent: nil (a large optional is tested first: storing nil writes its whole payload area)
            if l.largeOptionalStruct != nil {
                // absent: one store (the slot keeps its storage for the next message)
                line("} else {")
                line("    \(optionalStorage(access, l)).present = 0")
                line("}")
                return s.union([c])
            } else if case .substitution(let m) = l.value!, SizeEstimate.of(m) >= SizeEstimate.large {
                helpers.substitutionTags.insert(m.qualified)
                line("} else if \(tagInPlace(m.qualified, access, optional: true)) >= 0 {")
            } else {
                line("} else {")
            }
            line("    \(access) = nil")
        }
        line("}")
        return l.occurs.min == 0 ? s.union([c]) : [c]
    }

    func decodeInstance(_ l: LeafModel, _ target: String, optional: Bool, _ s: Set<Int>) {
        switch l.value! {
        case .complex(let m):
            if optional, l.largeOptionalStruct != nil {
                // decode in place into the field's slot, made the first time and reused after that
                let storage = optionalStorage(target, l)
                line("\(storage).prepareForDecoding()")
                line("try withUnsafeMutablePointer(to: &\(storage).slot) { (p: UnsafeMutablePointer<\(m.qualifiedName)?>) throws(EXIError) in")
                line("    try EXIPayload.of(p, as: \(m.qualifiedName).self).pointee.decodeContent(&r\(partitionArgument(m, l.name)))")
                line("}")
            } else if optional {
                let x = fresh("o")
                line("var \(x) = \(m.qualifiedName)()")
                line("try \(x).decodeContent(&r\(partitionArgument(m, l.name)))")
                line("\(target) = \(x)")
            } else {
                line("try \(target).decodeContent(&r\(partitionArgument(m, l.name)))")
            }
        case .scalar(let sc, let p):
            decodeSimpleElement(sc, target, optional: optional, partition: p.map(String.init), name: l.name)
        case .substitution(let m):
            let large = SizeEstimate.of(m) >= SizeEstimate.large
            if large { helpers.substitutionTags.insert(m.qualified) }
            line("switch ev {")
            for (k, member) in m.members.enumerated() {
                line("case \(l.terminals[k]):")
                indent += 1
                if large, case .complex(let sm) = member.value {
                    // in place: set the case (a fresh payload, unless it holds this case already: decode writes
                    // every field), then decode into its payload; a local then `target = .case(local)` builds the
                    // enum in a temporary and copies all of it, kilobytes for a V2G Body
                    line("if \(m.qualified)._payloadsStoredPlain {")
                    for text in Self.decodeCaseInPlace(enumType: m.qualified, subject: target, optional: optional, index: k,
                                                       caseName: member.caseName, payload: sm.qualifiedName,
                                                       arguments: partitionArgument(sm, member.qname.local), element: member.qname.local) {
                        line("    " + text)
                    }
                    line("} else {")
                    indent += 1
                }
                let x = fresh("m")
                switch member.value {
                case .complex(let sm):
                    line("var \(x) = \(sm.qualifiedName)()")
                    line("do throws(EXIError) { try \(x).decodeContent(&r\(partitionArgument(sm, member.qname.local))) } catch { throw error.inside(\"\(member.qname.local)\") }")
                case .scalar(let sc, let p):
                    line("var \(x) = \(scalarDefault(sc))")
                    decodeSimpleElement(sc, x, optional: false, partition: p.map(String.init), name: member.qname.local)
                case .substitution:
                    line("var \(x) = \(m.qualified)()")
                    line("throw r.error(.unsupportedContent)")
                }
                line("\(target) = .\(member.caseName)(\(x))")
                if large, case .complex = member.value {
                    indent -= 1
                    line("}")
                }
                indent -= 1
            }
            line("default: throw r.error(.unexpectedEvent)")
            line("}")
        }
    }

    func scalarDefault(_ sc: Scalar) -> String {
        switch sc {
        case .boolean: return "false"
        case .integer(let i): return i.coding.isArbitrary ? "EXIInteger()" : "\(i.swiftType)(0)"
        case .enumeration(let e): return "\(e.qualified).\(e.caseNames[0])"
        case .string, .binary: return "\(sc.swiftType)()"
        }
    }

    func decodeScalar(_ sc: Scalar, _ target: String, optional: Bool, partition: String?, name: String) {
        switch sc {
        case .boolean:
            line("\(target) = try r.readBoolean()")
        case .integer(let i):
            switch i.coding {
            case .bounded(let width):
                line("\(target) = \(i.swiftType)(truncatingIfNeeded: try r.readBoundedField(minimum: \(i.min), maximum: \(i.max), width: \(width)))")
            case .unsigned:
                line("\(target) = \(i.swiftType)(truncatingIfNeeded: try r.readUnsignedField(minimum: \(i.min), maximum: \(i.max)))")
            case .signed:
                line("\(target) = \(i.swiftType)(truncatingIfNeeded: try r.readIntegerField(minimum: \(i.min), maximum: \(i.max)))")
            case .arbitrary:
                if optional {
                    let x = fresh("i")
                    line("var \(x) = EXIInteger()")
                    line("try r.readInteger(into: &\(x))")
                    line("\(target) = \(x)")
                } else {
                    line("try r.readInteger(into: &\(target))")
                }
            }
        case .enumeration(let e):
            let x = fresh("e")
            line("guard let \(x) = \(e.qualified)(rawValue: UInt8(truncatingIfNeeded: try r.readEnumeration(count: \(e.values.count), width: \(e.width)))) else { throw r.error(.unexpectedEvent) }")
            line("\(target) = \(x)")
        case .string(let m):
            if optional {
                let x = fresh("s")
                line("var \(x) = \(sc.swiftType)()")
                line("try r.readStringField(into: &\(x), partition: \(partition ?? "0"), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
                line("\(target) = \(x)")
            } else {
                line("try r.readStringField(into: &\(target), partition: \(partition ?? "0"), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
            }
        case .binary(let m):
            if optional {
                let x = fresh("b")
                line("var \(x) = \(sc.swiftType)()")
                line("try r.readBinaryField(into: &\(x), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
                line("\(target) = \(x)")
            } else {
                line("try r.readBinaryField(into: &\(target), minLength: \(m.minLength), maxLength: \(m.maxLength ?? m.capacity))")
            }
        }
    }
}
