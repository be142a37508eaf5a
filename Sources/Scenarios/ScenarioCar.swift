import PowerPlantSim
import SimBoard
import V2GSession

/// What a scenario makes of the car and the plant: the car's pack and EVCC, and the plant's physics.
/// Used by the `sim` composition (`chargerd --scenario`) and by `evsim` (the car alone, on an interface).
extension Scenario {
    /// The car's pack: the sim board's compressed pack on `plant` (1.5 kWh, 70 → 78 %, the plant
    /// battery's linear OCV, CV at 395 V so the taper shows within the window) with the file's battery
    /// settings on top.
    public func pack(on plant: PlantParameters) -> BenchBatteryModel.Parameters {
        let linear = SimulatedEVCharging.compressedPack(plant)
        var pack = BenchBatteryModel.Parameters()
        pack.linearCurve(emptyVolts: linear.emptyVolts, fullVolts: linear.fullVolts)
        pack.internalResistance = linear.internalResistance
        pack.maxVolts = linear.maxVolts
        pack.capacityWattHours = linear.capacityWattHours
        pack.initialSoC = linear.initialSoC
        pack.bulkSoC = linear.bulkSoC
        pack.targetSoC = linear.targetSoC
        pack.maxAmps = linear.maxAmps
        pack.maxWatts = linear.maxWatts
        pack.chargeVolts = 395
        pack.terminationAmps = 5
        battery.apply(to: &pack)
        return pack
    }

    /// The car's EVCC: the file's protocols and its scripted SessionStop on top of `base`.
    public func evcc(_ base: EVCCConfiguration) -> EVCCConfiguration {
        var c = base
        c.protocols = protocols
        c.quirks.sessionStopAfter = sessionStopAfter
        return c
    }

    /// The sim plant under this scenario: its supply settings, and the battery behind the car's
    /// contactors made the same as the car's model (curve ends, resistance, capacity, initial SoC), so
    /// the physics and the BMS agree on the pack.
    public func plantParameters(_ base: PlantParameters) -> PlantParameters {
        var p = base
        if let slew = plant.voltageSlew { p.voltageSlew = slew }
        let pack = pack(on: base)
        if let first = pack.curve.first, let last = pack.curve.last {
            p.battery.emptyVolts = first.volts
            p.battery.fullVolts = last.volts
        }
        p.battery.internalResistance = pack.internalResistance
        p.battery.initialSoC = pack.initialSoC / 100
        let nominal = (p.battery.emptyVolts + p.battery.fullVolts) / 2
        p.battery.capacityAmpHours = pack.capacityWattHours / max(nominal, 1)
        p.battery.maxAmps = pack.maxAmps
        return p
    }
}
