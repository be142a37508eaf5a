import CYAML

extension YAMLNode {
    /// Composes `text`, which must hold at most one YAML document, into nodes: nil for a text with no
    /// document (empty, or only comments). libyaml (Debian's libyaml, through `CShims/CYAML`) scans and
    /// parses; this walks its events into nodes, resolves aliases, and refuses what a config file must
    /// not hold: a second document, a repeated key, an alias to no anchor, nesting deeper than
    /// `maximumDepth`, more than `maximumAliases` aliases (a few aliases can otherwise stand for an
    /// exponential number of nodes, the "billion laughs" of XML).
    ///
    /// Runs when a file is read (start-up, a test, a tool), never in the loop's tick: it allocates.
    public static func compose(yaml text: String) throws(YAMLError) -> YAMLNode? {
        var composer = try YAMLComposer(text)
        defer { composer.close() }
        return try composer.document()
    }

    /// Deeper nesting than any board, station or scenario file needs, and shallow enough that the
    /// recursive walk cannot exhaust the stack on hostile input.
    public static let maximumDepth = 64
    /// Aliases in one document.
    public static let maximumAliases = 256
}

/// The event walk behind `YAMLNode.compose(yaml:)`.
struct YAMLComposer {
    private var parser: OpaquePointer?
    private let bytes: [UInt8]
    private var event = ck_yaml_event()
    private var anchors: [String: YAMLNode] = [:]
    private var aliases = 0
    /// The keys (and list indexes) from the root to the node being composed, for a repeated key's path.
    private var path: [String] = []

    init(_ text: String) throws(YAMLError) {
        bytes = Array(text.utf8)
        var p: OpaquePointer?
        let rc = bytes.withUnsafeBufferPointer { ck_yaml_open(&p, $0.baseAddress, $0.count) }
        guard rc == 0, let p else { throw YAMLError(kind: .memory, problem: "out of memory", mark: nil) }
        parser = p
    }

    mutating func close() {
        ck_yaml_close(parser)
        parser = nil
    }

    private var mark: YAMLNode.Mark { YAMLNode.Mark(line: event.line + 1, column: event.column + 1) }

    /// Reads the next event into `event`, or throws what libyaml reported.
    private mutating func next() throws(YAMLError) {
        let rc = ck_yaml_next(parser, &event)
        guard rc != 0 else { return }
        var e = ck_yaml_error()
        ck_yaml_last_error(parser, &e)
        throw error(from: e, rc: rc)
    }

    private func error(from e: ck_yaml_error, rc: Int32) -> YAMLError {
        let problem = e.problem.map { String(cString: $0) } ?? "malformed YAML"
        switch Int(e.kind) {
        case Int(CK_YAML_MEMORY_ERROR.rawValue):
            return YAMLError(kind: .memory, problem: "out of memory", mark: nil)
        case Int(CK_YAML_READER_ERROR.rawValue):
            var text = problem
            if e.problem_value >= 0 { text += " (#\(String(e.problem_value, radix: 16, uppercase: true)))" }
            return YAMLError(kind: .reader, problem: text, mark: position(ofByte: e.problem_offset))
        default:
            let kind: YAMLError.Kind = Int(e.kind) == Int(CK_YAML_SCANNER_ERROR.rawValue) ? .scanner : .parser
            let context = e.context.map { String(cString: $0) }
            return YAMLError(kind: kind, problem: problem,
                             mark: YAMLNode.Mark(line: e.problem_line + 1, column: e.problem_column + 1),
                             context: context,
                             contextMark: context == nil ? nil : YAMLNode.Mark(line: e.context_line + 1, column: e.context_column + 1))
        }
    }

    /// Line and column (in characters) of a byte offset, for the reader's errors, which carry only the offset.
    private func position(ofByte offset: Int) -> YAMLNode.Mark {
        let prefix = bytes.prefix(min(offset, bytes.count))
        let line = prefix.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        let lineStart = (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        let column = String(decoding: bytes[lineStart..<prefix.endIndex], as: UTF8.self).unicodeScalars.count + 1
        return YAMLNode.Mark(line: line, column: column)
    }

    private var kind: Int { Int(event.kind) }

    mutating func document() throws(YAMLError) -> YAMLNode? {
        try next()  // stream start
        try next()
        if kind == Int(CK_YAML_STREAM_END.rawValue) { return nil }
        // document start
        try next()
        let root = try node(depth: 1)
        try next()  // document end
        try next()
        if kind == Int(CK_YAML_DOCUMENT_START.rawValue) {
            throw YAMLError(kind: .composer, problem: "but found another document", mark: mark,
                            context: "expected a single document in the stream", contextMark: root.mark)
        }
        return root
    }

    /// The node whose first event is in `event`; on return `event` is its last event.
    private mutating func node(depth: Int) throws(YAMLError) -> YAMLNode {
        let start = mark
        guard depth <= YAMLNode.maximumDepth else {
            throw YAMLError(kind: .composer, problem: "nesting deeper than \(YAMLNode.maximumDepth) levels", mark: start)
        }
        let anchor = event.anchor.map { String(cString: $0) }
        let result: YAMLNode
        switch kind {
        case Int(CK_YAML_ALIAS.rawValue):
            aliases += 1
            guard aliases <= YAMLNode.maximumAliases else {
                throw YAMLError(kind: .composer, problem: "more than \(YAMLNode.maximumAliases) aliases", mark: start)
            }
            guard let anchor, let target = anchors[anchor] else {
                throw YAMLError(kind: .composer, problem: "found undefined alias *\(anchor ?? "")", mark: start)
            }
            return target.moved(to: start)
        case Int(CK_YAML_SCALAR.rawValue):
            let value = UnsafeBufferPointer(start: event.value, count: event.value_length)
            result = .scalar(YAMLNode.Scalar(String(decoding: value, as: UTF8.self), style: style, mark: start))
        case Int(CK_YAML_SEQUENCE_START.rawValue):
            var items: [YAMLNode] = []
            try next()
            while kind != Int(CK_YAML_SEQUENCE_END.rawValue) {
                let parent = path.popLast()
                path.append((parent ?? "") + "[\(items.count)]")
                items.append(try node(depth: depth + 1))
                path.removeLast()
                if let parent { path.append(parent) }
                try next()
            }
            result = .sequence(YAMLNode.Sequence(items, mark: start))
        case Int(CK_YAML_MAPPING_START.rawValue):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var seen: [String: YAMLNode.Mark] = [:]
            try next()
            while kind != Int(CK_YAML_MAPPING_END.rawValue) {
                let key = try node(depth: depth + 1)
                if case .scalar(let s) = key {
                    if let first = seen[s.string] {
                        throw YAMLError(kind: .composer, problem: "found duplicate key \"\(s.string)\"", mark: s.mark,
                                        context: "first written", contextMark: first, duplicateKey: s.string,
                                        keyPath: path + [s.string])
                    }
                    seen[s.string] = s.mark
                }
                try next()
                path.append(key.scalar?.string ?? "?")
                let value = try node(depth: depth + 1)
                path.removeLast()
                pairs.append((key, value))
                try next()
            }
            result = .mapping(YAMLNode.Mapping(pairs, mark: start))
        default:
            throw YAMLError(kind: .parser, problem: "unexpected event \(kind)", mark: start)
        }
        if let anchor { anchors[anchor] = result }
        return result
    }

    private var style: YAMLNode.Scalar.Style {
        switch Int(event.style) {
        case Int(CK_YAML_SINGLE_QUOTED.rawValue): .singleQuoted
        case Int(CK_YAML_DOUBLE_QUOTED.rawValue): .doubleQuoted
        case Int(CK_YAML_LITERAL.rawValue): .literal
        case Int(CK_YAML_FOLDED.rawValue): .folded
        default: .plain
        }
    }
}
