import Contracts
import CoreTypes
import PowerPlantSim

/// One cell of the fault matrix: a fault injected in a phase, and what the power path did.
public struct ScenarioResult: Sendable, CustomStringConvertible {
    public var fault: BenchFault
    public var phase: BenchPhase
    public var injectedTick: UInt64?
    /// The tick the power path published the fault (its outcome), and the phase it was in.
    public var detectedTick: UInt64?
    public var detectedIn: PowerPhase?
    /// The first tick the supply was commanded off and the contactors commanded open.
    public var commandedTick: UInt64?
    /// The first tick the plant was safe: contactor feedback open (or, welded, coils released) and the
    /// supply reporting off (or, a supply that does not switch off, isolated by the contactors).
    public var safeTick: UInt64?
    public var outcome: PowerFault?
    /// The sequence ran to its end (the fault had no effect in this phase).
    public var finished: Bool

    public static let header = "fault".padded(26) + "phase".padded(12) + "detected in".padded(14)
        + "inject".padded(7) + "detect".padded(7) + "cmd".padded(7) + "safe".padded(7) + "Δsafe ms".padded(9) + "outcome"

    /// One table row (ticks are 1 ms).
    public var description: String {
        func t(_ v: UInt64?) -> String { v.map { "\($0)" } ?? "-" }
        let delta = safeTick.flatMap { s in detectedTick.map { "\(s - $0)" } } ?? "-"
        let what = outcome.map { "\($0)" } ?? (finished ? "no effect: sequence completed" : "NOT DETECTED")
        return "\(fault)".padded(26) + "\(phase)".padded(12) + (detectedIn.map { "\($0)" } ?? "-").padded(14)
            + t(injectedTick).padded(7) + t(detectedTick).padded(7) + t(commandedTick).padded(7)
            + t(safeTick).padded(7) + delta.padded(9) + what
    }
}

extension PowerPathBench {
    /// Runs the sequence, injects `fault` `phase.injectAfterTicks` after `phase` starts, and records
    /// detection, command and safe ticks.
    public func runScenario(_ fault: BenchFault, in phase: BenchPhase, maxTicks: Int = 60_000) -> ScenarioResult {
        var r = ScenarioResult(fault: fault, phase: phase, finished: false)
        var phaseStart: UInt64?
        var activePhase = PowerPhase.idle
        var n = 0
        while n < maxTicks {
            n += 1
            step()
            let s = facts.power.value
            if r.injectedTick == nil {
                if phaseStart == nil, s.phase == phase.phase { phaseStart = tick }
                if let p = phaseStart, tick - p >= phase.injectAfterTicks {
                    inject(fault)
                    r.injectedTick = tick
                }
            }
            if r.detectedTick == nil {
                if let f = s.outcome.fault {
                    r.detectedTick = tick
                    r.detectedIn = activePhase
                    r.outcome = f
                } else {
                    activePhase = s.phase
                    if session.stage == .finished, s.phase == .idle {
                        r.finished = true
                        return r
                    }
                    continue
                }
            }
            if r.commandedTick == nil, plant.supply.commandedMode == .off, !plant.contactors.coilClosed {
                r.commandedTick = tick
            }
            let contactors = plant.contactors
            let isolated = contactors.status.isOpen || (plant.isInjected(.contactorWelds) && !contactors.coilClosed)
            let powerless = plant.supply.readback.isOff || (r.outcome == .supplyDidNotSwitchOff && contactors.status.isOpen)
            if r.commandedTick != nil, isolated, powerless {
                r.safeTick = tick
                return r
            }
        }
        return r
    }
}
