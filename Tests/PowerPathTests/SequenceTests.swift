import Contracts
import ControlLoop
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

/// The loop's safe stop and the contract's sequence rules.
@Suite struct SafeStopTests {
    /// SIGTERM mid-charge: supply off and contactors commanded open in the call, reported as such; the
    /// plant is open 20 ms later.
    @Test func loopStopMidChargeReportsAndOpens() throws {
        let bench = PowerPathBench()
        try #require(bench.run(maxTicks: 60_000) { $0.facts.power.value.phase == .charging && $0.facts.power.value.amps > 50 })
        let report = bench.controller.safeStop(.signal(15))
        print(report)
        #expect(report.controller == "power-path")
        #expect(report.actions.contains { $0.hasPrefix("supply") })
        #expect(report.actions.contains { $0.hasPrefix("contactors commanded open") })
        #expect(report.actions.contains("power path: loop stopped"))
        #expect(bench.plant.supply.commandedMode == .off)
        #expect(!bench.plant.contactors.coilClosed)
        for _ in 0..<21 {
            bench.clock.advance(by: .milliseconds(1))
            bench.plant.pump(TickContext(now: bench.clock.now(), index: 0, period: .milliseconds(1)))
        }
        #expect(bench.plant.contactors.status.isOpen)
        let again = bench.controller.safeStop(.signal(15))
        #expect(again.actions.contains("contactors open (feedback confirms)"))
    }

    /// Charge before precharge is out of sequence: safe stop, named; a new idle request acknowledges it.
    @Test func chargeBeforePrechargeIsOutOfSequence() {
        let facts = ChargerFacts()
        let plant = SimulatedPowerPlant()
        let controller = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                             isolationMonitor: plant.isolationMonitor, meter: plant.meter)
        let clock = ManualClock()
        var index: UInt64 = 0
        func tick(_ request: PowerRequest) {
            clock.advance(by: .milliseconds(1))
            index += 1
            let context = TickContext(now: clock.now(), index: index, period: .milliseconds(1))
            plant.pump(context)
            facts.pilot.publish(PilotFacts(state: .c), context)
            facts.powerRequest.publish(request, context)
            controller.tick(context)
        }
        let ev = EVLimits(maxVolts: 450, maxAmps: 150)
        tick(PowerRequest(sequence: 1, step: .charge(targetVolts: 440, targetAmps: 50), ev: ev))
        #expect(facts.power.value.phase == .safeStop)
        #expect(facts.power.value.outcome == .failed(.outOfSequence))
        tick(PowerRequest(sequence: 1, step: .charge(targetVolts: 440, targetAmps: 50), ev: ev))
        #expect(facts.power.value.phase == .safeStop)
        tick(PowerRequest(sequence: 2, step: .idle, ev: ev))
        #expect(facts.power.value.phase == .idle)
        #expect(facts.power.value.sequence == 2)
    }

    /// A requester that stops publishing mid-charge is a fault two ticks later.
    @Test func silentRequesterStopsThePowerPath() throws {
        let bench = PowerPathBench()
        try #require(bench.run(maxTicks: 60_000) { $0.facts.power.value.phase == .charging })
        // Step the plant and the power path without the session (the requester stopped).
        var n = 0
        while bench.facts.power.value.outcome.fault == nil, n < 10 {
            bench.clock.advance(by: .milliseconds(1))
            let context = TickContext(now: bench.clock.now(), index: bench.tick + UInt64(n) + 1, period: .milliseconds(1))
            bench.plant.pump(context)
            bench.facts.pilot.publish(bench.facts.pilot.value, context)
            bench.controller.tick(context)
            n += 1
        }
        #expect(bench.facts.power.value.outcome == .failed(.requestSilent))
        #expect(n == 2)
    }
}

/// More of the contract: an abandoned charge, a failing IMD, reproducibility.
@Suite struct ContractTests {
    /// `idle` while charging is a normal stop (current to zero, then contactors), then idle.
    @Test func idleWhileChargingStopsNormallyThenIdles() throws {
        let bench = PowerPathBench()
        try #require(bench.run(maxTicks: 60_000) { $0.facts.power.value.phase == .charging && $0.facts.power.value.amps > 20 })
        // Play the requester from here: a new sequence asking for idle.
        let sequence = bench.facts.power.value.sequence &+ 1
        var phases: [PowerPhase] = []
        for n in 1...2000 {
            bench.clock.advance(by: .milliseconds(1))
            let context = TickContext(now: bench.clock.now(), index: bench.tick + UInt64(n), period: .milliseconds(1))
            bench.plant.pump(context)
            bench.facts.pilot.publish(bench.facts.pilot.value, context)
            bench.facts.powerRequest.publish(PowerRequest(sequence: sequence, step: .idle, ev: bench.session.request.ev), context)
            bench.controller.tick(context)
            if phases.last != bench.facts.power.value.phase { phases.append(bench.facts.power.value.phase) }
            if bench.facts.power.value.phase == .idle { break }
        }
        #expect(phases == [.stopping, .idle])
        #expect(bench.facts.power.value.outcome == .passed)
        #expect(bench.plant.contactors.status.isOpen)
        #expect(bench.plant.supply.readback.isOff)
    }

    /// An IMD whose self-test fails fails the cable check, named.
    @Test func imdSelfTestFailureIsNamed() throws {
        let bench = PowerPathBench()
        bench.plant.inject(.imdSelfTestFails)
        try #require(bench.run(maxTicks: 60_000) { $0.facts.power.value.outcome.fault != nil })
        #expect(bench.facts.power.value.outcome == .failed(.imdSelfTestFailed))
        #expect(bench.plant.supply.commandedMode == .off)
        #expect(!bench.plant.contactors.coilClosed)
    }

    /// Under the manual clock two runs are identical, line for line.
    @Test func runsAreReproducible() {
        let a = PowerPathBench(trace: true)
        let b = PowerPathBench(trace: true)
        a.runSequence()
        b.runSequence()
        #expect(a.lines == b.lines)
        #expect(a.tick == b.tick)
    }
}
