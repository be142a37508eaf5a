import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import Foundation
import HAL
import Runtime
import SimBoard
import TestSupport
import Testing
import V2GSession

/// One whole session on the `sim` board, composed as `chargerd` composes it: the car plugs in (the
/// helper emulator, real time), SLAC matches, the car finds the SECC by SDP over the simulated IP
/// network, charges its battery to the target SoC through the SECC and the power path on the
/// simulated plant, stops with SessionStop and unplugs; the charger is ready again. Real clock (the
/// emulator runs in real time), so the test asserts on facts and counts, never on wall time.
@Suite(.serialized) struct SimSessionTests {
    static let expectedOrder: [V2GSessionPhase] = [
        .handshake, .sessionSetup, .chargeParameterDiscovery, .cableCheck, .precharge, .powerDelivery,
        .charging, .stopping, .weldingDetection, .ended,
    ]

    /// The car offers one protocol: ISO 15118-2 (what `chargerd --board sim` negotiates) or DIN 70121.
    @Test(arguments: [V2GProtocol.iso15118_2, .din70121])
    func wholeSessionFromPlugInToUnplug(_ p: V2GProtocol) throws {
        let board = try SimComposition.simBoard()
        let clock = SystemMonotonicClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: PollWaiter(clock: clock))
        var options = Charger.Options()
        options.vehicleEVCC = EVCCConfiguration(protocols: [p])
        let charger = try Charger.open(board, options: options)
        charger.register(on: loop)
        #expect(charger.controllers.map(\.name) == ["control-pilot", "slac-evse", "v2g-connection", "sdp-server", "secc",
                                                    "power-path", "session-recorder", "out-of-service-pilot", "sim-vehicle"])
        let car = try #require(charger.vehicle?.charging)
        let plant = try #require(charger.plant)
        var phases: [V2GSessionPhase] = []
        var sawPilotC = false
        let end = Date().addingTimeInterval(120)
        while Date() < end {
            loop.run(ticks: 20)
            charger.recorder.takePhaseChanges { phase, _ in phases.append(phase) }
            if charger.facts.pilot.value.state == .c { sawPilotC = true }
            if case .unplugged = car.phase, charger.facts.pilot.value.state == .a,
               charger.facts.plcLink.value.matchedEV == nil, charger.facts.power.value.phase == .idle { break }
            if case .failed = car.phase { break }
        }
        loop.stop(.requested("test"))
        let summary = try #require(charger.recorder.last, "no session finished: car \(car.phase), V2G \(charger.facts.v2g.value.phase)")
        print("sim session: \(phases.map(\.description).joined(separator: " → "))")
        print("sim session: \(summary.negotiated.map(\.josevName) ?? "none"), \(Double(summary.duration.count) / 1e9) s, "
              + "meter \(summary.energyWattHours) Wh, battery \(car.battery.deliveredWattHours) Wh, peak \(summary.peakWatts) W, "
              + "\(summary.currentDemands) CurrentDemand, SoC \(car.battery.soc) %")

        // Phases in the order of the standard (each seen, none going back).
        var at = 0
        for phase in phases where at < Self.expectedOrder.count && phase == Self.expectedOrder[at] { at += 1 }
        #expect(at == Self.expectedOrder.count, "phases: \(phases)")
        #expect(zip(phases, phases.dropFirst()).allSatisfy { $0.rawValue <= $1.rawValue }, "phases: \(phases)")
        #expect(sawPilotC, "the car showed C while taking energy")
        // Completed, at the target SoC, the car gone and the charger ready.
        #expect(summary.stopReason == .completed)
        #expect(summary.negotiated == p)
        #expect(car.evcc.session.stopReason == .completed)
        #expect(car.battery.soc >= car.battery.targetSoC)
        #expect(car.phase == .unplugged)
        #expect(charger.facts.pilot.value.state == .a)
        #expect(charger.facts.plcLink.value.matchedEV == nil)
        // The power path safe: supply off, contactors open, the car's contactors open.
        #expect(charger.facts.power.value.phase == .idle)
        #expect(plant.supply.readback.isOff)
        #expect(plant.contactors.status.isOpen)
        #expect(!plant.vehicleContactorsClosed)
        // The energy the charger's meter counted is what the car's battery model received (1 %).
        let meter = summary.energyWattHours
        let battery = car.battery.deliveredWattHours
        #expect(battery > 50, "the session delivered energy")
        #expect(abs(meter - battery) <= 0.01 * battery, "meter \(meter) Wh vs battery \(battery) Wh")
        #expect(summary.peakWatts > 10_000)
    }

    /// The charge loop of the sim composition allocates nothing: `sim-allocation-probe … charging`
    /// waits until the session is in the CurrentDemand loop (a large battery keeps it there), then
    /// counts mallocs on the loop's thread over 5 000 ticks (EVCC → simulated TCP → SECC → power path →
    /// plant, every tick).
    @Test func chargeLoopOfTheSimCompositionAllocatesNothing() throws {
        let probe = try #require(PackageLayout.product("sim-allocation-probe"), "sim-allocation-probe is not built")
        let out = try Subprocess.run([probe, PackageRoot.path + "/Boards/sim.yaml", "5000", "charging"], timeout: 120)
        print("zero-allocation (sim charge loop): \(out.stdout)")
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        #expect(out.stdout.contains("ticks=5000 mallocs=0 "))
        #expect(out.stdout.contains("v2g=CurrentDemand"))
        #expect(!out.stdout.contains("current_demands=0"))
        // The session report's trace (capacity 256) recorded and decimated inside that window.
        #expect(out.stdout.contains("trace_recording=true"))
        let stride = out.stdout.split(separator: " ").first { $0.hasPrefix("trace_stride=") }.flatMap { Int($0.dropFirst(13).prefix { $0.isNumber }) }
        #expect((stride ?? 0) >= 2, "the trace decimated: \(out.stdout)")
    }
}
