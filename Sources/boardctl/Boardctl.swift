import ArgumentParser

/// `boardctl`: bring-up tool for ChargeKit boards. Each subcommand lives in its own file; add new
/// ones (exi, cp, slac, …) to `subcommands` below.
@main
struct Boardctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boardctl",
        abstract: "Check, list and probe ChargeKit board files and the hardware they describe.",
        discussion: """
            A board file (Boards/NAME.yaml) names every bus, device path, GPIO line and interface a \
            charger uses. --board NAME searches $CHARGEKIT_BOARDS, a Boards/ directory above the current \
            directory or above this executable, then /etc/chargekit/boards; --board PATH loads a file.
            Exit codes: 0 all good, 1 a device is missing or failing, 2 a bad or unknown board file.
            """,
        subcommands: [ProbeCommand.self, BoardsCommand.self, ValidateCommand.self, LoopCommand.self, CP.self, Slac.self, Exi.self,
                      Power.self, V2GCommand.self, Can.self, Whitebeet.self]
    )
}
