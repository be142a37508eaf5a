import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import ControlPilot
import Foundation
import HAL
import TestSupport
import Runtime
import SLAC
import Testing

/// The `sim` board composed as `chargerd` composes it: the CP controller over the ESP32 helper
/// emulator (a real pty, its own thread), SLAC over the user-space QCA7000 driver and the chip model,
/// and the simulated vehicle on the far end of the power line.
@Suite(.serialized) struct SimComposition {
    static func simBoard() throws -> BoardDefinition {
        try BoardLoader.load(path: PackageRoot.path + "/Boards/sim.yaml")
    }

    /// Runs the production loop (real clock: the helper emulator runs in real time) until `until`
    /// holds or `limit` passes.
    static func run(_ loop: TickLoop, limit: Double, until: () -> Bool) {
        let end = Date().addingTimeInterval(limit)
        while Date() < end, !until() { loop.run(ticks: 50) }
    }

    /// The composition wires the contracts: the pilot reaches B with 5 %, SLAC (reading only
    /// `facts.pilot`) matches the vehicle's MAC and publishes it on `facts.plcLink`; unplugging (A)
    /// ends the match; each controller's safe stop says what it did.
    @Test func pilotThenSLACThenUnplugThroughTheFacts() throws {
        let board = try Self.simBoard()
        let loop = TickLoop(period: .milliseconds(1), clock: SystemMonotonicClock(), waiter: PollWaiter(clock: SystemMonotonicClock()))
        var options = Charger.Options()
        options.unplugAfter = .seconds(8)
        options.v2g = false  // pilot and SLAC only (SimSessionTests runs the whole session)
        let charger = try Charger.open(board, options: options)
        charger.register(on: loop)
        #expect(charger.controllers.map(\.name) == ["control-pilot", "slac-evse", "sim-vehicle"])
        let facts = charger.facts
        let ev = try #require(charger.vehicle?.evMAC)

        Self.run(loop, limit: 20) { facts.plcLink.value.matchedEV != nil }
        #expect(facts.pilot.value.state == .b)
        #expect(facts.pilot.value.digitalCommunication)
        #expect(facts.plcLink.value.matchedEV == ev)
        // Published this tick or the last, never older, while the writers run.
        let now = TickContext(now: loop.clock.now(), index: loop.tickIndex, period: loop.period)
        #expect(facts.pilot.isCurrent(in: now))
        #expect(facts.plcLink.isCurrent(in: now))

        // Unplug (the emulator's script, 8 s after start): SLAC leaves the network on its own.
        Self.run(loop, limit: 15) { facts.pilot.value.state == .a && facts.plcLink.value == .unmatched }
        #expect(facts.pilot.value.state == .a)
        #expect(facts.plcLink.value == .unmatched)

        loop.stop(.requested("test"))
        let reports = loop.safeStopReports.map(\.description)
        #expect(reports.count == 3)
        #expect(reports[0].hasPrefix("control-pilot: CP +12 V steady"))
        #expect(reports[1].hasPrefix("slac-evse:"))
    }

    /// The zero-allocation proof on the real controllers: the `sim` composition (CP over the helper
    /// emulator's bytes, SLAC holding a match over the QCA7000 driver and chip model, the vehicle,
    /// the facts log) runs 100 000 steady-state ticks with 0 mallocs on the loop's thread. Measured in
    /// a process of its own (`sim-allocation-probe`): the counter's hook is process-wide, and another
    /// test's thread ending inside the window would corrupt the heap through it.
    @Test func steadyStateOfTheSimCompositionAllocatesNothing() throws {
        let probe = try #require(PackageLayout.product("sim-allocation-probe"), "sim-allocation-probe is not built")
        let out = try Subprocess.run([probe, PackageRoot.path + "/Boards/sim.yaml", "100000"], timeout: 120)
        print("zero-allocation (sim composition): \(out.stdout)")
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        #expect(out.stdout.contains("ticks=100000 mallocs=0 "))
        #expect(out.stdout.contains("matched=true"))
        #expect(!out.stdout.contains("cp_samples=0 "), "the helper emulator kept the CP controller busy")
    }
}

enum PackageRoot {
    static var path: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}
