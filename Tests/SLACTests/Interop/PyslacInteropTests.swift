import Foundation
import Glibc
import HAL
import HomePlugAV
import Testing
import TestSupport

/// Where things are for the interop tests, and whether this machine can run them.
enum Interop {
    static let scripts = PackageLayout.root() + "/Tests/Support/pyslac"
    static let venv = ProcessInfo.processInfo.environment["PYSLAC_VENV"] ?? "/var/tmp/chargekit-pyslac-venv"
    static var python: String { venv + "/bin/python" }

    /// Our SLAC side: the `slac-peer` executable built next to the test bundle.
    static var peer: String { PackageLayout.productsDirectory + "/slac-peer" }

    /// Root (namespaces, raw sockets), iproute2, dumpcap and tshark; otherwise the suite is skipped
    /// with the reason printed.
    static let available: Bool = {
        var missing: [String] = []
        if !Subprocess.isRoot { missing.append("root") }
        for tool in ["ip", "dumpcap", "tshark", "python3"] where Subprocess.which(tool) == nil { missing.append(tool) }
        if !FileManager.default.isExecutableFile(atPath: peer) { missing.append("slac-peer at \(peer)") }
        if !missing.isEmpty { print("interop: skipped, needs \(missing.joined(separator: ", ")) (.ci/setup installs the tools)") }
        return missing.isEmpty
    }()

    /// pyslac's venv, created on first use (bounded; .ci/setup does the same).
    static func ensurePyslac() -> Bool {
        let r = try? Subprocess.run(["/bin/bash", scripts + "/ensure-venv.sh"], mergeOutput: true, timeout: 330)
        if r?.status != 0 { print("interop: pyslac venv setup failed: \(r?.stdout ?? "bash not found")") }
        return r?.status == 0
    }

    /// The MAC our stand-in uses next to a host (00:B0:52 + the host's last three bytes).
    static func standInMAC(of host: MACAddress) -> MACAddress {
        MACAddress(rawValue: 0x00B0_5200_0000 | (host.rawValue & 0xFF_FFFF))
    }

    static func resultLine(_ log: String) -> String? { log.split(separator: "\n").last { $0.hasPrefix("RESULT") }.map(String.init) }

    static func field(_ line: String?, _ name: String) -> String? {
        guard let line, let r = line.range(of: name + "=") else { return nil }
        return String(line[r.upperBound...].prefix { $0 != " " }).lowercased()
    }

    static func logDirectory() -> String {
        let d = ProcessInfo.processInfo.environment["LOG_DIR"] ?? "/tmp/chargekit-slac-interop"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }
}

/// SLAC against implementations nobody here wrote, over a veth pair between two network namespaces
/// made by the test: pyslac 0.8.3's EVSE session and its scapy example EV (slac.md §11). Every frame
/// we send is decoded by tshark's HomePlug AV dissector and compared with what we meant.
@Suite(.serialized, .enabled(if: Interop.available, "needs root, ip, dumpcap, tshark, python3 and the built slac-peer (the missing ones are printed)"))
struct SlacInterop {
    /// Our EV (`SlacRequester`) against pyslac's `SlacEvseSession`. pyslac needs a modem's answers: our
    /// stand-in in the EV namespace answers its CM_SET_KEY.REQ and sends an 85-byte
    /// CM_ATTEN_PROFILE.IND after each of our sounds (slac.md §11.5).
    @Test(.timeLimit(.minutes(2)), .required("pyslac"), .required("tshark")) func ourEVMatchesPyslacEVSE() throws {
        try #require(Interop.ensurePyslac())
        let ns = try VethPair()
        defer { ns.remove() }
        let logs = Interop.logDirectory()
        let capture = try #require(try Capture(in: ns, on: ns.evse, name: "pyslac-evse"))
        // Our EV first (its stand-in must be up for pyslac's CM_SET_KEY.REQ); pilot B after 2.5 s,
        // and its own retries (C_conn_max_match) cover a slow pyslac start.
        let ev = try BackgroundProcess(ns.command(in: ns.ev, [Interop.peer, "--role", "ev", "--interface", ns.ev.interface, "--modem", "far-evse",
                                     "--pilot-delay-ms", "2500", "--time-limit-s", "25"]), log: logs + "/ev-vs-pyslac-evse.log")
        #expect(ev.waitFor("slac: ev on", timeout: 10), "our EV did not start: \(ev.output)")
        let evse = try BackgroundProcess(ns.command(in: ns.evse, ["timeout", "40", Interop.python, Interop.scripts + "/evse_session.py", ns.evse.interface, "20"]),
                              log: logs + "/pyslac-evse.log", directory: NSTemporaryDirectory())
        let evStatus = ev.wait(timeout: 35)
        let evseStatus = evse.wait(timeout: 30)
        let frames = capture.finish()
        let evResult = Interop.resultLine(ev.output), evseResult = Interop.resultLine(evse.output)
        print("interop pyslac EVSE ← our EV:\n  ours:   \(evResult ?? "no result")\n  pyslac: \(evseResult ?? "no result")")
        #expect(evStatus == 0, "our EV: \(ev.output.suffix(1500))")
        #expect(evseStatus == 0, "pyslac EVSE: \(evse.output.suffix(3000))")
        #expect(Interop.field(evResult, "nmk") == Interop.field(evseResult, "nmk"))
        #expect(Interop.field(evResult, "nid") == Interop.field(evseResult, "nid"))

        let evMAC = ns.ev.mac, evseMAC = ns.evse.mac
        let report = TsharkCheck.check(capture.path, frames: frames, ours: [evMAC, Interop.standInMAC(of: evMAC)])
        print("tshark (our EV + stand-in vs pyslac): \(report.checkedFrames) frames, \(report.checkedFields) fields, \(report.problems.count) problems")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.checkedFrames >= 16)
        SlacLatencyTable.record("pyslac EVSE", frames: frames, ev: evMAC, evse: evseMAC)
    }

    /// Our EVSE (`SlacMatcher`) against pyslac's example EV, which fakes its own modem frames with
    /// quirks: 3-group profiles, MVFLength big-endian, its own MAC as EVSE MAC (slac.md §11.4).
    @Test(.timeLimit(.minutes(2)), .required("pyslac"), .required("tshark")) func ourEVSEMatchesPyslacExampleEV() throws {
        try #require(Interop.ensurePyslac())
        let ns = try VethPair()
        defer { ns.remove() }
        let logs = Interop.logDirectory()
        let capture = try #require(try Capture(in: ns, on: ns.evse, name: "example-ev"))
        // Our EVSE with a keys-only stand-in: the example EV brings its own attenuation profiles.
        let evse = try BackgroundProcess(ns.command(in: ns.evse, [Interop.peer, "--role", "evse", "--interface", ns.evse.interface, "--modem", "keys",
                                         "--time-limit-s", "25"]), log: logs + "/evse-vs-example-ev.log")
        #expect(evse.waitFor("key set", timeout: 10))
        let ev = try BackgroundProcess(ns.command(in: ns.ev, ["timeout", "40", Interop.python, Interop.scripts + "/example_ev.py", ns.ev.interface]),
                            log: logs + "/pyslac-example-ev.log", directory: NSTemporaryDirectory())
        let evStatus = ev.wait(timeout: 35)
        let evseStatus = evse.wait(timeout: 30)
        let frames = capture.finish()
        let result = Interop.resultLine(evse.output), evResult = Interop.resultLine(ev.output)
        print("interop our EVSE ← pyslac example EV:\n  ours:       \(result ?? "no result")\n  example EV: \(evResult ?? "no result")")
        #expect(evseStatus == 0, "our EVSE: \(evse.output.suffix(2000))")
        #expect(result?.contains("MVFLength big-endian") == true && result?.contains("NumGroups") == true)
        #expect(Interop.field(result, "peer") == ns.ev.mac.description.lowercased())
        // The EV's own verdict (example_ev.py sniffs for our CM_SLAC_MATCH.CNF and exits 1 without one):
        // matched, by our EVSE, with the NID and key (fingerprint) our EVSE reports.
        #expect(evStatus == 0, "example EV: \(ev.output.suffix(2000))")
        #expect(evResult?.hasPrefix("RESULT matched") == true, "example EV: \(evResult ?? ev.output.suffix(1000).description)")
        #expect(Interop.field(evResult, "evse") == ns.evse.mac.description.lowercased())
        #expect(Interop.field(evResult, "nid") != nil && Interop.field(evResult, "nid") == Interop.field(result, "nid"))
        #expect(Interop.field(evResult, "nmk") != nil && Interop.field(evResult, "nmk") == Interop.field(result, "nmk"))
        let evseMAC = ns.evse.mac, evMAC = ns.ev.mac
        let report = TsharkCheck.check(capture.path, frames: frames, ours: [evseMAC])
        print("tshark (our EVSE vs example EV): \(report.checkedFrames) frames, \(report.checkedFields) fields, \(report.problems.count) problems")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.checkedFrames >= 3)
        let first = frames.first { $0.mmType == .slacParmRequest && $0.source == evMAC }
        let cnf = frames.first { $0.mmType == .slacMatchConfirm && $0.source == evseMAC }
        if let first, let cnf { print(String(format: "  example EV ↔ our EVSE: first CM_SLAC_PARM.REQ → CM_SLAC_MATCH.CNF %.1f ms", (cnf.time - first.time) * 1000)) }
        SlacLatencyTable.record("our EVSE (example EV)", frames: frames, ev: evMAC, evse: evseMAC, soundRequest: .attenProfileIndication)
    }

    /// Our EV against our EVSE on the veth, each with its modem stand-in: the answer latencies of our
    /// EVSE beside pyslac's (same EV, same run), and the whole match against the ISO 15118-3 floor.
    @Test(.timeLimit(.minutes(2)), .required("tshark")) func ourEVMatchesOurEVSE() throws {
        let ns = try VethPair()
        defer { ns.remove() }
        let logs = Interop.logDirectory()
        let capture = try #require(try Capture(in: ns, on: ns.evse, name: "ours"))
        let evse = try BackgroundProcess(ns.command(in: ns.evse, [Interop.peer, "--role", "evse", "--interface", ns.evse.interface, "--modem", "modem",
                                         "--time-limit-s", "20"]), log: logs + "/evse-vs-our-ev.log")
        #expect(evse.waitFor("key set", timeout: 10))
        let ev = try BackgroundProcess(ns.command(in: ns.ev, [Interop.peer, "--role", "ev", "--interface", ns.ev.interface, "--modem", "keys",
                                     "--time-limit-s", "20"]), log: logs + "/ev-vs-our-evse.log")
        let evStatus = ev.wait(timeout: 25)
        let evseStatus = evse.wait(timeout: 25)
        let frames = capture.finish()
        let evResult = Interop.resultLine(ev.output), evseResult = Interop.resultLine(evse.output)
        print("interop our EVSE ← our EV:\n  EV:   \(evResult ?? "no result")\n  EVSE: \(evseResult ?? "no result")")
        #expect(evStatus == 0 && evseStatus == 0)
        #expect(Interop.field(evResult, "nmk") == Interop.field(evseResult, "nmk"))
        let evMAC = ns.ev.mac, evseMAC = ns.evse.mac
        let report = TsharkCheck.check(capture.path, frames: frames, ours: [evMAC, evseMAC])
        print("tshark (our EV vs our EVSE): \(report.checkedFrames) frames, \(report.checkedFields) fields, \(report.problems.count) problems")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.checkedFrames >= 19)
        SlacLatencyTable.record("our EVSE", frames: frames, ev: evMAC, evse: evseMAC)
        if let first = frames.first(where: { $0.mmType == .slacParmRequest }), let cnf = frames.first(where: { $0.mmType == .slacMatchConfirm }) {
            // The floor the timers allow for an EV that waits out TT_EV_atten_results (1200 ms, from the
            // first CM_START_ATTEN_CHAR.IND) before choosing, with TP_match_sequence = 0.
            print(String(format: "  whole match (first PARM.REQ → MATCH.CNF): %.1f ms; ISO 15118-3 floor ≈ %d ms (TT_EV_atten_results) + answers",
                         (cnf.time - first.time) * 1000, 1200))
        }
        SlacLatencyTable.print()
    }
}

/// Answer latencies per EVSE implementation, printed together (a benchmark, not an assertion).
enum SlacLatencyTable {
    nonisolated(unsafe) static var rows: [(String, [Double], [Double], [Double])] = []

    static func record(_ name: String, frames: [CapturedFrame], ev: MACAddress, evse: MACAddress, soundRequest: MMType = .mnbcSoundIndication) {
        let parm = Latency.answers(frames, request: .slacParmRequest, answer: .slacParmConfirm, requester: ev, answerer: evse)
        let standIn = Interop.standInMAC(of: ev)
        let soundSource = soundRequest == .attenProfileIndication
            ? frames.first { $0.mmType == .attenProfileIndication }?.source ?? standIn : ev
        let sound = Latency.answers(frames, request: soundRequest, answer: .attenCharIndication, requester: soundSource, answerer: evse)
        let match = Latency.answers(frames, request: .slacMatchRequest, answer: .slacMatchConfirm, requester: ev, answerer: evse)
        rows.append((name, parm, sound, match))
        Swift.print("  \(name): PARM.REQ→CNF \(Latency.format(parm)); last \(soundRequest == .attenProfileIndication ? "profile" : "sound")→ATTEN_CHAR.IND \(Latency.format(sound)); MATCH.REQ→CNF \(Latency.format(match))")
    }

    static func print() {
        Swift.print("SLAC answer latencies on veth (capture on the EVSE side):")
        for r in rows {
            Swift.print("  \(r.0.padding(toLength: 24, withPad: " ", startingAt: 0)) PARM \(Latency.format(r.1)) | sounds→IND \(Latency.format(r.2)) | MATCH \(Latency.format(r.3))")
        }
    }
}

extension VethPair {
    /// The charger's end of the interop wire.
    var evse: End { a }
    /// The vehicle's end.
    var ev: End { b }
}
