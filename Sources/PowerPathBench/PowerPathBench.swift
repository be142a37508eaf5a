import Contracts
import ControlLoop
import CoreTypes
import PowerPath
import PowerPlantSim

/// The power path on the simulated plant under the manual clock: plant (pumped first) → simulated
/// charge session (the protocol layer and the car) → `PowerPathController`, one tick per `step()`.
/// Used by `boardctl power --board sim` and the tests; the composition the sim board will use.
public final class PowerPathBench {
    public let clock: ManualClock
    public let period: Nanoseconds
    public let facts = ChargerFacts()
    public let plant: SimulatedPowerPlant
    public let session: SimulatedChargeSession
    public let controller: PowerPathController
    public private(set) var tick: UInt64 = 0
    /// One line per change of phase, progress or outcome, and per action of the car (when tracing).
    public private(set) var lines: [String] = []
    private let trace: Bool
    private var lastPhase: PowerPhase?
    private var lastProgress: PowerProgress?
    private var lastOutcome: PowerOutcome?
    private var lastLine: MonotonicInstant = .zero
    private let start: MonotonicInstant

    public init(parameters: PlantParameters = PlantParameters(), configuration: PowerPathConfiguration = PowerPathConfiguration(),
                script: SimulatedChargeSession.Script = .init(), period: Nanoseconds = .milliseconds(1), trace: Bool = false) {
        let clock = ManualClock()
        self.clock = clock
        self.period = period
        self.trace = trace
        start = clock.now()
        plant = SimulatedPowerPlant(parameters: parameters)
        var log: ((MonotonicInstant, String) -> Void)?
        session = SimulatedChargeSession(facts: facts, plant: plant, script: script, report: nil)
        controller = PowerPathController(facts: facts, supply: plant.supply, contactors: plant.contactors,
                                         isolationMonitor: plant.isolationMonitor, meter: plant.meter,
                                         configuration: configuration)
        if trace {
            log = { [unowned self] now, text in self.lines.append("\(self.time(now))  \(text)") }
            session.report = log
        }
    }

    /// Seconds since the bench started, three decimals.
    public func time(_ instant: MonotonicInstant) -> String {
        let ms = (instant - start).count / 1_000_000
        let frac = String(ms % 1000)
        let s = "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
        return s.leftPadded(8) + " s"
    }

    /// One tick: the clock moves one period, then plant, session and power path run.
    public func step() {
        clock.advance(by: period)
        tick += 1
        let context = TickContext(now: clock.now(), index: tick, period: period)
        plant.pump(context)
        session.tick(context)
        controller.tick(context)
        if trace { observe(context.now) }
    }

    /// Steps until `done` says so or `maxTicks` pass; true when `done` was reached.
    @discardableResult
    public func run(maxTicks: Int, until done: (PowerPathBench) -> Bool) -> Bool {
        var n = 0
        while n < maxTicks {
            step()
            if done(self) { return true }
            n += 1
        }
        return false
    }

    /// The whole sequence (cable check → precharge → ramp → stop → welding check); true when it
    /// finished without a fault.
    @discardableResult
    public func runSequence(maxTicks: Int = 60_000) -> Bool {
        run(maxTicks: maxTicks) { b in
            b.session.stage == .finished && b.facts.power.value.phase == .idle || b.session.stage == .failed
        }
        return session.stage == .finished
    }

    public func inject(_ fault: BenchFault) {
        switch fault {
        case .plant(let f): plant.inject(f)
        case .pilotLost: session.pilotLost = true
        }
    }

    private func observe(_ now: MonotonicInstant) {
        let s = facts.power.value
        let changed = s.phase != lastPhase || s.progress != lastProgress || s.outcome != lastOutcome
        // While charging, a sample every simulated second shows the ramp.
        let sample = s.phase == .charging && now - lastLine >= .seconds(1)
        guard changed || sample else { return }
        lastLine = now
        lastPhase = s.phase
        lastProgress = s.progress
        lastOutcome = s.outcome
        var text = "\(s.phase)".padded(14) + "\(s.progress)".padded(26) + "\(s.outcome)".padded(40)
        text += "out \(oneDecimal(s.volts).leftPadded(6)) V \(oneDecimal(s.amps).leftPadded(6)) A"
        if s.phase == .cableCheck, s.testVolts > 0 { text += "  test \(oneDecimal(s.testVolts)) V" }
        if s.isolationOhms > 0, s.phase == .cableCheck { text += "  isolation \(Int(s.isolationOhms / 1000)) kΩ" }
        if s.phase == .charging { text += "  setpoint \(s.setpoint)" }
        lines.append("\(time(now))  \(text)")
    }
}

extension String {
    func padded(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
