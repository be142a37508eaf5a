import ChargerAssembly
import Contracts
import ControlLoop
import CoreTypes

/// Logs "ready for plug-in" once, at the first tick the charger could take a car: the control pilot
/// published state A (+12 V, nothing connected) — or, on boards whose pilot is someone else's (an
/// ADVANTICS controller, a WHITE-beet module), the first tick. The startup benchmark
/// (`.ci/startup-bench.sh`) times the process from exec to this line.
final class ReadyForPlugIn: TickController {
    let name = "ready-for-plug-in"
    private let facts: ChargerFacts
    private let hasPilot: Bool
    private let report: (MonotonicInstant) -> Void
    private(set) var readyAt: MonotonicInstant?

    init(charger: Charger, report: @escaping (MonotonicInstant) -> Void) {
        facts = charger.facts
        hasPilot = charger.pilot != nil
        self.report = report
    }

    func tick(_ context: TickContext) {
        guard readyAt == nil else { return }
        if hasPilot, !(facts.pilot.hasBeenPublished && facts.pilot.value.state == .a) { return }
        readyAt = context.now
        report(context.now)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
