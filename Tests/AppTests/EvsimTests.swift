import Foundation
import Testing
import TestSupport

/// `chargerd --board sim --scenario FILE` as a user runs it: the scenario's verdict decides the exit
/// status (0: outcome as the file states), a bad file is exit 2 with its line and column.
@Suite struct ChargerdScenarioProcess {
    /// A scenario without a charge loop (no 250 ms CurrentDemand timer that a loaded machine can miss).
    @Test func scenarioOutcomeAsExpectedExitsZero() throws {
        let result = try runProduct("chargerd", ["--board", "sim", "--scenario", "Scenarios/isolation-failure.yaml", "--seconds", "100"],
                                    timeout: 150)
        print(result.stdout)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("scenario isolation-failure: outcome as expected"))
        #expect(result.stdout.contains("stop reason power fault"))
    }

    @Test func badScenarioFileIsExitTwoWithItsPosition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ck-scenario-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("typo.yaml")
        try "expect:\n  stop_reason: completed\n  supply: off\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try runProduct("chargerd", ["--board", "sim", "--scenario", file.path], timeout: 30)
        #expect(result.status == 2)
        #expect(result.stderr.contains("typo.yaml:3:3: expect.supply: unknown key"), "\(result.stderr)")
    }
}

/// `evsim` (our car: SDP, TCP, EVCC, bench battery) against our SECC (`boardctl v2g --role secc`, the
/// simulated plant) over a veth pair between two network namespaces the test makes and deletes: a
/// whole session per protocol, the car playing a scenario file's battery; both exit 0. The car waits up
/// to 1 s for a CurrentDemandRes (two processes on a loaded 2-core machine; timing is not under test).
@Suite("evsim against our SECC across a veth pair",
       .enabled(if: VethPair.unavailableReason == nil, "needs root and the ip tool (iproute2): see VethPair.unavailableReason"))
struct EvsimVethTests {
    @Test(arguments: ["din", "iso2"])
    func wholeSession(_ protocolName: String) throws {
        let boardctl = try #require(PackageLayout.product("boardctl"), "boardctl is not built next to the test bundle")
        let evsim = try #require(PackageLayout.product("evsim"), "evsim is not built next to the test bundle")
        let pair = try VethPair()
        defer { pair.remove() }
        let secc = try BackgroundProcess(pair.command(in: pair.a, [boardctl, "v2g", "--role", "secc", "--interface", pair.a.interface,
                                                                  "--protocol", protocolName, "--seconds", "60", "--linger", "1"]))
        defer { secc.stop() }
        #expect(secc.waitFor("listening", timeout: 20), "the SECC did not come up:\n\(secc.output)")
        let scenario = PackageLayout.root() + "/Scenarios/normal-charge-\(protocolName).yaml"
        let ev = try BackgroundProcess(pair.command(in: pair.b, [evsim, "--interface", pair.b.interface, "--scenario", scenario,
                                                                "--seconds", "60", "--current-demand-timeout", "1000"]))
        defer { ev.stop() }
        let evStatus = ev.wait(timeout: 90)
        let seccStatus = secc.wait(timeout: 30)
        print("--- SECC\n\(secc.output)\n--- evsim\n\(ev.output)")
        #expect(evStatus == 0)
        #expect(seccStatus == 0)
        #expect(ev.output.contains("RESULT: complete session"))
        #expect(secc.output.contains("RESULT: complete session"))
        for name in ["CableCheck", "PreCharge", "CurrentDemand", "WeldingDetection", "ended — completed"] {
            #expect(ev.output.contains(name), "evsim log lacks \(name)")
        }
    }
}

/// A welded charger contactor as `chargerd` reports it: the scenario's session completes, the power
/// path then finds the weld and latches it, and chargerd names it in the session summary, prints that
/// the charger is out of service, and exits 3 (ChargerdExit.outOfService), the scenario's verdict
/// notwithstanding. No charge loop (no 250 ms timer a loaded machine can miss).
///
/// Then the latch survives a restart (issue 14 item 2): the same state directory makes the next
/// `chargerd` start out of service — it says so with the fault and when it latched, its pilot holds
/// state F so the sim car plugged in gets no PWM and no session, and it exits 3 — until the technician's
/// `chargerd --service-reset --state-dir DIR` clears the record (exit 0).
@Suite struct ChargerdOutOfServiceProcess {
    @Test func aWeldedContactorIsNamedExitsThreeAndStaysOutOfServiceUntilReset() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ck27a-state-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = dir + "/out-of-service"
        let result = try runProduct("chargerd", ["--board", "sim", "--scenario", "Scenarios/charger-contactor-welds.yaml", "--seconds", "100",
                                                 "--state-dir", dir],
                                    timeout: 150)
        print(result.stdout)
        #expect(result.status == 3, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("scenario charger-contactor-welds: outcome as expected"))
        #expect(result.stdout.contains("power fault: contactor welded; OUT OF SERVICE (contactor welded) until a service reset"))
        #expect(result.stdout.contains("OUT OF SERVICE: contactor welded — no session for the next car"))
        #expect(result.stderr.contains("OUT OF SERVICE") || result.stdout.contains("power: OUT OF SERVICE"))
        let text = try String(contentsOfFile: record, encoding: .utf8)
        #expect(text.hasPrefix("chargekit out-of-service 1\nfault: contactor-welded\nsince: "), "\(text)")

        // The restart: out of service from the first tick, named with its time; the car gets no session.
        let again = try runProduct("chargerd", ["--board", "sim", "--state-dir", dir, "--seconds", "60"], timeout: 90)
        print(again.stdout)
        #expect(again.status == 3, "stdout: \(again.stdout)\nstderr: \(again.stderr)")
        #expect(again.stderr.contains("OUT OF SERVICE since 20"), "\(again.stderr)")
        #expect(again.stderr.contains("contactor welded"))
        #expect(again.stdout.contains("OUT OF SERVICE since the start: contactor welded — the car plugged in sees pilot F"), "\(again.stdout)")
        #expect(!again.stdout.contains("V2G: handshake"), "no session while out of service")
        #expect(again.stderr.contains("pilot: output -12 V (state F)"), "the pilot signals F: \(again.stderr)")
        #expect(!again.stderr.contains("digital communication signalled"), "no 5 % on the wire")
        #expect(FileManager.default.fileExists(atPath: record), "the record stays")

        // The technician's reset after the repair.
        let reset = try runProduct("chargerd", ["--service-reset", "--state-dir", dir], timeout: 30)
        #expect(reset.status == 0, "\(reset.stdout)\n\(reset.stderr)")
        #expect(reset.stdout.contains("out-of-service record contact"), "\(reset.stdout)")
        #expect(!FileManager.default.fileExists(atPath: record))
        let none = try runProduct("chargerd", ["--service-reset"], timeout: 30)
        #expect(none.status == 2, "--service-reset without a state directory is a usage error")
    }
}
