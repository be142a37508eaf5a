import AdvanticsEmulator
import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import Testing
import TestSupport

/// `Boards/sim-advantics.yaml` composed: the EVSE role, the simulated plant and power path, and the
/// scripted SECC on the CAN twin, stepped in 1 ms ticks of the manual clock in the composition's order.
@Suite struct SimAdvanticsBoardTests {
    @Test func composedBoardPlaysWholeSessions() throws {
        let board = try BoardLoader.load(path: PackageLayout.root() + "/Boards/sim-advantics.yaml")
        let charger = try Charger.open(board)
        print(charger.notes.joined(separator: "\n"))
        let assembly = try #require(charger.advantics)
        let secc = try #require(assembly.secc)
        #expect(charger.controllers.map(\.name) == ["advantics-secc", "advantics-evse", "power-path"])
        let clock = ManualClock()
        var index: UInt64 = 0
        var phases: [PowerPhase] = []
        while secc.sessionsCompleted < 2, index < 60_000 {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            for s in charger.sources { s.pump(context) }
            for c in charger.controllers { c.tick(context) }
            if phases.last != charger.facts.power.value.phase { phases.append(charger.facts.power.value.phase) }
        }
        print("sim-advantics: \(secc.sessionsCompleted) sessions in \(index) ticks, phases \(phases)")
        #expect(secc.sessionsCompleted == 2)
        #expect(secc.rushedStops == 0)
        #expect(phases.filter { $0 == .charging }.count == 2)
        #expect(!phases.contains(.safeStop))
    }
}
