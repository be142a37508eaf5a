import Contracts
import CoreTypes
import PowerPath
import PowerPathBench
import PowerPlantSim
import Testing

/// Issue 13's proof: each fault × each phase on the simulated plant. In every cell the power path
/// publishes the fault in the tick it detects it, commands supply off and contactors open in that same
/// tick, and the plant is safe (feedback open, supply off) within a bounded time; the row is printed.
@Suite struct FaultMatrixTests {
    /// What each cell must end in. A fault that cannot show in a phase is detected where it shows: a
    /// weld only when the contactors open (stop), a contactor that will not close only while it is
    /// asked to be closed (so it has no effect once the welding check has opened them).
    static func expected(_ fault: BenchFault, _ phase: BenchPhase) -> (PowerFault?, detectedIn: PowerPhase?) {
        switch fault {
        case .plant(.isolationDrops): return (.isolationFault, phase.phase)
        case .plant(.supplyTrips): return (.supplyTrip, phase.phase)
        case .plant(.readingStops): return (.measurementStale, phase.phase)
        case .pilotLost: return (.pilotFault, phase.phase)
        case .plant(.overshoot):
            switch phase {
            case .cableCheck: return (.emergencyOverVoltage, .cableCheck)
            case .precharge: return (.overVoltage, .precharge)
            case .charging: return (.overCurrent, .charging)
            case .stop: return (.supplyDidNotSwitchOff, .stopping)
            case .welding: return (.supplyDidNotSwitchOff, .weldingCheck)
            }
        case .plant(.contactorWelds):
            return (.contactorWelded, phase == .welding ? .weldingCheck : .stopping)
        case .plant(.contactorDoesNotClose):
            switch phase {
            case .cableCheck: return (.contactorDidNotClose, .cableCheck)
            case .welding: return (nil, nil)
            default: return (.contactorDroppedOut, phase.phase)
            }
        case .plant: return (nil, nil)
        }
    }

    /// Safe within this many 1 ms ticks of detection: the contactors' opening time (20 ms) plus the
    /// supply's current decay from 120 A at 1000 A/s, with margin.
    static let safeWithinTicks: UInt64 = 250

    @Test(arguments: BenchFault.matrix, BenchPhase.allCases)
    func cell(_ fault: BenchFault, _ phase: BenchPhase) {
        let result = PowerPathBench().runScenario(fault, in: phase)
        print("fault matrix | \(result)")
        let (outcome, detectedIn) = Self.expected(fault, phase)
        #expect(result.injectedTick != nil, "never reached \(phase)")
        #expect(result.outcome == outcome, "\(result)")
        guard outcome != nil else {
            #expect(result.finished, "\(result)")
            return
        }
        #expect(result.detectedIn == detectedIn, "\(result)")
        guard let detected = result.detectedTick else { return }
        // Supply off and contactors open commanded in the tick of detection (issue: within one tick).
        #expect(result.commandedTick == detected, "\(result)")
        let safe = try? #require(result.safeTick, "never safe: \(result)")
        if let safe { #expect(safe - detected <= Self.safeWithinTicks, "\(result)") }
    }

    /// The whole matrix as one table, in order (for the closing note).
    @Test func table() {
        var rows = [ScenarioResult.header]
        for fault in BenchFault.matrix {
            for phase in BenchPhase.allCases { rows.append(PowerPathBench().runScenario(fault, in: phase).description) }
        }
        print((["fault matrix (1 ms ticks; inject/detect/cmd/safe are tick numbers)"] + rows).joined(separator: "\n"))
        #expect(rows.count == 1 + BenchFault.matrix.count * BenchPhase.allCases.count)
    }
}
