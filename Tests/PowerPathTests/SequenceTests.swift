import Contracts
import CoreTypes
import PowerPath
import PowerPathBench
import PowerPlantSim
import Testing

/// The whole sequence on the simulated plant, as a protocol layer drives it.
@Suite struct SequenceTests {
    @Test func cableCheckPrechargeRampStopWeldingCheck() {
        let bench = PowerPathBench(trace: true)
        let finished = bench.runSequence()
        print(bench.lines.joined(separator: "\n"))
        #expect(finished, "sequence: \(bench.lines.joined(separator: "\n"))")
        #expect(bench.facts.power.value.phase == .idle)
        #expect(bench.plant.contactors.status.isOpen)
        #expect(bench.plant.supply.readback.isOff)
        #expect(bench.plant.stateOfCharge > bench.plant.parameters.battery.initialSoC)
    }
}
