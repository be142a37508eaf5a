/// One problem in a board file, in the form compilers use so editors can jump to it:
/// `Boards/x.yaml:12:5: devices.cp_uart.baud: expected an integer 50…4000000, got "fast"`.
public struct BoardIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Nil when the file could not be read at all.
    public var location: FilePosition?
    /// Dotted path of the key ("devices.cp_uart.baud"); empty for problems of the file as a whole
    /// (malformed YAML).
    public var keyPath: String
    public var message: String

    public init(file: String, location: FilePosition?, keyPath: String, message: String) {
        self.file = file
        self.location = location
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var text = file
        if let location { text += ":\(location.line):\(location.column)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// Everything wrong with one board file (never just the first problem).
public struct BoardFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Sorted by position.
    public var issues: [BoardIssue]

    public init(file: String, issues: [BoardIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
