import ArgumentParser
import Boards
import Contracts
import PowerPathBench
import PowerPlantSim

/// `boardctl power`: runs the DC power path — cable check → precharge → current ramp → stop → welding
/// check — on the simulated plant under the manual clock and prints each step with voltages and times;
/// `--fault NAME --phase NAME` injects a fault and shows its safe stop.
struct Power: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Run the DC power path on the simulated plant and print each step with voltages and times.",
        discussion: """
            --board sim only (the simulated plant: 1000 V / 200 A supply, 450 V / 150 A car, battery at \
            370 V). Time is simulated (1 ms ticks), so the run is instant and reproducible. \
            Faults: \(BenchFault.names.joined(separator: ", ")). \
            Phases: \(BenchPhase.allCases.map(\.rawValue).joined(separator: ", ")). \
            Exit code 0: the sequence finished, or the injected fault was detected and the plant is safe.
            """
    )

    @Option(name: .long, help: "Board name; only 'sim' has a power path yet.")
    var board: String

    @Option(name: .long, help: "Charging current the car asks for, A.")
    var amps: Double = 100

    @Option(name: .long, help: "How long to charge, in simulated seconds.")
    var seconds: Double = 6

    @Option(name: .long, help: "Inject this fault (see the list above).")
    var fault: String?

    @Option(name: .long, help: "…in this phase (default cable-check).")
    var phase: String = BenchPhase.cableCheck.rawValue

    func validate() throws {
        guard amps > 0, amps <= 200 else { throw ValidationError("--amps must be in (0, 200]") }
        guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be in (0, 3600]") }
        if let fault, BenchFault(name: fault) == nil {
            throw ValidationError("unknown fault '\(fault)'; one of \(BenchFault.names.joined(separator: ", "))")
        }
        if BenchPhase(rawValue: phase) == nil {
            throw ValidationError("unknown phase '\(phase)'; one of \(BenchPhase.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let definition = try loadBoard(board)
        guard definition.simulated else {
            printToStandardError("""
                boardctl: power: board \(definition.name) has no power path yet: the GPIO contactor driver \
                exists (PowerDrivers) but is not composed, and the ESP32 R3/R4 supply is planned. Use --board sim.

                """)
            throw ExitCode(1)
        }
        var script = SimulatedChargeSession.Script()
        script.chargeAmps = amps
        script.chargeFor = .milliseconds(Int64(seconds * 1000))
        let bench = PowerPathBench(script: script, trace: true)
        let b = bench.plant.parameters.battery
        print("power path on the simulated plant: supply \(Int(bench.plant.parameters.supply.maxVolts)) V / "
              + "\(Int(bench.plant.parameters.supply.maxAmps)) A; car max \(Int(b.maxVolts)) V / \(Int(b.maxAmps)) A, "
              + "battery \(oneDecimal(bench.plant.batteryVolts)) V; 1 ms ticks, simulated time")
        if let name = fault, let f = BenchFault(name: name), let p = BenchPhase(rawValue: phase) {
            let result = bench.runScenario(f, in: p)
            for line in bench.lines { print(line) }
            print("fault \(f) injected in \(p) at tick \(result.injectedTick.map { "\($0)" } ?? "-")")
            print(ScenarioResult.header)
            print(result)
            print("safe stop: supply \(bench.plant.supply.readback.isOff ? "off" : "ON") "
                  + "(\(oneDecimal(bench.plant.supply.readback.amps)) A), contactors \(bench.plant.contactors.status.position)"
                  + (bench.plant.contactors.status.fault.map { " (\($0))" } ?? ""))
            let ok = result.finished || (result.outcome != nil && result.safeTick != nil)
            print(ok ? "RESULT: \(result.outcome.map { "safe stop: \($0)" } ?? "no effect in this phase")" : "RESULT: NOT SAFE")
            if !ok { throw ExitCode(1) }
            return
        }
        let finished = bench.runSequence()
        for line in bench.lines { print(line) }
        let s = bench.facts.power.value
        if finished {
            print("RESULT: sequence complete: contactors \(bench.plant.contactors.status.position), supply off, "
                  + "inlet \(oneDecimal(s.volts)) V, state of charge \(oneDecimal(bench.plant.stateOfCharge * 100)) %")
        } else {
            print("RESULT: FAILED: \(s.outcome)")
            throw ExitCode(1)
        }
    }
}
