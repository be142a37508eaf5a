import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import Testing

/// Paths of the repository, found from this source file (tests run from the source tree, on the
/// host and in the HIL VM alike).
enum Repo {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static let boards = root + "/Boards"
    static let fixtures = root + "/Tests/BoardsTests/Fixtures"
    static let golden = root + "/Tests/BoardsTests/Golden"

    /// The locator a user in the repository root would have, with no $CHARGEKIT_BOARDS.
    static var locator: BoardLocator {
        BoardLocator(environment: [:], currentDirectory: root, executablePath: nil, systemDirectory: "/nonexistent/etc/chargekit/boards")
    }

    /// Replaces the checkout's location, so golden text is the same in every checkout.
    static func normalize(_ text: String) -> String {
        text.replacingOccurrences(of: root, with: "<repo>")
    }
}

/// Compares `actual` with the golden file `name`; `UPDATE_GOLDEN=1` rewrites the file instead.
func expectGolden(_ actual: String, _ name: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let path = Repo.golden + "/" + name
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "differs from Golden/\(name) (UPDATE_GOLDEN=1 rewrites it)", sourceLocation: sourceLocation)
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "chargekit-boards-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
