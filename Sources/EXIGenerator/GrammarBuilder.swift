/// Builds a type's normalized EXI grammar (EXI 1.0 §8.5.4) from its attributes and content model.
///
/// States are the positions of the content model (Glushkov construction): the state before each
/// attribute, the initial content state, and for every element particle the states after its k-th
/// occurrence, collapsed into three classes: k < minOccurs (A), minOccurs ≤ k < maxOccurs (B), k = maxOccurs (C).
/// That is the unrolled particle grammar of §8.5.4.1.5 with equal states merged.
/// Event codes follow §8.5.4.4.2: AT(qname) sorted by qname, then SE(qname) in schema order (substitution
/// group members sorted by qname), then SE(*), then EE, then CH; each state also has the 2nd-level escape
/// of a non-strict grammar (§8.5.4.4.1), so n productions take ⌈log2(n+1)⌉ bits.
struct GrammarBuilder {
    let model: StructModel
    let g = TypeGrammar()
    var leaves: [LeafModel] = []
    var follow: [Int: [Int]] = [:]  // leaf state -> leaf ids

    init(_ model: StructModel) { self.model = model }

    mutating func build() -> TypeGrammar {
        // terminals
        for a in model.attributes {
            a.terminal = g.terminalNames.count
            g.terminalNames.append("AT(\(a.qname.local))")
        }
        var root: CNode?
        if case .particle(let r) = model.content {
            root = r
            collectLeaves(r)
            for l in leaves {
                guard case .some(let v) = l.value else { continue }
                if case .substitution(let m) = v {
                    l.terminals = m.members.map { member in
                        g.terminalNames.append("SE(\(member.qname.local))")
                        return g.terminalNames.count - 1
                    }
                } else {
                    g.terminalNames.append("SE(\(l.name))")
                    l.terminals = [g.terminalNames.count - 1]
                }
            }
        }
        g.anyTerminal = add("SE(*)")
        g.endTerminal = add("EE")
        g.typedCharsTerminal = add("CH")
        g.mixedCharsTerminal = add("CH(mixed)")

        // states: before each attribute, initial content, leaf classes, after simple content
        let nA = model.attributes.count
        let contentInitial = nA
        var stateCount = nA + 1
        for l in leaves {
            // EXI unrolls maxOccurs (§8.5.4.1.5): after the maxOccurs-th item a list offers only what
            // follows (state C). Josev's ISO 15118-2 grammar keeps offering a few lists past their maximum
            // (Family.loopingLists, found against its bytes), and so does every list of maxOccurs ≥ 1024 (ISO-2
            // PMax/sales tariff entries, ISO-20 schedules and profiles: Josev's bytes at the bounds, issue 15);
            // the codecs check maxOccurs themselves.
            let o = l.occurs
            if o.min >= 2 { l.stateA = stateCount; stateCount += 1 }
            if o.max == 1 {
                l.stateC = stateCount
                stateCount += 1
            } else {
                l.stateB = stateCount
                stateCount += 1
                if o.max != nil, o.max! > max(o.min, 1), o.max! < 1024, !generatorLoopingLists.contains(l.name) {
                    l.stateC = stateCount
                    stateCount += 1
                }
            }
        }
        g.afterChars = stateCount
        stateCount += 1
        g.states = Array(repeating: [], count: stateCount)

        var initialContent: [Int]
        var lastStates: Set<Int> = []
        switch model.content {
        case .empty:
            initialContent = [g.endTerminal]
        case .simple:
            initialContent = [g.typedCharsTerminal]
            g.states[g.afterChars] = [g.endTerminal]
        case .particle(let r):
            buildFollow(r)
            for l in leaves {
                if let a = l.stateA { follow[a, default: []].append(l.id) }
                if let b = l.stateB { follow[b, default: []].append(l.id) }
            }
            lastStates = last(r)
            initialContent = order(first(r), end: nullable(r))
            for l in leaves {
                for s in [l.stateA, l.stateB, l.stateC].compactMap({ $0 }) {
                    g.states[s] = order(follow[s] ?? [], end: lastStates.contains(s))
                }
            }
        }
        g.states[contentInitial] = initialContent
        // attribute states (attributes are already sorted by qname)
        for i in stride(from: nA - 1, through: 0, by: -1) {
            var productions = [model.attributes[i].terminal]
            if !model.attributes[i].required { productions += g.states[i + 1] }
            // AT productions first, sorted (they are, by construction), then the rest keeps its order
            let ats = productions.filter { t in model.attributes.contains { $0.terminal == t } }
            let rest = productions.filter { t in !model.attributes.contains { $0.terminal == t } }
            g.states[i] = ats.sorted() + rest
        }
        g.initial = 0
        return g
    }

    mutating func add(_ name: String) -> Int {
        g.terminalNames.append(name)
        return g.terminalNames.count - 1
    }

    mutating func collectLeaves(_ n: CNode) {
        switch n {
        case .leaf(let l), .wildcard(let l): leaves.append(l)
        case .sequence(let c, _, _), .choice(let c, _, _): c.forEach { collectLeaves($0) }
        }
    }

    func leaf(_ id: Int) -> LeafModel { leaves.first { $0.id == id }! }

    /// Terminals for a set of entering leaves, in EXI event-code order.
    func order(_ ids: [Int], end: Bool) -> [Int] {
        var out: [Int] = []
        var wildcard = false
        for id in Set(ids).sorted() {
            let l = leaf(id)
            if l.value == nil { wildcard = true } else { out += l.terminals }
        }
        if wildcard { out.append(g.anyTerminal) }
        if end { out.append(g.endTerminal) }
        if model.mixed { out.append(g.mixedCharsTerminal) }
        return out
    }

    func nullable(_ n: CNode) -> Bool {
        switch n {
        case .leaf(let l), .wildcard(let l): return l.occurs.min == 0
        case .sequence(let c, let o, _): return o.min == 0 || c.allSatisfy(nullable)
        case .choice(let c, let o, _): return o.min == 0 || c.contains(where: nullable)
        }
    }

    func first(_ n: CNode) -> [Int] {
        switch n {
        case .leaf(let l), .wildcard(let l): return [l.id]
        case .choice(let c, _, _): return c.flatMap(first)
        case .sequence(let c, _, _):
            var out: [Int] = []
            for child in c {
                out += first(child)
                if !nullable(child) { break }
            }
            return out
        }
    }

    func last(_ n: CNode) -> Set<Int> {
        switch n {
        case .leaf(let l), .wildcard(let l): return Set(l.exitStates)
        case .choice(let c, _, _): return c.reduce(into: Set<Int>()) { $0.formUnion(last($1)) }
        case .sequence(let c, _, _):
            var out: Set<Int> = []
            for child in c.reversed() {
                out.formUnion(last(child))
                if !nullable(child) { break }
            }
            return out
        }
    }

    mutating func buildFollow(_ n: CNode) {
        switch n {
        case .leaf, .wildcard:
            break
        case .choice(let c, let o, _):
            c.forEach { buildFollow($0) }
            if o.isRepeated { loop(n) }
        case .sequence(let c, let o, _):
            c.forEach { buildFollow($0) }
            for i in c.indices {
                for s in last(c[i]) {
                    var j = i + 1
                    while j < c.count {
                        follow[s, default: []] += first(c[j])
                        if !nullable(c[j]) { break }
                        j += 1
                    }
                }
            }
            if o.isRepeated { loop(n) }
        }
    }

    mutating func loop(_ n: CNode) {
        for s in last(n) { follow[s, default: []] += first(n) }
    }
}
