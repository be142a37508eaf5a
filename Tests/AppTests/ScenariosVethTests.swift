import Foundation
import Testing
import TestSupport

/// Scenario files played across a veth pair as two processes (issue 18 Proof: "as root, across
/// veth"): our SECC with its power path on the simulated plant (`boardctl v2g --role secc`) in one
/// network namespace, `evsim --scenario FILE` (our EVCC and the bench battery playing the file's car)
/// in the other, real SDP multicast and TCP between them. Checked per file: evsim's verdict (the
/// file's expected stop reason), the phases the file says are reached and not reached, both ends'
/// results and the charger's power path off at the end. The files chosen are the car-side ones
/// (their car's behaviour needs no sim-board event) with short charge loops, so the suite stays
/// well under a minute. The car waits up to 1 s for a CurrentDemandRes (two processes on a loaded
/// 2-core machine: timing is not under test).
@Suite("scenario files across a veth pair (SECC and evsim in two namespaces)", .serialized, .required("scenarios-veth"),
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct ScenariosVethTests {
    @Test(arguments: ["quirk-sessionstop-after-precharge", "quirk-stop-into-ramp", "car-stops-early"])
    func scenarioAcrossVeth(_ name: String) throws {
        let boardctl = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let evsim = try #require(PackageLayout.product("evsim"), "evsim is not built next to the test bundle")
        let file = PackageLayout.root() + "/Scenarios/\(name).yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let pair = try VethPair()
        defer { pair.remove() }
        let secc = try BackgroundProcess(pair.command(in: pair.a, [boardctl, "v2g", "--role", "secc", "--interface", pair.a.interface,
                                                                  "--protocol", "iso2,din", "--seconds", "45", "--linger", "1"]))
        defer { secc.stop() }
        #expect(secc.waitFor("listening", timeout: 20), "the SECC did not come up:\n\(secc.output)")
        let ev = try BackgroundProcess(pair.command(in: pair.b, [evsim, "--interface", pair.b.interface, "--scenario", file,
                                                                "--seconds", "40", "--current-demand-timeout", "1000"]))
        defer { ev.stop() }
        let evStatus = ev.wait(timeout: 60)
        let seccStatus = secc.wait(timeout: 20)
        print("--- \(name): SECC\n\(secc.output)\n--- \(name): evsim\n\(ev.output)")
        #expect(evStatus == 0, "evsim's verdict on \(name)")
        #expect(ev.output.contains("RESULT: complete session"))
        #expect(secc.output.contains("POWER PATH: off"), "the charger's supply off and contactors open at the end")
        let notReached = Self.list("not_reached", in: text)
        if notReached.contains("CurrentDemand") {
            // No charge loop: boardctl counts that as no complete session (exit 1); its stop reason must still be the file's.
            let reason = Self.value("stop_reason", in: text) ?? "completed"
            #expect(secc.output.contains("RESULT: FAILED: \(reason) in ended"), "the SECC's end of \(name)")
        } else {
            #expect(seccStatus == 0)
            #expect(secc.output.contains("RESULT: complete session"))
        }
        let phases = Self.phases(printedBy: ev.output)
        for phase in Self.list("reached", in: text) {
            #expect(phases.contains(phase), "\(name): \(phase) not reached (phases: \(phases))")
        }
        for phase in notReached {
            #expect(!phases.contains(phase), "\(name): \(phase) reached (phases: \(phases))")
        }
        if let reason = Self.value("stop_reason", in: text) {
            #expect(ev.output.contains("ended — \(reason)"), "\(name): stop reason \(reason)")
        }
    }

    /// The phases evsim printed as they started (`[t s] Phase`).
    static func phases(printedBy output: String) -> Set<String> {
        var phases = Set<String>()
        for line in output.split(separator: "\n") where line.hasPrefix("[") {
            guard let close = line.range(of: " s] ") else { continue }
            let rest = line[close.upperBound...]
            let phase = rest.split(separator: " ").first.map(String.init) ?? ""
            if !phase.isEmpty, phase.first!.isLetter { phases.insert(phase) }
        }
        return phases
    }

    /// `  key: [A, B]` of the file's expect section, as a list.
    static func list(_ key: String, in text: String) -> [String] {
        guard let v = value(key, in: text), v.hasPrefix("["), v.hasSuffix("]") else { return [] }
        return v.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `  key: value` of the file's expect section.
    static func value(_ key: String, in text: String) -> String? {
        guard let expect = text.range(of: "\nexpect:\n") else { return nil }
        for line in text[expect.upperBound...].split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix(key + ":") { return t.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
