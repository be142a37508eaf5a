import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import Boards
import Foundation
import Testing
import TestSupport

/// The built `boardctl` run as a subprocess: exit codes 0/1/2 and where the text goes.
@Suite("boardctl exit codes", .enabled(if: PackageLayout.product("boardctl") != nil, "boardctl is not built next to the test bundle"))
struct BoardctlExitCodeTests {
    func boardctl(_ arguments: String..., cwd: String = Repo.root) throws -> Subprocess.Output {
        try Subprocess.run([PackageLayout.product("boardctl")!] + arguments, directory: cwd,
                           environment: ["CHARGEKIT_BOARDS": nil])
    }

    @Test func simProbePasses() throws {
        let run = try boardctl("probe", "--board", "sim")
        #expect(run.status == 0)
        #expect(run.stdout.hasSuffix("verdict: board ready: 11 of 11 devices present\n"))
        #expect(run.stderr == "")
    }

    /// `boardctl slac --board sim --role evse` prints the session's network membership key only as a fingerprint:
    /// no 16-byte run of hex digits (the key in full) anywhere in its output.
    @Test func slacOnTheSimBoardNeverPrintsTheKey() throws {
        let run = try boardctl("slac", "--board", "sim", "--role", "evse")
        #expect(run.status == 0, "\(run.stderr)")
        let output = run.stdout + run.stderr
        #expect(output.contains("RESULT matched"))
        #expect(output.contains("nmk=nmk#"), "the RESULT line names the key by its fingerprint")
        #expect(output.firstMatch(of: /[0-9A-Fa-f]{32}/) == nil, "a 16-byte key in hex appears in the output")
    }

    @Test func theBinaryFindsBoardsFromElsewhere() throws {
        let tmp = try TemporaryDirectory()
        let run = try boardctl("probe", "--board", "sim", "--json", cwd: tmp.path)
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"exit_code\" : 0"))
    }

    @Test func missingHardwareExitsOne() throws {
        let run = try boardctl("probe", "--board", Repo.fixtures + "/missing-hardware.yaml")
        #expect(run.status == 1)
        #expect(run.stdout.contains("cannot open /nonexistent/chargekit/spidev9.9: No such file or directory — is dtparam=spi=on set?"))
        #expect(run.stdout.hasSuffix("this machine is not wired as missing-hardware (probe it on the board's Raspberry Pi, with Overlays/missing-hardware.txt applied)\n"))
    }

    @Test func realBoardOnThisMachineNeverCrashes() throws {
        // Whatever this host has, the answer is a report (0 or 1), never a crash or a bad-board 2.
        for board in ["rpi4-qca7000-esp32", "rpi4-qca7000-directcp", "rpi4-qca7000-spidev", "rpi4-whitebeet-spi", "rpi4-whitebeet-eth", "rpi4-advantics-can"] {
            let run = try boardctl("probe", "--board", board)
            #expect(run.status == 0 || run.status == 1, "\(board): \(run.stderr)")
            #expect(run.stdout.contains("verdict: "))
        }
    }

    @Test func badBoardExitsTwo() throws {
        let run = try boardctl("probe", "--board", Repo.fixtures + "/bad-board.yaml")
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("bad-board.yaml:10:11: devices.cp_uart.baud: expected an integer 50…4000000, got \"fast\""))

        let unknown = try boardctl("probe", "--board", "no-such-board")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("boardctl: no board named \"no-such-board\""))
    }

    @Test func validate() throws {
        let good = try boardctl("validate", "Boards/sim.yaml", "Boards/rpi4-whitebeet-spi.yaml")
        #expect(good.status == 0)
        #expect(good.stdout == """
            Boards/sim.yaml: ok (board sim, own-stack, simulated, 11 devices)
            Boards/rpi4-whitebeet-spi.yaml: ok (board rpi4-whitebeet-spi, whitebeet, 8 devices)

            """)
        let bad = try boardctl("validate", "Boards/sim.yaml", Repo.fixtures + "/bad-board.yaml")
        #expect(bad.status == 2)
        #expect(bad.stderr.hasSuffix("bad-board.yaml: 3 problems\n"))
    }

    @Test func boardsAndHelp() throws {
        let boards = try boardctl("boards")
        #expect(boards.status == 0)
        #expect(boards.stdout.contains("rpi4-whitebeet-eth     whitebeet"))
        let help = try boardctl("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("probe") && help.stdout.contains("validate") && help.stdout.contains("boards"))
    }
}
