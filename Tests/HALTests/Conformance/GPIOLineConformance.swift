import HAL
import Testing

/// Twin lines and the world around them: `pull` drives the twin's backend, `observed` reads it.
private final class TwinGPIOHarness: GPIOLineHarness {
    let chip = "sim-gpio"
    private var lines: [String: SimulatedGPIOLine] = [:]
    private let clock = ManualClock()

    func request(_ config: GPIOLineConfig) throws -> any GPIOLine {
        let line = SimulatedGPIOLine(config, clock: clock)
        lines[config.line.description] = line
        return line
    }

    func pull(_ line: String, high: Bool) throws {
        clock.advance(by: .microseconds(10))
        lines[line]?.backend.drive(high)      // a line not requested yet starts low, like gpio-sim's default pull-down
    }

    func observed(_ line: String) throws -> Bool { lines[line]?.backend.level ?? false }
    func waitForEdge(on line: any GPIOLine) -> Bool { !(line as! SimulatedGPIOLine).backend.events.isEmpty }
    func noEdge(on line: any GPIOLine) -> Bool { (line as! SimulatedGPIOLine).backend.events.isEmpty }
}

@Suite("GPIOLine contract: the simulated twin (Linux: the kernel-backed HIL suites, on gpio-sim)")
struct GPIOLineConformance {
    @Test("an output drives the world") func output() throws { try GPIOLineContract.outputDrivesTheWorld(TwinGPIOHarness()) }
    @Test("an input follows the world") func input() throws { try GPIOLineContract.inputFollowsTheWorld(TwinGPIOHarness()) }
    @Test("a rising edge is reported once") func rising() throws { try GPIOLineContract.risingEdgeIsReportedOnce(TwinGPIOHarness()) }
    @Test("both edges, in order") func both() throws { try GPIOLineContract.bothEdgesInOrder(TwinGPIOHarness()) }
    @Test("driving an input is refused") func notOutput() throws { try GPIOLineContract.writingAnInputIsRefused(TwinGPIOHarness()) }
    @Test("a released line is closed") func released() throws { try GPIOLineContract.releasedLineIsClosed(TwinGPIOHarness()) }
}
