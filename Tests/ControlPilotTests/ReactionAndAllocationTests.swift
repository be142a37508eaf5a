import Contracts
import Drivers
import SimBoard
import ChargerAssembly
import ControlPilot
import HAL
import ESP32CPEmulator
import MallocCounting
import Testing

/// The issue's benchmark as counts (ticks, mallocs), never timings: steady-state mallocs per tick
/// of the whole CP stack (pump + link/front end + controller), and the reaction in ticks from a fault
/// on the wire to the emergency stop.
@Suite(.serialized) struct ControlPilotBenchmark {
    /// ESP32 helper over a real pty: 20 000 charging ticks (status polled every 40 ms, the firmware's
    /// own 200 ms frames, pings), mallocs counted in the charger's cycles only (the emulator runs
    /// between them and allocates freely).
    @Test func helperSteadyStateAllocatesNothing() throws {
        let bench = try PtyBench()
        #expect(bench.startCharging())
        bench.step(2_000) // warm: every path once
        let ticks = 20_000
        var mallocs = 0
        let linesBefore = bench.link.linesDecoded
        for _ in 0..<ticks {
            bench.stepFarSide()
            mallocs += MallocCounter.count { bench.runCycle() }
        }
        let lines = bench.link.linesDecoded - linesBefore
        print("CP benchmark (helper over pty): \(ticks) ticks, \(mallocs) mallocs (\(Double(mallocs) / Double(ticks)) per tick), "
              + "\(lines) lines decoded, state \(bench.pilot.state)")
        #expect(mallocs == 0)
        #expect(lines > ticks / 40)
        #expect(bench.pilot.state == .c && !bench.pilot.emergencyStopLatched)
    }

    /// Direct board (simulated PWM + ADS1115): 20 000 charging ticks, everything in the loop counted.
    @Test func directSteadyStateAllocatesNothing() {
        let bench = DirectBench()
        #expect(bench.startCharging())
        bench.step(2_000)
        let ticks = 20_000
        let before = bench.frontEnd.samplesPublished
        let mallocs = MallocCounter.count { bench.loop.run(ticks: ticks) }
        let samples = bench.frontEnd.samplesPublished - before
        print("CP benchmark (direct board, simulated): \(ticks) ticks, \(mallocs) mallocs (\(Double(mallocs) / Double(ticks)) per tick), "
              + "\(samples) plateau pairs sampled")
        #expect(mallocs == 0)
        #expect(samples >= ticks / 3)
    }

    /// Reaction in ticks, fault on the wire → emergency-stop event, for every fault the helper path
    /// can produce; printed as a table.
    @Test func helperReactionTicks() throws {
        var rows: [String] = []
        // E: the first status frame carrying E on the wire.
        do {
            let bench = try PtyBench()
            #expect(bench.startCharging())
            let injected = bench.tick
            bench.emulator.vehicle = .e
            let stop = bench.run(until: .emergencyStop(.shortToEarth), limit: 1_000)
            let wire = bench.statusWrites.first { $0.tick >= injected && $0.state == .e }
            if let stop, let wire {
                rows.append("E frame on the wire      → e-stop: \(stop - wire.tick - 1) ticks   (vehicle → e-stop \(stop - injected) ticks)")
                #expect(stop - wire.tick - 1 == 0)
            } else {
                Issue.record("E: no stop")
            }
        }
        // F and A frames put on the wire directly.
        for (line, fault) in [(#"{"type":"status","cp_mv":900,"state":"F","mode":"dc"}"#, PilotFault.unavailable),
                              (#"{"type":"status","cp_mv":2900,"state":"A","mode":"dc"}"#, PilotFault.pilotLost)] {
            let bench = try PtyBench()
            #expect(bench.startCharging())
            // Two frames: a normal change (A) needs two consecutive reports, a fault one.
            bench.emulator.inject(line: line)
            bench.emulator.inject(line: line)
            let at = bench.tick
            if let stop = bench.run(until: .emergencyStop(fault), limit: 100) {
                rows.append("\(fault == .pilotLost ? "A" : "F") frame(s) on the wire   → e-stop: \(stop - at - 1) ticks")
                #expect(stop - at - 1 == 0)
            } else {
                Issue.record("\(fault): no stop")
            }
        }
        // Silence and tty loss.
        do {
            let bench = try PtyBench()
            #expect(bench.startCharging())
            let at = bench.tick
            let lastLine = bench.link.lastLineAt
            bench.emulator.silent = true
            if let stop = bench.run(until: .emergencyStop(.helperLost), limit: 1_000), let lastLine {
                let sinceLast = (bench.clock.now() - lastLine).count / 1_000_000
                rows.append("helper silent            → e-stop: \(stop - at) ticks (\(sinceLast) ms after its last line; timeout 300 ms)")
            }
        }
        do {
            let bench = try PtyBench()
            #expect(bench.startCharging())
            let at = bench.tick
            bench.farEndClosed = true
            bench.pty.farEnd.close()
            bench.pty.releaseDeviceEnd()
            if let stop = bench.run(until: .emergencyStop(.linkDown), limit: 100) {
                rows.append("tty gone                 → e-stop: \(stop - at - 1) ticks")
                #expect(stop - at - 1 == 0)
            }
        }
        print("CP reaction table (1 tick = 1 ms; 0 = the same tick the pump read it):\n  " + rows.joined(separator: "\n  "))
        #expect(rows.count == 5)
    }
}
