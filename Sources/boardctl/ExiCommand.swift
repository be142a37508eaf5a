import ArgumentParser
import EXITool
import Foundation

/// `boardctl exi decode|encode`: the EXI debugging tool (V2G messages as Josev-shaped JSON).
/// Register with `subcommands: [..., Exi.self]` in the root command.
struct Exi: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode or encode V2G EXI messages (JSON in the shape Josev's codec uses).",
        subcommands: [Decode.self, Encode.self])

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "EXI hex (argument or stdin) -> JSON on stdout.")

        @Option(help: "Schema: \(EXISchema.allCases.map(\.rawValue).joined(separator: "|")).")
        var schema: EXISchema

        @Argument(help: "EXI bytes as hex; read from stdin when absent.")
        var hex: String?

        func run() throws {
            let text = hex ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            do {
                print(try EXITool.decode(schema: schema, hex: text))
            } catch {
                FileHandle.standardError.write(Data("boardctl exi decode: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "JSON (file argument or stdin) -> EXI hex on stdout.")

        @Option(help: "Schema: \(EXISchema.allCases.map(\.rawValue).joined(separator: "|")).")
        var schema: EXISchema

        @Argument(help: "JSON file; read from stdin when absent or '-'.")
        var file: String?

        func run() throws {
            let text: String
            if let file, file != "-" {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("boardctl exi encode: cannot read \(file)\n".utf8))
                    throw ExitCode(1)
                }
                text = String(decoding: data, as: UTF8.self)
            } else {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            do {
                print(try EXITool.encode(schema: schema, json: text))
            } catch {
                FileHandle.standardError.write(Data("boardctl exi encode: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

extension EXISchema: ExpressibleByArgument {}
