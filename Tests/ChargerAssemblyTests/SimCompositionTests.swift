import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import ControlPilot
import Foundation
import HAL
import MallocCounting
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
    /// the facts log) runs 100 000 steady-state ticks with 0 mallocs on the loop's thread.
    @Test func steadyStateOfTheSimCompositionAllocatesNothing() throws {
        let board = try Self.simBoard()
        let clock = SystemMonotonicClock()
        // 100 µs ticks: 100 000 ticks in about 10 s of real time.
        let loop = TickLoop(period: .microseconds(100), clock: clock, waiter: PollWaiter(clock: clock))
        let charger = try Charger.open(board)
        charger.register(on: loop)
        var changes = 0
        loop.addController(FactsWatcher(facts: charger.facts) { _, _ in changes += 1 })
        Self.run(loop, limit: 30) { charger.facts.plcLink.value.matchedEV != nil }
        try #require(charger.facts.plcLink.value.matchedEV != nil, "SLAC did not match during start-up")
        loop.run(ticks: 2_000) // settle: first use of every steady path
        let before = charger.pilot?.controller.samplesSeen ?? 0
        loop.resetStatistics()
        let ticks = 100_000
        let changesBefore = changes
        let mallocs = MallocCounter.count { loop.run(ticks: ticks) }
        let samples = (charger.pilot?.controller.samplesSeen ?? 0) - before
        print("zero-allocation (sim composition): \(ticks) ticks, \(mallocs) mallocs; CP samples \(samples), "
              + "fact changes \(changes - changesBefore), link \(charger.facts.plcLink.value)")
        #expect(mallocs == 0)
        #expect(samples > 0, "the helper emulator kept the CP controller busy")
        #expect(charger.facts.plcLink.value.matchedEV != nil)
        loop.stop(.requested("test"))
    }
}

enum PackageRoot {
    static var path: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }
}
