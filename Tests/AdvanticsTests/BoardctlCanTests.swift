import Foundation
import Testing
import TestSupport

/// `boardctl can replay` and `boardctl can emulate` as a user runs them.
@Suite(.enabled(if: PackageLayout.product("boardctl") != nil, "needs the built boardctl next to the test bundle (swift build)"))
struct BoardctlCanTests {
    let boardctl = PackageLayout.product("boardctl") ?? "boardctl"

    @Test func replayDecodesACandumpLog() throws {
        let log = NSTemporaryDirectory() + "ck-advantics-\(getpid()).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        try """
            (1.000000) can0 0106B000#07
            (1.010000) can0 01063000#1B10970041010100
            (1.100000) can0 0106B003#88131400140064
            (2.000000) can0 18FF50E5#0102
            """.write(toFile: log, atomically: true, encoding: .utf8)
        let r = try Subprocess.run([boardctl, "can", "replay", log], directory: PackageLayout.root())
        print(r.stdout)
        #expect(r.status == 0)
        #expect(r.stdout.contains("(1.000000) can0 0106B000 EVSE Advantics_Controller_Status pistol 1 State=Charging"))
        #expect(r.stdout.contains("Power_Modules_Status pistol 1 Present_Voltage=412.3"))
        #expect(r.stdout.contains("System_Enable=Allowed"))
        #expect(r.stdout.contains("18FF50E5 unknown identifier (ignored)"))
        #expect(r.stdout.contains("4 frames decoded with PEV scaling 1 A/bit, 0.1 kWh/bit"))
    }

    @Test func emulateRunsTheSECCOnABoard() throws {
        let r = try Subprocess.run([boardctl, "can", "emulate", "--role", "secc", "--board", "sim-advantics", "--seconds", "0.5"],
                                   directory: PackageLayout.root(), mergeOutput: true)
        print(r.stdout)
        #expect(r.status == 0)
        #expect(r.stdout.contains("notAvailable (state notAvailable)"))
        let evcc = try Subprocess.run([boardctl, "can", "emulate", "--role", "evcc", "--board", "sim-advantics"],
                                      directory: PackageLayout.root(), mergeOutput: true)
        #expect(evcc.status != 0)
        #expect(evcc.stdout.contains("has no device with role advantics-pev-can"))
    }

    @Test func emulateRunsTheEVCCOnAPEVBoard() throws {
        let r = try Subprocess.run([boardctl, "can", "emulate", "--role", "evcc", "--board", "sim-advantics-pev", "--seconds", "0.5"],
                                   directory: PackageLayout.root(), mergeOutput: true)
        print(r.stdout)
        #expect(r.status == 0)
        #expect(r.stdout.contains("EVCC emulator on evcc (can0), DC, PEV scaling 1 A/bit, 0.1 kWh/bit"))
        #expect(r.stdout.contains("waitingForEVSE (stage waitingForEVSE)"))
    }
}
