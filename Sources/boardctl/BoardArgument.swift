import ArgumentParser
import Boards

/// The board a command names (`--board NAME|FILE`). A board that cannot be loaded prints its errors on
/// standard error and ends the command with `BoardTool`'s exit code (2 for a bad board file).
func loadBoard(_ argument: String) throws -> BoardDefinition {
    switch BoardTool.load(argument, locator: .forCurrentProcess()) {
    case .success(let definition): return definition
    case .failure(let failure):
        printToStandardError(failure.errors)
        throw ExitCode(failure.exitCode)
    }
}
