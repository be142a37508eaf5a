// exigen — writes the EXI codec targets (AppHandshake, DIN70121, ISO15118_2, ISO15118_20) from the XSDs.
//
//   swift run exigen [SCHEMAS_DIR] [SOURCES_DIR]     (defaults: ../shared/schemas, Sources)
import EXIGenerator
import Foundation

let args = CommandLine.arguments.dropFirst()
let schemas = URL(fileURLWithPath: args.first ?? "../shared/schemas")
let sources = URL(fileURLWithPath: args.dropFirst().first ?? "Sources")
do {
    let files = try Generator.generate(schemas: schemas)
    let written = try Generator.write(files, to: sources)
    print("exigen: wrote \(written.count) files below \(sources.path)")
} catch {
    FileHandle.standardError.write("exigen: \(error)\n".data(using: .utf8)!)
    exit(1)
}
