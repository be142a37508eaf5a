import ChargerAssembly
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
