import YAMLDocument

/// What a `boardctl` command prints and how it exits. The commands are thin wrappers around these
/// functions, which is what the tests call (with an injected locator and factory).
public struct ToolResult: Sendable, Equatable {
    /// For stdout.
    public var output: String
    /// For stderr (schema errors, lookup failures).
    public var errors: String
    public var exitCode: Int32

    public init(output: String = "", errors: String = "", exitCode: Int32) {
        self.output = output
        self.errors = errors
        self.exitCode = exitCode
    }
}

public enum BoardTool {
    /// Every device present (or, for `validate`, every file valid).
    public static let exitOK: Int32 = 0
    /// A device the board needs is missing or failing.
    public static let exitDevicesMissing: Int32 = 1
    /// The board file is bad or was not found.
    public static let exitBadBoard: Int32 = 2

    /// `boardctl probe --board NAME|FILE [--json]`. `factory` picks the device factory for the loaded
    /// board (the composition's choice: twins for a simulated board, the Linux devices otherwise —
    /// `Boards` itself knows no simulator).
    public static func probe(board argument: String, json: Bool, locator: BoardLocator,
                             factory: (BoardDefinition) -> any DeviceFactory,
                             roleProbes: [DeviceRole: RoleProbe] = [:]) -> ToolResult {
        let board: BoardDefinition
        switch load(argument, locator: locator) {
        case .success(let b): board = b
        case .failure(let f): return ToolResult(errors: f.errors, exitCode: f.exitCode)
        }
        let report = BoardProbe.run(board, factory: factory(board),
                                    roleProbes: roleProbes)
        return ToolResult(output: json ? report.json() : report.table(), exitCode: report.exitCode)
    }

    /// Resolves and loads a board, or the result that reports why not (exit 2).
    public static func load(_ argument: String, locator: BoardLocator) -> Result<BoardDefinition, ToolFailure> {
        let path: String
        do throws(BoardLookupError) { path = try locator.resolve(argument) } catch {
            return .failure(ToolFailure(errors: "boardctl: \(error)\n", exitCode: exitBadBoard))
        }
        do throws(BoardFileError) { return .success(try BoardLoader.load(path: path)) } catch {
            let n = error.issues.count
            return .failure(ToolFailure(errors: "\(error)\n\(path): \(n) problem\(n == 1 ? "" : "s"); nothing probed\n",
                                        exitCode: exitBadBoard))
        }
    }

    /// `boardctl validate FILE…`: checks each file against the schema without opening anything.
    public static func validate(_ arguments: [String], locator: BoardLocator) -> ToolResult {
        var result = ToolResult(exitCode: exitOK)
        for argument in arguments {
            let path: String
            do throws(BoardLookupError) { path = try locator.resolve(argument) } catch {
                result.errors += "boardctl: \(error)\n"
                result.exitCode = exitBadBoard
                continue
            }
            // A station config (`chargerd --config`) is checked as one; everything else as a board file.
            let text = try? TextFile.read(path: path)
            if let text, StationConfigLoader.isStationConfig(text: text) {
                do throws(BoardFileError) {
                    let station = try StationConfigLoader.load(text: text, file: path)
                    result.output += "\(path): ok (station \(station.station), EVSE ID \(station.evseID), authorization \(station.authorization.rawValue))\n"
                } catch {
                    let n = error.issues.count
                    result.errors += "\(error)\n\(path): \(n) problem\(n == 1 ? "" : "s")\n"
                    result.exitCode = exitBadBoard
                }
                continue
            }
            do throws(BoardFileError) {
                // Read once above; a file that could not be read is read again only to report why.
                let board = if let text { try BoardLoader.load(text: text, file: path) } else { try BoardLoader.load(path: path) }
                result.output += "\(path): ok (board \(board.name), \(board.vehicleLink.rawValue)"
                    + "\(board.simulated ? ", simulated" : ""), \(board.devices.count) device\(board.devices.count == 1 ? "" : "s"))\n"
            } catch {
                let n = error.issues.count
                result.errors += "\(error)\n\(path): \(n) problem\(n == 1 ? "" : "s")\n"
                result.exitCode = exitBadBoard
            }
        }
        return result
    }

    /// `boardctl boards`: every board the lookup can find.
    public static func listBoards(locator: BoardLocator) -> ToolResult {
        let known = locator.knownBoards()
        var rows: [[String]] = [["NAME", "VEHICLE LINK", "SIMULATED", "DEVICES", "FILE"]]
        for (name, path) in known {
            if let board = try? BoardLoader.load(path: path) {
                rows.append([name, board.vehicleLink.rawValue, board.simulated ? "yes" : "no", "\(board.devices.count)", path])
            } else {
                rows.append([name, "invalid", "-", "-", path + "  (boardctl validate shows why)"])
            }
        }
        var widths = Array(repeating: 0, count: 5)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i < 4 ? cell + String(repeating: " ", count: widths[i] - cell.count + 2) : cell
            }
            out += line + "\n"
        }
        let dirs = locator.searchDirectories()
        out += "\nsearched: " + (dirs.isEmpty ? "(no board directory exists)" : dirs.joined(separator: ", ")) + "\n"
        return ToolResult(output: out, exitCode: known.isEmpty ? exitBadBoard : exitOK)
    }
}

/// A command that stops before doing its work.
public struct ToolFailure: Error, Sendable, Equatable {
    public var errors: String
    public var exitCode: Int32
}
