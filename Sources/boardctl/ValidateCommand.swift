import ArgumentParser
import Boards

/// `boardctl validate`: checks board files against the schema without touching hardware.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check board files against the schema; print every problem as FILE:LINE:COLUMN: KEY: MESSAGE."
    )

    @Argument(help: "Board files (or board names).")
    var files: [String]

    func run() throws {
        try emit(BoardTool.validate(files, locator: .forCurrentProcess()))
    }
}
