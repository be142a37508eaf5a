import ArgumentParser
import Boards

/// `boardctl boards`: lists the boards `--board NAME` can find.
struct BoardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boards",
        abstract: "List the known boards and where they were found."
    )

    func run() throws {
        try emit(BoardTool.listBoards(locator: .forCurrentProcess()))
    }
}
