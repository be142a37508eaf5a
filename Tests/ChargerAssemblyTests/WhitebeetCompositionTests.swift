import Boards
import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes
import PowerPlantSim
import SimBoard
import TestSupport
import Testing
import WhitebeetEmulator

/// The `sim-whitebeet` boards composed as `chargerd` composes them (ChargerAssembly's
/// `WhitebeetAssembly`): the host link over the board's transport twin — Ethernet or SPI with its
/// three lines — the module emulator on the far end with its scripted car, the EVSE role, the power
/// path on the simulated plant and the session recorder. Under the manual clock, one tick stepping
/// the sources then the controllers in the order the loop does.
@Suite struct WhitebeetCompositionTests {
    static func board(_ name: String) throws -> BoardDefinition {
        try BoardLoader.load(path: PackageRoot.path + "/Boards/\(name).yaml")
    }

    /// A composed charger under a manual clock (1 ms ticks).
    final class Rig {
        let charger: Charger
        let clock = ManualClock()
        var index: UInt64 = 0
        var phases: [V2GSessionPhase] = []

        init(_ name: String) throws {
            charger = try Charger.open(try WhitebeetCompositionTests.board(name))
        }

        func run(ticks: Int) {
            for _ in 0 ..< ticks { step() }
        }

        func step() {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            for s in charger.sources { s.pump(context) }
            for c in charger.controllers { c.tick(context) }
            charger.recorder.takePhaseChanges { phase, _ in phases.append(phase) }
        }

        /// Steps until `done` or `seconds` of simulated time.
        func run(seconds: Int64, until done: () -> Bool) -> Bool {
            for _ in 0 ..< seconds * 1000 {
                step()
                if done() { return true }
            }
            return false
        }
    }

    @Test func compositionOrder() throws {
        for name in ["sim-whitebeet", "sim-whitebeet-spi"] {
            let rig = try Rig(name)
            let c = rig.charger
            #expect(c.controllers.map(\.name) == ["whitebeet-evse", "power-path", "session-recorder"], "\(name)")
            let sources = c.sources.map(\.name)
            // The emulated module answers before the host link reads; no frame pump drains the host's device.
            let sim = try #require(sources.firstIndex(of: "whitebeet-module-sim"))
            let host = try #require(sources.firstIndex(of: "whitebeet-host"))
            #expect(sim < host)
            #expect(!sources.contains("wb_eth"))
            #expect(c.whitebeet?.wiring.summary.hasPrefix(name == "sim-whitebeet" ? "Ethernet eth1" : "SPI /dev/spidev0.0") == true)
        }
    }

    /// One whole session: plug-in, CP B, SLAC through the module, the V2G session the module runs,
    /// cable check, precharge, charging at current through the power path, the car's stop, welding
    /// check, session stopped; the car unplugs and the charger is ready again, with the power path safe.
    @Test(arguments: ["sim-whitebeet", "sim-whitebeet-spi"])
    func wholeSessionFromPlugInToUnplug(_ name: String) throws {
        let rig = try Rig(name)
        let c = rig.charger
        let car = try #require(c.whitebeet?.car)
        let plant = try #require(c.plant)
        var sawC = false
        let done = rig.run(seconds: 120) {
            if c.facts.pilot.value.state == .c { sawC = true }
            return car.unplugged && c.facts.pilot.value.state == .a && c.facts.power.value.phase == .idle
        }
        #expect(done, "car \(car.module.car.phase), V2G \(c.facts.v2g.value.phase), power \(c.facts.power.value.phase) \(c.facts.power.value.outcome), stage \(String(describing: c.whitebeet!.evse?.stage))")
        let summary = try #require(c.recorder.last, "no session finished: V2G \(c.facts.v2g.value)")
        print("\(name): \(rig.phases.map(\.description).joined(separator: " → "))")
        print("\(name): \(summary.negotiated?.josevName ?? "none"), \(Double(summary.duration.count) / 1e9) s, \(summary.energyWattHours) Wh, "
              + "peak \(summary.peakWatts) W, \(summary.currentDemands) CurrentDemand, \(rig.index) ticks, "
              + "\(c.whitebeet!.host.statistics.sent) commands")
        let expected: [V2GSessionPhase] = [.cableCheck, .precharge, .powerDelivery, .charging, .stopping, .weldingDetection, .ended]
        var at = 0
        for p in rig.phases where at < expected.count && p == expected[at] { at += 1 }
        #expect(at == expected.count, "phases \(rig.phases)")
        #expect(summary.stopReason == .completed)
        #expect(summary.negotiated == .iso15118_2)
        #expect(summary.currentDemands >= UInt32(car.module.car.chargeLoopsDone))
        #expect(summary.energyWattHours > 5)
        #expect(summary.peakWatts > 10_000)
        #expect(sawC)
        #expect(car.sessions == 1)
        // Safe at the end: supply off, both contactors open, the car's too.
        #expect(plant.supply.readback.isOff)
        #expect(plant.contactors.status.isOpen)
        #expect(!plant.vehicleContactorsClosed)
        #expect(c.whitebeet!.host.statistics.badFrames == 0)
    }

    /// The module goes silent while power flows (every frame it sends is lost): the EVSE role stops
    /// the power path on its own within its silence limit (2 s), supply off and contactors open.
    @Test func silentModuleMidChargeMakesThePowerPathSafe() throws {
        let rig = try Rig("sim-whitebeet")
        let c = rig.charger
        let car = try #require(c.whitebeet?.car)
        let plant = try #require(c.plant)
        #expect(rig.run(seconds: 60) { c.facts.power.value.phase == .charging && plant.meter.measurement.amps > 50 })
        car.module.faults.dropFrames = 1_000_000
        let from = rig.index
        let safe = rig.run(seconds: 10) { plant.supply.readback.isOff && plant.contactors.status.isOpen }
        #expect(safe, "power \(c.facts.power.value.phase) \(c.facts.power.value.outcome)")
        let ms = rig.index - from
        print("sim-whitebeet: silent module → power path safe after \(ms) ms (limit 2000 ms + stop)")
        #expect(ms <= 3_000)
        #expect(c.facts.v2g.value.phase == .ended)
        #expect([V2GStopReason.timeout, .linkLost].contains(c.facts.v2g.value.stopReason), "\(c.facts.v2g.value.stopReason)")
    }

    /// A real WHITE-beet board names no power driver: the composition refuses it with an error that
    /// names the board file's line, rather than run the role without a power path. (Its devices are
    /// twins here so the check runs on any host.)
    @Test func realBoardWithoutPowerDriverIsRefused() throws {
        let board = try Self.board("rpi4-whitebeet-eth")
        let factory = SimulatedDeviceFactory()
        let devices = try BoardDevices.open(board, factory: factory)
        do throws(ChargerAssemblyError) {
            _ = try Charger.compose(devices, factory: factory)
            Issue.record("composed without a power driver")
        } catch {
            print("rpi4-whitebeet-eth: \(error)")
            #expect(error.description.contains("rpi4-whitebeet-eth.yaml:"), "\(error)")
            #expect(error.description.contains("no power driver"), "\(error)")
            guard case .noPowerDriver = error else { Issue.record("\(error)"); return }
        }
    }

    /// `sim-whitebeet-gen1`: the module emulator plays generation-1 firmware (V01_01_07) and the
    /// composition runs `WhitebeetGen1EVSEController`, which answers each parameter request from the
    /// power path; one whole session from plug-in to unplug, completed.
    @Test func generationOneSessionFromPlugInToUnplug() throws {
        let rig = try Rig("sim-whitebeet-gen1")
        let c = rig.charger
        #expect(c.controllers.map(\.name) == ["whitebeet-evse-gen1", "power-path", "session-recorder"])
        let wb = try #require(c.whitebeet)
        #expect(wb.firmware == .gen1 && wb.evse == nil && wb.evseGen1 != nil)
        let car = try #require(wb.car)
        #expect(car.module.firmwareVersion == "V01_01_07")
        let done = rig.run(seconds: 120) { car.unplugged && c.facts.pilot.value.state == .a && c.facts.power.value.phase == .idle }
        let state = "car \(car.module.gen1Car.phase), V2G \(c.facts.v2g.value.phase), power \(c.facts.power.value.phase) "
            + "\(c.facts.power.value.outcome), stage \(String(describing: wb.evseGen1?.stage)), \(String(describing: wb.evseGen1?.abortReason))"
        #expect(done, "\(state)")
        let summary = try #require(c.recorder.last, "no session finished: V2G \(c.facts.v2g.value)")
        print("sim-whitebeet-gen1: \(rig.phases.map(\.description).joined(separator: " → "))")
        print("sim-whitebeet-gen1: \(Double(summary.duration.count) / 1e9) s, \(summary.energyWattHours) Wh, peak \(summary.peakWatts) W, "
              + "\(summary.currentDemands) charge-loop requests, \(wb.evseGen1?.answered ?? 0) answered")
        let expected: [V2GSessionPhase] = [.cableCheck, .precharge, .powerDelivery, .charging, .stopping, .weldingDetection, .ended]
        var at = 0
        for p in rig.phases where at < expected.count && p == expected[at] { at += 1 }
        #expect(at == expected.count, "phases \(rig.phases)")
        #expect(summary.stopReason == .completed)
        #expect(summary.energyWattHours > 5)
        #expect(car.module.gen1Car.timedOutWaitingFor == nil)
    }
}
