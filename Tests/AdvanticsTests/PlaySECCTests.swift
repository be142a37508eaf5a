import Foundation
import PowerPlantSim
import Testing
import TestSupport

/// CI's proof that `chargerd` serves python-can (issue 16): `Tests/Support/advantics-peer/play-secc.py`
/// (python-can + cantools loading the vendor KCD) plays the ADVANTICS controller against
/// `chargerd --board sim-advantics-udp` over the udp_multicast bus through one whole v3 session
/// (E1–E13) and checks our answers and their periods. Both run in a network namespace made for the
/// test: the board file's `interface: lo` becomes that namespace's one multicast interface.
@Suite(.serialized, .required("python-can"))
struct PlaySECCTests {
    static let script = PythonCAN.root + "/Tests/Support/advantics-peer/play-secc.py"
    static let kcd = PythonCAN.root + "/../shared/specs/data/Advantics_Generic_EVSE_protocol_v3.6.kcd"

    static let unavailable: String? = {
        var reason = PythonCAN.venvMissing ?? VethPair.unavailableReason
        if reason == nil, PackageLayout.product("chargerd") == nil { reason = "the chargerd executable (swift build)" }
        if reason == nil, !FileManager.default.fileExists(atPath: kcd) { reason = "the vendor KCD at \(kcd)" }
        if let reason { print("play-secc against chargerd: skipped, needs \(reason)") }
        return reason
    }()

    @Test(.enabled(if: PlaySECCTests.unavailable == nil, "needs root, iproute2, the python-can venv and chargerd (reason printed)"))
    func wholeSessionAgainstChargerd() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let dir = NSTemporaryDirectory() + "ck-play-secc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let board = try String(contentsOfFile: PythonCAN.root + "/Boards/sim-advantics-udp.yaml", encoding: .utf8)
            .replacingOccurrences(of: "interface: lo", with: "interface: \(pair.a.interface)")
        try board.write(toFile: dir + "/sim-advantics-udp.yaml", atomically: true, encoding: .utf8)

        let chargerd = try BackgroundProcess(pair.command(in: pair.a, [PackageLayout.product("chargerd")!, "--board",
                                                                       dir + "/sim-advantics-udp.yaml"]), mergeOutput: true)
        defer { chargerd.stop() }
        // The simulated plant's battery: where the vehicle asks to be precharged to.
        let battery = SimulatedPowerPlant().batteryVolts
        let run = try Subprocess.run(pair.command(in: pair.a, [PythonCAN.python, Self.script, "--kcd", Self.kcd,
                                                               "--battery-volts", String(format: "%.1f", battery)]),
                                     mergeOutput: true, timeout: 120)
        print(run.stdout)
        #expect(run.status == 0 && !run.timedOut, "play-secc failed; chargerd said:\n\(chargerd.output.suffix(4000))")
    }

    static let emulatorUnavailable: String? = {
        var reason = VethPair.unavailableReason
        if reason == nil, PackageLayout.product("chargerd") == nil || PackageLayout.product("boardctl") == nil {
            reason = "the chargerd and boardctl executables (swift build)"
        }
        if let reason { print("SECC emulator against chargerd over udp_multicast: skipped, needs \(reason)") }
        return reason
    }()

    /// Our own scripted SECC (`boardctl can emulate --role secc`) and our EVSE role (`chargerd`) in two
    /// processes on the udp_multicast bus: a whole session ends clean.
    @Test(.enabled(if: PlaySECCTests.emulatorUnavailable == nil, "needs root, iproute2, chargerd and boardctl (reason printed)"))
    func emulatorSessionAcrossProcesses() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let dir = NSTemporaryDirectory() + "ck-emulate-secc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/sim-advantics-udp.yaml"
        try String(contentsOfFile: PythonCAN.root + "/Boards/sim-advantics-udp.yaml", encoding: .utf8)
            .replacingOccurrences(of: "interface: lo", with: "interface: \(pair.a.interface)")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let chargerd = try BackgroundProcess(pair.command(in: pair.a, [PackageLayout.product("chargerd")!, "--board", file]))
        defer { chargerd.stop() }
        let run = try Subprocess.run(pair.command(in: pair.a, [PackageLayout.product("boardctl")!, "can", "emulate", "--role", "secc",
                                                               "--board", file, "--seconds", "12"]),
                                     mergeOutput: true, timeout: 60)
        print(run.stdout.split(separator: "\n").suffix(3).joined(separator: "\n"))
        #expect(run.status == 0 && (run.stdout.contains("sessions: 1 clean") || run.stdout.contains("sessions: 2 clean")),
                "chargerd said:\n\(chargerd.output.suffix(3000))")
    }
}
