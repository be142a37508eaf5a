import ChargerAssembly
import ControlLoop
import MallocCounting
import Contracts
import CoreTypes
import Testing
import V2GSession
import WhitebeetEmulator

/// The `sim-whitebeet` board's emulated car is a battery (issue 17): the module emulator's car asks
/// for what evsim's `BenchBatteryModel` demands, the pack takes the current the charger reports, and
/// the car stops when the pack reaches its target SoC. One whole session in-process under the manual
/// clock (`WhitebeetCompositionTests.Rig`), as `chargerd --board sim-whitebeet` composes it.
@Suite struct WhitebeetBatteryCarTests {
    @Test func batteryChargesWithTheEnergyTheMeterCounted() throws {
        let rig = try WhitebeetCompositionTests.Rig("sim-whitebeet")
        let c = rig.charger
        let car = try #require(c.whitebeet?.car)
        let battery = try #require(car.battery)
        let startSoC = battery.soc
        var lastSoC = startSoC
        var socFell = false
        var maxAmps = 0.0
        let done = rig.run(seconds: 120) {
            if battery.soc < lastSoC { socFell = true }
            lastSoC = battery.soc
            maxAmps = max(maxAmps, c.plant!.meter.measurement.amps)
            return car.unplugged && c.facts.power.value.phase == .idle
        }
        #expect(done, "car \(car.module.car.phase), V2G \(c.facts.v2g.value.phase), power \(c.facts.power.value.phase)")
        let summary = try #require(c.recorder.last, "no session finished")
        let meter = summary.energyWattHours
        let delivered = battery.deliveredWattHours
        print("sim-whitebeet battery car: SoC \(startSoC) → \(battery.soc) % (target \(battery.targetSoC) %), meter \(meter) Wh, "
              + "battery \(delivered) Wh, peak \(Int(maxAmps)) A, \(car.module.car.chargeLoopsDone) charge-loop requests, "
              + "\(Double(summary.duration.count) / 1e9) s")
        // The car ended the session itself, at its target: completed, not a timeout or an error.
        #expect(summary.stopReason == .completed)
        #expect(battery.soc >= battery.targetSoC)
        #expect(battery.soc > startSoC)
        #expect(!socFell)
        // The SoC the module reported is the pack's.
        #expect(car.module.car.soc == UInt8(battery.soc.rounded(.down)))
        #expect(maxAmps > 100, "the pack asked for its maximum current")
        // What the charger's meter counted is what went into the pack (1 %).
        #expect(delivered > 20)
        #expect(abs(meter - delivered) <= 0.01 * delivered, "meter \(meter) Wh vs battery \(delivered) Wh")
        // Safe at the end.
        #expect(c.plant!.supply.readback.isOff)
        #expect(c.plant!.contactors.status.isOpen)
        #expect(!c.plant!.vehicleContactorsClosed)
    }
}

/// The charge loop of the whole `sim-whitebeet` composition with the battery car allocates nothing:
/// host link, module emulator (its car on the battery model), EVSE role, power path, plant and the
/// session recorder, over 1,500 ticks of the manual clock in the CurrentDemand loop.
@Suite struct WhitebeetBatteryCarAllocationTests {
    @Test func chargeLoopAllocatesNothing() throws {
        let rig = try WhitebeetCompositionTests.Rig("sim-whitebeet")
        let c = rig.charger
        let car = try #require(c.whitebeet?.car)
        let battery = try #require(car.battery)
        let charging = rig.run(seconds: 60) { c.plant!.meter.measurement.amps > 50 }
        try #require(charging, "the charge loop never started: V2G \(c.facts.v2g.value.phase)")
        // Stepped as the TickLoop steps (indexed over arrays taken once): `for x in array` of
        // existentials goes through the generic subscript's coroutine, which allocates in a debug build,
        // and would count the rig's mallocs, not the composition's.
        let sources = c.sources, controllers = c.controllers
        var index = rig.index
        func step() {
            rig.clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: rig.clock.now(), index: index, period: .milliseconds(1))
            var i = 0
            while i < sources.count {
                sources[i].pump(context)
                i += 1
            }
            i = 0
            while i < controllers.count {
                controllers[i].tick(context)
                i += 1
            }
        }
        for _ in 0 ..< 500 { step() }  // first use of every steady path
        let loops = car.module.car.chargeLoopsDone
        let mallocs = MallocCounter.count { for _ in 0 ..< 1_500 { step() } }
        print("sim-whitebeet battery car: \(mallocs) mallocs over 1500 ticks, \(car.module.car.chargeLoopsDone - loops) charge-loop "
              + "requests, SoC \(battery.soc) %")
        #expect(car.module.car.chargeLoopsDone > loops)
        #expect(mallocs == 0)
    }
}
