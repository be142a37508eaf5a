import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import Foundation
import HAL
import Runtime
import Scenarios
import SimBoard
import TestSupport
import Testing
import V2GSession

/// Every scenario file in `Scenarios/` played end to end on the `sim` board, in-process, as
/// `chargerd --board sim --scenario FILE` plays it: the outcome each file states (stop reason, phases
/// reached and not, the power path's fault, the supply off and the contactors open, the car's SoC) and
/// the energy (the charger's meter against the car's battery model, within 1 %). Real clock (the CP
/// helper emulator runs in real time), so nothing is asserted about wall time, and the car's
/// CurrentDemandRes timer is relaxed to 1 s.
@Suite(.serialized) struct ScenarioFileTests {
    static var files: [String] {
        let dir = PackageRoot.path + "/Scenarios"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func everyScenarioNamedInTheBriefHasAFile() {
        let expected = ["normal-charge-iso2", "normal-charge-din", "car-stops-early", "unplug-during-charge", "cp-fault",
                        "isolation-failure", "precharge-timeout", "welding-fault", "quirk-sessionstop-after-precharge",
                        "quirk-stop-into-ramp", "quirk-target-below-battery"]
        let present = Set(Self.files.map { ScenarioLoader.name(forFile: $0) })
        for name in expected { #expect(present.contains(name), "Scenarios/\(name).yaml") }
    }

    @Test(arguments: files)
    func scenarioPlaysAsItsFileSays(_ file: String) throws {
        let scenario = try ScenarioLoader.load(path: PackageRoot.path + "/Scenarios/" + file)
        let board = try BoardLoader.load(path: PackageRoot.path + "/Boards/sim.yaml")
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        // The outcome is under test, not the machine's timing: the car waits up to 1 s for a
        // CurrentDemandRes instead of 250 ms (a 2-core machine shared by parallel builds stalls the
        // real-time loop for longer than that now and then).
        var timers = EVCCTimers()
        timers.currentDemand = .seconds(1)
        let charger = try Charger.open(board, scenario: scenario, carTimers: timers)
        charger.register(on: loop)
        let director = try #require(charger.scenarioDirector)
        let end = Date().addingTimeInterval(120)
        while Date() < end, !director.finished { loop.run(ticks: 20) }
        loop.stop(.requested("test"))
        let observed = try #require(charger.scenarioObservation())
        print("scenario \(scenario.name): \(observed.summary)")
        #expect(director.finished, "the run did not end within 120 s")
        #expect(director.firedCount == scenario.events.count, "events fired: \(director.firedCount) of \(scenario.events.count)")
        let failures = scenario.expect.failures(observed)
        #expect(failures.isEmpty, "\(file): \(failures.joined(separator: "; "))")
        // Whatever the scenario, the supply ends off (a welded contactor may stay closed, never the supply on).
        #expect(observed.supplyOff)
    }
}

/// Scenario files are read like board files: every problem with its line and column, unknown keys
/// included, and the walk goes on after the first.
@Suite struct ScenarioLoaderTests {
    @Test func everyProblemWithItsPosition() {
        let text = """
            scenario: bad
            car:
              protocols: [iso2, chademo]
              battery:
                target_soc: 120
                colour: red
            events:
              - when: Charging
                unplug: true
              - when: start
            expect:
              stop_reason: finished
            """
        #expect(throws: ScenarioFileError.self) { try ScenarioLoader.load(text: text, file: "Scenarios/bad.yaml") }
        do {
            _ = try ScenarioLoader.load(text: text, file: "Scenarios/bad.yaml")
        } catch {
            let lines = error.issues.map(\.description)
            print(lines.joined(separator: "\n"))
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:3:21: car.protocols[1]: unknown protocol \"chademo\"") })
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:5:17: car.battery.target_soc: expected a number in 0.0…100.0") })
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:6:5: car.battery.colour: unknown key") })
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:8:11: events[0].when: unknown V2G phase (or start) \"Charging\"") })
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:10:5: events[1]: missing an action") })
            #expect(lines.contains { $0.hasPrefix("Scenarios/bad.yaml:12:16: expect.stop_reason: unknown stop reason \"finished\"") })
            #expect(error.issues.count == 6)
        }
    }

    @Test func aScenarioStatesItsOutcome() {
        #expect(throws: ScenarioFileError.self) { try ScenarioLoader.load(text: "scenario: x\n", file: "x.yaml") }
    }

    @Test func theFileNameIsTheScenarioName() throws {
        let s = try ScenarioLoader.load(text: "scenario: y\nexpect:\n  stop_reason: completed\n", file: "Scenarios/y.yaml")
        #expect(s.name == "y" && s.expect.stopReason == .completed)
        #expect(throws: ScenarioFileError.self) {
            try ScenarioLoader.load(text: "scenario: z\nexpect:\n  stop_reason: completed\n", file: "Scenarios/y.yaml")
        }
    }
}
