import CoreTypes
import Testing
import V2GSession

/// The linear battery: its curve, its taper and the energy it integrates.
@Suite struct EVCCBatteryModelTests {
    @Test func openCircuitVoltageIsLinearInSoC() {
        var p = LinearBatteryModel.Parameters()
        p.emptyVolts = 300
        p.fullVolts = 400
        p.initialSoC = 25
        let b = LinearBatteryModel(p)
        #expect(b.terminalVolts == 325)
        #expect(b.openCircuitVolts(soc: 100) == 400)
    }

    @Test func constantCurrentThenTaperThenComplete() {
        var p = LinearBatteryModel.Parameters()
        p.maxAmps = 100
        p.maxWatts = 1_000_000
        p.bulkSoC = 80
        p.targetSoC = 90
        p.taperFloorAmps = 10
        let b = LinearBatteryModel(p)
        #expect(b.chargeAmps(soc: 50) == 100)
        #expect(b.chargeAmps(soc: 85) == 55)  // half way down the taper
        #expect(b.chargeAmps(soc: 90) == 0)
        let d = b.demand()
        #expect(d.targetAmps == 100)
        #expect(d.targetVolts == b.terminalVolts + 100 * p.internalResistance)
        #expect(!d.complete && !d.bulkComplete)
    }

    @Test func powerLimitCapsTheCurrent() {
        var p = LinearBatteryModel.Parameters()
        p.maxAmps = 500
        p.maxWatts = 40_000
        let b = LinearBatteryModel(p)
        #expect(abs(b.chargeAmps(soc: 50) - 40_000 / b.terminalVolts) < 1e-9)
    }

    /// 100 A for 36 s into a 6 kWh pack at 370 V open-circuit: 0.37 kWh stored, +6.17 % SoC.
    @Test func integratesTheDeliveredCurrent() {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 6_000
        p.emptyVolts = 370
        p.fullVolts = 370
        p.initialSoC = 50
        let b = LinearBatteryModel(p)
        for _ in 0..<3600 { b.deliver(amps: 100, volts: 380, for: .milliseconds(10)) }
        #expect(abs(b.storedWattHours - 370) < 1e-6)
        #expect(abs(b.deliveredWattHours - 380) < 1e-6)
        #expect(abs(b.soc - (50 + 370.0 / 6_000 * 100)) < 1e-9)
        b.deliver(amps: -5, volts: 380, for: .seconds(1))  // no discharge through the charger
        b.deliver(amps: 5, volts: 380, for: .zero)
        #expect(abs(b.storedWattHours - 370) < 1e-6)
    }

    @Test func stopsAtTheTargetSoC() {
        var p = LinearBatteryModel.Parameters()
        p.capacityWattHours = 1_000
        p.initialSoC = 89
        p.targetSoC = 90
        let b = LinearBatteryModel(p)
        #expect(!b.demand().complete)
        while !b.demand().complete { b.deliver(amps: b.demand().targetAmps, volts: 400, for: .milliseconds(100)) }
        #expect(b.soc >= 90)
        #expect(b.demand().targetAmps == 0)
        #expect(b.energyRequestWattHours == 0)
    }
}
