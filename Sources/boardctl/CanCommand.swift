import AdvanticsCAN
import ArgumentParser
import Foundation

/// `boardctl can …`: CAN tools for the ADVANTICS interfaces. Register with `subcommands: [..., Can.self]`.
struct Can: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CAN tools for the ADVANTICS generic interfaces (EVSE v3, PEV v2).",
        subcommands: [Replay.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Feed a candump log (candump -l, or ID#DATA lines) through the ADVANTICS codec and print it decoded.")

        @Argument(help: "The candump log file ('-' for stdin).")
        var file: String

        @Option(help: "PEV interface resolutions: v2.5 (default), v2-early, or amps=1|0.1,kwh=0.1|0.01,energy-order=database|simulator.")
        var pevScaling = "v2.5"

        func run() throws {
            guard let scaling = PEVScaling(boardValue: pevScaling) else {
                throw ValidationError("unknown --pev-scaling \(pevScaling)")
            }
            let codec = AdvanticsCANCodec(pevScaling: scaling)
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                    throw ValidationError("cannot read \(file): \(error.localizedDescription)")
                }
            }
            var frames = 0, skipped = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                guard let record = CandumpRecord(line: line) else {
                    if !line.trimmingCharacters(in: .whitespaces).isEmpty { skipped += 1 }
                    continue
                }
                frames += 1
                let prefix = (record.timestamp.map { "(\($0)) " } ?? "") + (record.interface.map { "\($0) " } ?? "")
                print(prefix + codec.describe(record.frame))
            }
            print("\(frames) frames decoded with PEV scaling \(scaling)\(skipped > 0 ? ", \(skipped) lines not candump frames" : "")")
        }
    }
}
