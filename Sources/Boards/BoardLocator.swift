import Glibc
import YAMLDocument

/// Finds board files. `--board NAME` looks for `NAME.yaml` in, in this order:
/// 1. every directory of `$CHARGEKIT_BOARDS` (colon-separated),
/// 2. the first `Boards/` directory found walking up from the current directory,
/// 3. the first `Boards/` directory found walking up from the executable's directory,
/// 4. `/etc/chargekit/boards`.
/// `--board PATH` (anything with a '/' or ending in .yaml/.yml) loads that file.
public struct BoardLocator: Sendable {
    public var environment: [String: String]
    public var currentDirectory: String
    public var executablePath: String?
    public var systemDirectory: String

    public init(environment: [String: String], currentDirectory: String, executablePath: String?,
                systemDirectory: String = "/etc/chargekit/boards") {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executablePath = executablePath
        self.systemDirectory = systemDirectory
    }

    /// The locator for this process: its environment, working directory and executable.
    public static func forCurrentProcess() -> BoardLocator {
        BoardLocator(environment: ProcessEnvironment.variables(),
                     currentDirectory: ProcessEnvironment.currentDirectory(),
                     executablePath: ProcessEnvironment.executablePath() ?? CommandLine.arguments.first)
    }

    /// Whether `argument` names a file rather than a board.
    public static func isPath(_ argument: String) -> Bool {
        argument.contains("/") || argument.hasSuffix(".yaml") || argument.hasSuffix(".yml")
    }

    /// The directories searched for `NAME.yaml`, in order, existing ones only, without repeats.
    public func searchDirectories() -> [String] {
        var result: [String] = []
        func add(_ dir: String) {
            let d = standardized(dir)
            if isDirectory(d), !result.contains(d) {
                result.append(d)
            }
        }
        for dir in (environment["CHARGEKIT_BOARDS"] ?? "").split(separator: ":") where !dir.isEmpty {
            add(dir.hasPrefix("/") ? String(dir) : currentDirectory + "/" + dir)
        }
        if let found = boardsDirectory(above: currentDirectory) { add(found) }
        if let exe = executablePath {
            let absolute = exe.hasPrefix("/") ? exe : currentDirectory + "/" + exe
            if let found = boardsDirectory(above: parent(of: absolute)) { add(found) }
        }
        add(systemDirectory)
        return result
    }

    /// The path of the board file `argument` stands for.
    public func resolve(_ argument: String) throws(BoardLookupError) -> String {
        if Self.isPath(argument) {
            guard TextFile.exists(argument) else { throw .noSuchFile(argument) }
            return argument
        }
        let dirs = searchDirectories()
        for dir in dirs {
            for ext in ["yaml", "yml"] {
                let candidate = "\(dir)/\(argument).\(ext)"
                if TextFile.exists(candidate) { return candidate }
            }
        }
        throw .noSuchBoard(argument, searched: dirs)
    }

    /// Every board found, by name; a name found in several directories counts where it is found first.
    public func knownBoards() -> [(name: String, path: String)] {
        var seen = Set<String>()
        var result: [(name: String, path: String)] = []
        for dir in searchDirectories() {
            let files = ProcessEnvironment.directoryEntries(dir).sorted()
            for file in files where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
                let name = BoardLoader.boardName(forFile: file)
                if seen.insert(name).inserted { result.append((name, "\(dir)/\(file)")) }
            }
        }
        return result
    }

    private func boardsDirectory(above start: String) -> String? {
        var dir = standardized(start)
        while true {
            let candidate = dir == "/" ? "/Boards" : dir + "/Boards"
            if isDirectory(candidate) { return candidate }
            if dir == "/" || dir.isEmpty { return nil }
            dir = parent(of: dir)
        }
    }

    private func isDirectory(_ path: String) -> Bool {
        var s = stat()
        return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
    }

    /// The directory `path` is in ("/a/b" → "/a", "/a" → "/", "b" → ""), as a path's text says.
    func parent(of path: String) -> String {
        let parts = path.split(separator: "/")
        guard parts.count > 1 else { return path.hasPrefix("/") ? "/" : "" }
        return (path.hasPrefix("/") ? "/" : "") + parts.dropLast().joined(separator: "/")
    }

    /// `path` with "." and ".." components and repeated or trailing '/' removed, from the text alone
    /// (symbolic links are left as they are).
    func standardized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else if part == "..", path.hasPrefix("/") {
                continue  // "/.." is "/"
            } else { parts.append(part) }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}

public enum BoardLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchFile(String)
    case noSuchBoard(String, searched: [String])

    public var description: String {
        switch self {
        case .noSuchFile(let path): return "\(path): no such board file"
        case let .noSuchBoard(name, searched):
            let dirs = searched.isEmpty ? "no board directory exists" : "looked in " + searched.joined(separator: ", ")
            return "no board named \"\(name)\" (\(dirs)); `boardctl boards` lists the known boards, "
                + "$CHARGEKIT_BOARDS adds directories"
        }
    }
}
