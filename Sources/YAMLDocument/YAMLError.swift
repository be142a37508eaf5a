/// Why a text is not one well-formed YAML document, with where libyaml (or the composer) saw it.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Bytes that are not UTF-8, or a control character YAML does not allow (YAML 1.1 §5.1).
        case reader
        /// Tokens: an unclosed quote, a tab used for indentation, a bad escape.
        case scanner
        /// Structure: a value where a key belongs, a mapping that does not line up.
        case parser
        /// A well-formed stream that is not one document of unique keys and known anchors.
        case composer
        /// libyaml ran out of memory.
        case memory
    }
    public var kind: Kind
    public var problem: String
    /// Where the problem is (reader errors: the line and column of the byte offset).
    public var mark: YAMLNode.Mark?
    /// What was being read when it went wrong ("while parsing a block mapping") and where that began.
    public var context: String?
    public var contextMark: YAMLNode.Mark?
    /// A repeated key: its text and where it was first written (`mark` is the repetition).
    public var duplicateKey: String?
    /// A repeated key: the keys of the mappings it is in, outermost first, and itself ("devices",
    /// "evcc", "kind"); a list item is "[index]" appended to its list's key.
    public var keyPath: [String] = []

    public init(kind: Kind, problem: String, mark: YAMLNode.Mark?, context: String? = nil, contextMark: YAMLNode.Mark? = nil,
                duplicateKey: String? = nil, keyPath: [String] = []) {
        self.kind = kind
        self.problem = problem
        self.mark = mark
        self.context = context
        self.contextMark = contextMark
        self.duplicateKey = duplicateKey
        self.keyPath = keyPath
    }

    public var description: String {
        var text = problem
        if let context, let contextMark { text += " (\(context) at \(contextMark))" }
        if let mark { text += " at \(mark)" }
        return text
    }
}
