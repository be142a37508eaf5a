import ControlLoop
import Glibc
import Synchronization

/// Test hook `--test-stall-on-sigusr2` (never in the shipped unit): after SIGUSR2 the loop thread
/// stops ticking for good, as a driver call wedged in the kernel would. Nothing sends `WATCHDOG=1`
/// any more, so systemd's watchdog (`WatchdogSec=` in Image/systemd/chargerd.service, sd_watchdog_enabled(3))
/// must kill chargerd with SIGABRT and restart it. Image/boot-check.sh proves that in a booted VM.
///
/// The handler only stores a flag (async-signal-safe); the stall happens in the loop's own tick.
final class StallOnSignal: TickController {
    let name = "test-stall-on-sigusr2"
    private static let requested = Atomic<Bool>(false)

    init() {
        signal(SIGUSR2) { _ in StallOnSignal.requested.store(true, ordering: .relaxed) }
    }

    func tick(_ context: TickContext) {
        guard Self.requested.load(ordering: .relaxed) else { return }
        // Stalled: no later tick, no more pings; only a signal's default action (SIGABRT, SIGKILL) ends it.
        while true { sleep(3600) }
    }

    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}
