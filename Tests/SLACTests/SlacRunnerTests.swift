import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import HAL
@testable import SLAC
import SlacRunner
import Testing

/// `boardctl slac --board sim`: our EVSE over the QCA7000 driver and the simulated chip of the sim
/// board file, our EV on the board's auxiliary link; every message and timer printed.
@Suite struct SlacRunnerOnSimBoard {
    static let sim = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Boards/sim.yaml").path

    @Test(arguments: [SlacRunner.Role.evse, .ev])
    func matchesOnTheSimulatedBoard(_ role: SlacRunner.Role) throws {
        var options = SlacRunner.Options(role: role)
        options.board = try BoardLoader.load(path: Self.sim)
        var lines: [String] = []
        let outcome = try SlacRunner.run(options) { lines.append($0) }
        #expect(outcome.matched != nil, "\(lines.suffix(20).joined(separator: "\n"))")
        #expect(lines.last?.hasPrefix("RESULT matched") == true)
        #expect(lines.contains { $0.contains("CM_SLAC_MATCH.CNF") })
        #expect(lines.contains { $0.contains("timer TT_match_response armed") })
        let sounds = lines.filter { $0.contains("CM_MNBC_SOUND.IND") }.count
        #expect(sounds == 10)
        // The key is a secret: only its fingerprint is printed, never the key itself.
        if let key = outcome.matched?.nmk {
            let all = lines.joined(separator: "\n")
            #expect(!all.uppercased().contains(key.secretHex), "the NMK appears in full in the output")
            #expect(all.contains("nmk=\(key.fingerprint)"))
        }
    }
}
