import Foundation
import Testing
import TestSupport

/// Our PEV role (`chargerd --board sim-advantics-pev-udp`, the battery model and the simulated inlet)
/// and our scripted EVCC (`boardctl can emulate --role evcc`) in two processes on python-can's
/// udp_multicast bus, inside a network namespace made for the test: whole DC sessions end clean, and
/// an insulation failure ends without power; and python-can + cantools playing the EVCC against the
/// same role. Counted in `.required("python-can")` with the other bus tests.
@Suite(.serialized, .required("python-can"))
struct PEVAcrossProcessesTests {
    static let unavailable: String? = {
        var reason = VethPair.unavailableReason
        if reason == nil, PackageLayout.product("chargerd") == nil || PackageLayout.product("boardctl") == nil {
            reason = "the chargerd and boardctl executables (swift build)"
        }
        if let reason { print("EVCC emulator against the PEV role over udp_multicast: skipped, needs \(reason)") }
        return reason
    }()

    func run(_ extra: [String], seconds: String, bidirectional: Bool = false, deviceKeys: String = "",
             chargerdOptions: [String] = []) throws -> (Subprocess.Output, String) {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let dir = NSTemporaryDirectory() + "ck-emulate-evcc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/sim-advantics-pev-udp.yaml"
        try String(contentsOfFile: PythonCAN.root + "/Boards/sim-advantics-pev-udp.yaml", encoding: .utf8)
            .replacingOccurrences(of: "interface: lo", with: "interface: \(pair.a.interface)"
                                  + (bidirectional ? "\n    pev_bidirectional: true" : "") + deviceKeys)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let chargerd = try BackgroundProcess(pair.command(in: pair.a, [PackageLayout.product("chargerd")!, "--board", file] + chargerdOptions))
        defer { chargerd.stop() }
        usleep(300_000)
        let run = try Subprocess.run(pair.command(in: pair.a, [PackageLayout.product("boardctl")!, "can", "emulate", "--role", "evcc",
                                                               "--board", file, "--seconds", seconds] + extra),
                                     mergeOutput: true, timeout: 60)
        print(run.stdout.split(separator: "\n").suffix(14).joined(separator: "\n"))
        return (run, chargerd.output)
    }

    @Test(.enabled(if: PEVAcrossProcessesTests.unavailable == nil, "needs root, iproute2, chargerd and boardctl (reason printed)"))
    func wholeDCSessionsAcrossProcesses() throws {
        let (run, chargerd) = try run(["--charge-seconds", "2"], seconds: "9")
        #expect(run.status == 0 && (run.stdout.contains("sessions: 1 clean, 0 aborted") || run.stdout.contains("sessions: 2 clean, 0 aborted")),
                "chargerd said:\n\(chargerd.suffix(3000))")
        #expect(run.stdout.contains("charging (stage charging)"))
        #expect(run.stdout.contains("contactors closed"))
        #expect(run.stdout.contains("0 rejected"))
    }

    static let script = PythonCAN.root + "/Tests/Support/advantics-peer/play-evcc.py"
    static let kcd = PythonCAN.root + "/../shared/specs/data/Advantics_Generic_PEV_protocol_v2.5.kcd"

    static let pythonUnavailable: String? = {
        var reason = PythonCAN.venvMissing ?? VethPair.unavailableReason
        if reason == nil, PackageLayout.product("chargerd") == nil { reason = "the chargerd executable (swift build)" }
        if reason == nil, !FileManager.default.fileExists(atPath: kcd) { reason = "the vendor KCD at \(kcd)" }
        if let reason { print("play-evcc against chargerd: skipped, needs \(reason)") }
        return reason
    }()

    /// An independent peer: `Tests/Support/advantics-peer/play-evcc.py` (python-can + cantools loading the
    /// vendor's v2.5 KCD) plays the EVCC against `chargerd --board sim-advantics-pev-udp`: a whole DC
    /// session with the periods of our status frames, then the controller's silence (contactors open
    /// after 1 s).
    @Test(.enabled(if: PEVAcrossProcessesTests.pythonUnavailable == nil, "needs root, iproute2, the python-can venv and chargerd (reason printed)"))
    func playEVCCAgainstChargerd() throws {
        let pair = try PythonCAN.namespace()
        defer { pair.remove() }
        let dir = NSTemporaryDirectory() + "ck-play-evcc-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/sim-advantics-pev-udp.yaml"
        try String(contentsOfFile: PythonCAN.root + "/Boards/sim-advantics-pev-udp.yaml", encoding: .utf8)
            .replacingOccurrences(of: "interface: lo", with: "interface: \(pair.a.interface)")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let chargerd = try BackgroundProcess(pair.command(in: pair.a, [PackageLayout.product("chargerd")!, "--board", file]),
                                             mergeOutput: true)
        defer { chargerd.stop() }
        let run = try Subprocess.run(pair.command(in: pair.a, [PythonCAN.python, Self.script, "--kcd", Self.kcd]),
                                     mergeOutput: true, timeout: 120)
        print(run.stdout)
        #expect(run.status == 0 && !run.timedOut, "play-evcc failed; chargerd said:\n\(chargerd.output.suffix(4000))")
    }

    /// D5 across processes: the board's vehicle is bidirectional (`pev_bidirectional: true`), the
    /// emulated EVCC an ISO 15118-20 charger that charges for a second, then discharges within the
    /// vehicle's limit until it ends the session; the vehicle's pack gave current back.
    @Test(.enabled(if: PEVAcrossProcessesTests.unavailable == nil, "needs root, iproute2, chargerd and boardctl (reason printed)"))
    func bidirectionalSessionAcrossProcesses() throws {
        let (run, chargerd) = try run(["--bidirectional", "--charge-seconds", "3", "--discharge-after", "1"], seconds: "9",
                                      bidirectional: true)
        #expect(run.status == 0 && run.stdout.contains("DC bidirectional (ISO 15118-20)"))
        #expect(run.stdout.contains("sessions: 1 clean, 0 aborted") || run.stdout.contains("sessions: 2 clean, 0 aborted"),
                "chargerd said:\n\(chargerd.suffix(3000))")
        let peak = run.stdout.split(separator: "\n").first { $0.hasPrefix("discharge: peak ") }
            .flatMap { Double($0.dropFirst("discharge: peak ".count).split(separator: " ")[0]) } ?? 0
        #expect(peak > 20, "the vehicle gave no current back")
        #expect(run.stdout.contains("0 rejected"))
    }

    /// D6 and D7 across processes: the board's vehicle asks for voltage control in ISO 15118-20
    /// Scheduled mode (`pev_scheduled_control: voltage`) and its user pauses a second into charging and
    /// resumes a second later (`chargerd --pev-pause-after 1 --pev-pause-for 1`); the emulated EVCC
    /// (`--scheduled`) puts the vehicle's target voltage in its loop, pauses with the contactors open and
    /// resumes through precharge in the same session, which then ends clean.
    @Test(.enabled(if: PEVAcrossProcessesTests.unavailable == nil, "needs root, iproute2, chargerd and boardctl (reason printed)"))
    func scheduledVoltageControlAndPauseAcrossProcesses() throws {
        let (run, chargerd) = try run(["--scheduled", "--charge-seconds", "4"], seconds: "11",
                                      deviceKeys: "\n    pev_scheduled_control: voltage",
                                      chargerdOptions: ["--pev-pause-after", "1", "--pev-pause-for", "1"])
        #expect(run.status == 0 && run.stdout.contains("DC Scheduled mode (ISO 15118-20)"))
        #expect(run.stdout.contains("chargePause (stage chargePause)"), "chargerd said:\n\(chargerd.suffix(3000))")
        // A second session may have paused when the run ends (not resumed yet): pauses − resumes is 0 or 1.
        let counts = run.stdout.split(separator: "\n").first { $0.hasPrefix("pauses: ") }
            .map { $0.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) } } ?? []
        #expect(counts.count == 3 && counts[0] >= 1 && counts[1] >= 1 && (0...1).contains(counts[0] - counts[1]), "\(counts)")
        #expect(run.stdout.contains("scheduled mode: voltage control asked, loop target"))
        #expect(run.stdout.contains("sessions: 1 clean, 0 aborted") || run.stdout.contains("sessions: 2 clean, 0 aborted"),
                "chargerd said:\n\(chargerd.suffix(3000))")
        #expect(run.stdout.contains("0 rejected"))
    }

    @Test(.enabled(if: PEVAcrossProcessesTests.unavailable == nil, "needs root, iproute2, chargerd and boardctl (reason printed)"))
    func insulationFailureAcrossProcesses() throws {
        let (run, chargerd) = try run(["--insulation-fault"], seconds: "3")
        #expect(run.status == 0 && run.stdout.contains("aborted (last end: isolationFault)"), "chargerd said:\n\(chargerd.suffix(3000))")
        #expect(!run.stdout.contains("contactors closed"))
    }
}
