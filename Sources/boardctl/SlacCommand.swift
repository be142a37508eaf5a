import Glibc
import ArgumentParser
import Boards
import HAL
import SLAC
import SlacRunner

/// `boardctl slac`: runs one ISO 15118-3 association as the EVSE (`SlacMatcher`) or the EV
/// (`SlacRequester`) and prints every message and timer as it happens, then a RESULT line.
struct Slac: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slac",
        abstract: "Run one SLAC association (ISO 15118-3) as EVSE or EV and print each message and timer.",
        discussion: """
            --board sim runs both sides in-process on the simulated board (manual clock, modem stand-ins). \
            On hardware the board's plc-modem interface (qcaspi eth1) carries it; --interface overrides it \
            (a veth end in a test namespace). Without a modem on the link, --modem keys|modem|far-evse \
            puts the HomePlug modem stand-in between the host and the wire. Exit code 0 = matched.
            """
    )

    @Option(name: .long, help: "Board name (Boards/NAME.yaml); 'sim' runs both sides in-process.")
    var board: String

    @Option(name: .long, help: "evse or ev.")
    var role: SlacRunner.Role

    @Option(name: .long, help: "Network interface carrying HomePlug frames (overrides the board's PLC link).")
    var interface: String?

    @Option(name: .long, help: "Modem stand-in: none (a real modem answers), keys, modem, far-evse.")
    var modem: SlacRunner.ModemStandIn = .none

    @Option(name: .long, help: "Control pilot goes to B this many ms after start.")
    var pilotDelayMs: Int = 0

    @Option(name: .long, help: "Give up after this many seconds.")
    var timeLimit: Int = 30

    @Option(name: .long, help: "Stay this many ms after matching (answers a repeated CM_SLAC_MATCH.REQ).")
    var holdMs: Int = 300

    @Option(name: .long, help: "EVSE: TT_EVSE_SLAC_init in seconds (20…50).")
    var slacInit: Int = 40

    mutating func run() throws {
        var options = SlacRunner.Options(role: role)
        options.board = try loadBoard(board)
        options.interface = interface
        options.standIn = modem
        options.pilotDelay = .milliseconds(Int64(pilotDelayMs))
        options.timeLimit = .seconds(Int64(timeLimit))
        options.hold = .milliseconds(Int64(holdMs))
        options.evse.slacInit = .seconds(Int64(min(max(slacInit, 20), 50)))
        let outcome: SlacRunner.Outcome
        do {
            outcome = try SlacRunner.run(options) {
                print($0)
                fflush(nil)
            }
        } catch {
            printToStandardError("boardctl slac: \(error)\n")
            throw ExitCode(2)
        }
        if outcome.matched == nil { throw ExitCode(1) }
    }
}

extension SlacRunner.Role: ExpressibleByArgument {}
extension SlacRunner.ModemStandIn: ExpressibleByArgument {}
