/// A composed YAML node with the position it started at: what the board, station and scenario
/// loaders walk to report every problem at its line and column.
///
/// The shape follows YAML 1.1's representation graph (§3.2.1) without tags: a board file's meaning
/// comes from its keys, and the loaders decide a plain scalar's type themselves (a quoted `"5"` is
/// text, a plain `5` a number), so a scalar keeps its style. Aliases are resolved while composing:
/// an alias is the anchored node again, with the alias's position.
public enum YAMLNode: Sendable, Equatable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Sequence)

    /// A position in the text, 1-based as an editor shows it.
    public struct Mark: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
        public var description: String { "line \(line), column \(column)" }
    }

    public struct Scalar: Sendable, Equatable {
        /// How the scalar was written (YAML 1.1 §4.6): only a plain scalar can be a number, a
        /// boolean or null.
        public enum Style: Sendable, Equatable {
            case plain, singleQuoted, doubleQuoted, literal, folded
        }
        public var string: String
        public var style: Style
        public var mark: Mark
        public init(_ string: String, style: Style = .plain, mark: Mark = Mark(line: 1, column: 1)) {
            self.string = string
            self.style = style
            self.mark = mark
        }
    }

    /// Key-value pairs in the order written. Keys are unique among plain-string keys (the composer
    /// refuses a repeated one: YAML 1.1 §3.2.1.1 says a mapping's keys are unique).
    public struct Mapping: Sendable, Equatable, RandomAccessCollection {
        public var pairs: [(key: YAMLNode, value: YAMLNode)]
        public var mark: Mark
        public init(_ pairs: [(key: YAMLNode, value: YAMLNode)], mark: Mark) {
            self.pairs = pairs
            self.mark = mark
        }
        public var startIndex: Int { pairs.startIndex }
        public var endIndex: Int { pairs.endIndex }
        public subscript(position: Int) -> (key: YAMLNode, value: YAMLNode) { pairs[position] }
        /// The value of the plain-string key `key`, if there is one.
        public subscript(key: String) -> YAMLNode? {
            pairs.first { if case .scalar(let s) = $0.key { s.string == key } else { false } }?.value
        }
        public static func == (a: Mapping, b: Mapping) -> Bool {
            a.mark == b.mark && a.pairs.count == b.pairs.count
                && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }
    }

    public struct Sequence: Sendable, Equatable, RandomAccessCollection {
        public var items: [YAMLNode]
        public var mark: Mark
        public init(_ items: [YAMLNode], mark: Mark) {
            self.items = items
            self.mark = mark
        }
        public var startIndex: Int { items.startIndex }
        public var endIndex: Int { items.endIndex }
        public subscript(position: Int) -> YAMLNode { items[position] }
    }

    /// Where the node starts.
    public var mark: Mark {
        switch self {
        case .scalar(let s): s.mark
        case .mapping(let m): m.mark
        case .sequence(let s): s.mark
        }
    }

    /// The node with another position (an alias's, where the anchored node is used again).
    func moved(to mark: Mark) -> YAMLNode {
        switch self {
        case .scalar(var s): s.mark = mark; return .scalar(s)
        case .mapping(var m): m.mark = mark; return .mapping(m)
        case .sequence(var s): s.mark = mark; return .sequence(s)
        }
    }
}

extension YAMLNode {
    public var scalar: Scalar? { if case .scalar(let s) = self { s } else { nil } }
    public var mapping: Mapping? { if case .mapping(let m) = self { m } else { nil } }
    public var sequence: Sequence? { if case .sequence(let s) = self { s } else { nil } }
}
