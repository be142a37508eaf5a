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
    /// The first tick the contactors' feedback said open, and the first tick the supply reported off.
    public var openTick: UInt64?
    public var supplyOffTick: UInt64?
    /// The first tick the plant was safe: contactors open and supply off — or, with a welded pole, the
    /// supply off and the coils released; or, with a supply that ignores off, the contactors open
    /// (they isolate the cable from it).
    public var safeTick: UInt64?
    public var outcome: PowerFault?
    /// The sequence ran to its end (the fault had no effect in this phase).
    public var finished: Bool

    public static let header = "fault".padded(26) + "phase".padded(12) + "detected in".padded(14)
        + "inject".padded(7) + "detect".padded(7) + "cmd".padded(7) + "open".padded(7) + "off".padded(7)
        + "safe".padded(7) + "Δsafe".padded(7) + "outcome"

    /// One table row (ticks are 1 ms).
    public var description: String {
        func t(_ v: UInt64?) -> String { v.map { "\($0)" } ?? "-" }
        let delta = safeTick.flatMap { s in detectedTick.map { "\(s - $0)" } } ?? "-"
        let what = outcome.map { "\($0)" } ?? (finished ? "no effect: sequence completed" : "NOT DETECTED")
        return "\(fault)".padded(26) + "\(phase)".padded(12) + (detectedIn.map { "\($0)" } ?? "-").padded(14)
            + t(injectedTick).padded(7) + t(detectedTick).padded(7) + t(commandedTick).padded(7)
            + t(openTick).padded(7) + t(supplyOffTick).padded(7) + t(safeTick).padded(7) + delta.padded(7) + what
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
            guard let detected = r.detectedTick, r.commandedTick != nil else { continue }
            if r.openTick == nil, plant.contactors.status.isOpen { r.openTick = tick }
            if r.supplyOffTick == nil, plant.supply.readback.isOff { r.supplyOffTick = tick }
            let welded = plant.isInjected(.contactorWelds)
            let runaway = plant.isInjected(.overshoot)
            if r.safeTick == nil {
                if welded, !plant.contactors.coilClosed, let off = r.supplyOffTick {
                    r.safeTick = off
                } else if let open = r.openTick, let off = r.supplyOffTick {
                    r.safeTick = max(open, off)
                } else if runaway, let open = r.openTick {
                    r.safeTick = open
                }
            }
            // Keep watching a little after safe, so both columns fill where they can.
            if let safe = r.safeTick, tick >= safe + 200 || (r.openTick != nil && r.supplyOffTick != nil) { return r }
            if tick > detected + 3_000 { return r }
        }
        return r
    }
}
