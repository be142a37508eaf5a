import CoreTypes
import MallocCounting
import Testing
import V2GSession

/// The bench battery: its OCV curve, the CC/CV taper, the end conditions, the two scripted car
/// behaviours and its allocation-free use by the EVCC.
@Suite struct BenchBatteryModelTests {
    static func pack() -> BenchBatteryModel.Parameters {
        var p = BenchBatteryModel.Parameters()
        p.curve = [.init(soc: 0, volts: 300), .init(soc: 50, volts: 370), .init(soc: 100, volts: 400)]
        p.internalResistance = 0.1
        p.maxAmps = 100
        p.maxWatts = 1_000_000
        p.chargeVolts = 395
        p.targetSoC = 99
        p.terminationAmps = 5
        return p
    }

    @Test func curveInterpolatesAndIsFlatBeyondItsEnds() {
        let b = BenchBatteryModel(Self.pack())
        #expect(b.openCircuitVolts(soc: 25) == 335)
        #expect(b.openCircuitVolts(soc: 75) == 385)
        #expect(b.openCircuitVolts(soc: -5) == 300)
        #expect(b.openCircuitVolts(soc: 120) == 400)
        #expect(b.terminalVolts == 370)  // initial SoC 50 %
    }

    /// CC at the maximum current while OCV + I·R stays under the charge voltage, then the current that
    /// holds it there: (395 − OCV) / 0.1 Ω.
    @Test func constantCurrentThenConstantVoltageTaper() {
        let b = BenchBatteryModel(Self.pack())
        #expect(b.chargeAmps(soc: 50) == 100)
        #expect(!b.inConstantVoltage(soc: 50))
        // OCV 388 V at 80 %: 70 A.
        #expect(abs(b.chargeAmps(soc: 80) - 70) < 1e-9)
        #expect(b.inConstantVoltage(soc: 80))
        // OCV 394.6 V at 91 %: 4 A, under the termination current.
        #expect(abs(b.chargeAmps(soc: 91) - 4) < 1e-6)
        let d = b.demand()
        #expect(d.targetAmps == 100)
        #expect(abs(d.targetVolts - 380) < 1e-9)
        #expect(!d.complete)
    }

    @Test func completesAtTerminationCurrentOrTargetSoC() {
        var p = Self.pack()
        p.initialSoC = 92
        #expect(BenchBatteryModel(p).demand().complete)
        p.initialSoC = 60
        p.targetSoC = 60
        let b = BenchBatteryModel(p)
        #expect(b.demand().complete)
        #expect(b.demand().targetAmps == 0)
    }

    /// A full charge by integration: SoC rises, the current tapers, the car says complete.
    @Test func chargesThroughTheTaperToTermination() {
        var p = Self.pack()
        p.capacityWattHours = 500
        let b = BenchBatteryModel(p)
        var amps: [Double] = []
        var steps = 0
        while !b.demand().complete, steps < 1_000_000 {
            let d = b.demand()
            amps.append(d.targetAmps)
            b.deliver(amps: d.targetAmps, volts: d.targetVolts, for: .milliseconds(100))
            steps += 1
        }
        #expect(b.demand().complete)
        #expect(b.soc > 85 && b.soc < 92, "SoC \(b.soc)")
        #expect(amps.first == 100)
        #expect(zip(amps, amps.dropFirst()).allSatisfy { $0 >= $1 - 1e-9 }, "the current never rises")
        #expect(b.deliveredWattHours > b.storedWattHours)  // I²R
    }

    @Test func stopsTheScriptedTimeIntoTheLoop() {
        var p = Self.pack()
        p.stopAfterCharging = .milliseconds(1500)
        let b = BenchBatteryModel(p)
        b.deliver(amps: 0, volts: 370, for: .milliseconds(10))  // contactors closed, no current yet
        for _ in 0..<14 { b.deliver(amps: 50, volts: 375, for: .milliseconds(100)) }
        #expect(!b.demand().complete)
        b.deliver(amps: 50, volts: 375, for: .milliseconds(100))
        #expect(b.demand().complete)
        #expect(b.demand().targetAmps == 0)
    }

    @Test func asksBelowTheBatteryFirstWhenScripted() {
        var p = Self.pack()
        p.lowTargetFor = .seconds(1)
        p.lowTargetOffsetVolts = -30
        let b = BenchBatteryModel(p)
        #expect(b.demand().targetVolts == 340)
        b.deliver(amps: 0, volts: 340, for: .milliseconds(10))
        b.deliver(amps: 0, volts: 340, for: .seconds(1))
        #expect(abs(b.demand().targetVolts - 380) < 1e-9)
    }

    @Test func demandAndDeliverAllocateNothing() {
        let b = BenchBatteryModel(Self.pack())
        var sink = 0.0
        let mallocs = MallocCounter.count {
            for _ in 0..<10_000 {
                let d = b.demand()
                b.deliver(amps: d.targetAmps, volts: d.targetVolts, for: .milliseconds(1))
                sink += d.targetVolts
            }
        }
        print("bench battery: \(mallocs) mallocs over 10 000 demand/deliver rounds")
        #expect(mallocs == 0)
        #expect(sink > 0)
    }
}
