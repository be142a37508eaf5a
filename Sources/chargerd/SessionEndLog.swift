import ChargerAssembly
import ControlLoop
import Logging

/// Logs each finished session's summary as it ends (number, protocol, energy, stop reason, fault), on
/// boards where no simulated car ends the run with one summary: a charger on a real link (a WHITE-beet
/// module or an ADVANTICS controller in another process) charges session after session until it is
/// stopped, and its log is where the operator reads them. Runs at a session's end only, never in the
/// steady-state tick (one integer compare per tick otherwise).
final class SessionEndLog: TickController {
    let name = "session-end-log"
    private let recorder: SessionRecorder
    private let log: Logger
    private var logged = 0

    init(recorder: SessionRecorder, log: Logger) {
        self.recorder = recorder
        self.log = log
    }

    func tick(_ context: TickContext) {
        guard recorder.finished > logged, let summary = recorder.last else { return }
        logged = recorder.finished
        Chargerd.logSummary(summary, number: logged, log: log)
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
