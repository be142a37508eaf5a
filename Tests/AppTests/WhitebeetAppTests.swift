import Foundation
import Testing
import TestSupport

/// The WHITE-beet boards as a user runs them: `chargerd --board sim-whitebeet[-spi]` plays one whole
/// session against the emulated module and exits 0 like `--board sim`; `boardctl probe` reads the
/// module's firmware version over either transport; `boardctl whitebeet monitor` shows its state and
/// the raw frames.
@Suite struct WhitebeetAppTests {
    @Test(arguments: ["sim-whitebeet", "sim-whitebeet-spi"])
    func chargerdChargesOneSessionAndExitsZero(_ board: String) throws {
        let result = try runProduct("chargerd", ["--board", board, "--seconds", "100"], timeout: 150)
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let log = result.stderr
        #expect(log.contains("controllers, in tick order: whitebeet-evse → power-path → session-recorder"), "\(log)")
        #expect(log.contains("WHITE-beet: EVSE role (generation 2) over \(board == "sim-whitebeet" ? "Ethernet eth1" : "SPI /dev/spidev0.0")"), "\(log)")
        #expect(log.contains("pilot: state B"), "\(log)")
        let out = result.stdout
        for line in ["V2G: CableCheck", "V2G: PreCharge", "V2G: CurrentDemand", "V2G: WeldingDetection", "V2G: ended — completed",
                     "car unplugged (pilot A)", "ready for the next car"] {
            #expect(out.contains(line), "\(line) missing from: \(out)")
        }
        let summary = try #require(out.split(separator: "\n").first(where: { $0.hasPrefix("session: protocol ") }))
        #expect(summary.contains("session: protocol ISO_15118_2"), "\(summary)")
        #expect(summary.contains("stop reason completed"), "\(summary)")
    }

    /// `chargerd --board sim-whitebeet-gen1`: the generation-1 EVSE role answers the emulated V01_01_07
    /// module's parameter requests through one whole session, and exits 0.
    @Test func chargerdChargesOneGenerationOneSession() throws {
        let result = try runProduct("chargerd", ["--board", "sim-whitebeet-gen1", "--seconds", "100"], timeout: 150)
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let log = result.stderr
        #expect(log.contains("controllers, in tick order: whitebeet-evse-gen1 → power-path → session-recorder"), "\(log)")
        #expect(log.contains("WHITE-beet: EVSE role (generation 1) over Ethernet eth1"), "\(log)")
        #expect(log.contains("firmware V01_01_07"), "\(log)")
        let out = result.stdout
        for line in ["V2G: CableCheck", "V2G: PreCharge", "V2G: CurrentDemand", "V2G: WeldingDetection", "V2G: ended — completed",
                     "car unplugged (pilot A)", "ready for the next car"] {
            #expect(out.contains(line), "\(line) missing from: \(out)")
        }
        let summary = try #require(out.split(separator: "\n").first(where: { $0.hasPrefix("session: protocol ") }))
        #expect(summary.contains("stop reason completed"), "\(summary)")
    }

    /// `boardctl probe --board sim-whitebeet-gen1`: the emulated module reports generation-1 firmware,
    /// which is what the board's `firmware: gen1` says (a mismatch would be an error).
    @Test func probeReadsTheGenerationOneFirmware() throws {
        let result = try runProduct("boardctl", ["probe", "--board", "sim-whitebeet-gen1", "--json"])
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("V01_01_07"), "\(result.stdout)")
        #expect(result.stdout.contains("generation 1"), "\(result.stdout)")
    }

    @Test(arguments: ["sim-whitebeet", "sim-whitebeet-spi"])
    func probeReadsTheFirmwareVersion(_ board: String) throws {
        let result = try runProduct("boardctl", ["probe", "--board", board])
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("WHITE-beet firmware V02_01_00"), "\(result.stdout)")
        let json = try runProduct("boardctl", ["probe", "--board", board, "--json"])
        #expect(json.stdout.contains("\"whitebeet_firmware\""), "\(json.stdout)")
    }

    @Test(arguments: ["sim-whitebeet", "sim-whitebeet-spi"])
    func monitorShowsStateAndRawFrames(_ board: String) throws {
        let result = try runProduct("boardctl", ["whitebeet", "monitor", "--board", board, "--count", "12", "--interval", "0.05"], timeout: 30)
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let out = result.stdout
        #expect(out.contains("state: firmware V02_01_00"), "\(out)")
        #expect(out.contains("] → "), "host frames shown")
        #expect(out.contains("] ← "), "module frames shown")
        #expect(out.contains("| getFirmwareVersion (request "), "decoded request")
        #expect(out.contains("\nframes "), "stopped after --count frames: \(out)")
    }

    @Test func monitorRefusesABoardWithoutAWhitebeet() throws {
        let result = try runProduct("boardctl", ["whitebeet", "monitor", "--board", "sim", "--count", "1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not whitebeet"))
    }
}
