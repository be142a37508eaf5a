import EXIGenerator
import Foundation
import Testing

/// The committed generated code is exactly what exigen writes from ../shared/schemas today.
@Suite struct RegenerationTests {
    @Test func regeneratingGivesIdenticalBytes() throws {
        let files = try Generator.generate(schemas: SharedFiles.schemas)
        #expect(files.count > 400)
        let sources = SharedFiles.packageRoot.appendingPathComponent("Sources")
        var differing: [String] = []
        for (path, text) in files {
            let committed = try? String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)
            if committed != text { differing.append(path) }
        }
        #expect(differing.isEmpty, "stale generated files (run `swift run exigen`): \(differing.sorted().prefix(10))")
        // and no generated file is left over from an older schema set
        for family in ["AppHandshake", "DIN70121", "ISO15118_2", "ISO15118_20"].flatMap({ [$0, $0 + "JSON"] }) {
            let dir = sources.appendingPathComponent("\(family)/Generated")
            let enumerator = FileManager.default.enumerator(atPath: dir.path)
            while let file = enumerator?.nextObject() as? String {
                guard file.hasSuffix(".swift") else { continue }
                #expect(files["\(family)/Generated/\(file)"] != nil, "leftover \(family)/Generated/\(file)")
            }
        }
    }
}
