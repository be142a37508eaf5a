import ControlLoop
import HAL
import MallocCounting
import Runtime
import SystemPackage
import Testing

/// Records what the notifier sent, into storage reserved up front (so the malloc test can use it).
final class RecordingNotifyTransport: ServiceNotifyTransport {
    let clock: ManualClock
    private(set) var readyCount = 0
    private(set) var pings: [MonotonicInstant] = []
    private(set) var others: [String] = []

    init(clock: ManualClock) {
        self.clock = clock
        pings.reserveCapacity(100_000)
    }

    func send(_ message: UnsafeRawBufferPointer) -> Errno? {
        if message.starts(with: "WATCHDOG=1".utf8) {
            pings.append(clock.now())
        } else if message.starts(with: "READY=1".utf8) {
            readyCount += 1
        } else {
            others.append(String(decoding: message, as: UTF8.self))
        }
        return nil
    }
}

/// systemd's socket gone: every message refused.
final class RefusingNotifyTransport: ServiceNotifyTransport {
    func send(_ message: UnsafeRawBufferPointer) -> Errno? { .connectionRefused }
}

/// A controller that, while `stallPerTick` is set, makes every tick take that long (a loop gone bad).
final class Staller: TickController {
    let name = "staller"
    let clock: ManualClock
    var stallPerTick: Nanoseconds?
    init(clock: ManualClock) { self.clock = clock }
    func tick(_ context: TickContext) { if let d = stallPerTick { clock.advance(by: d) } }
    func safeStop(_ reason: StopReason) -> SafeStopReport { SafeStopReport(name, []) }
}

@Suite struct ServiceNotifierWatchdog {
    func make(watchdog: Nanoseconds = .milliseconds(200)) -> (ManualClock, TickLoop, Staller, ServiceNotifier, RecordingNotifyTransport) {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let staller = Staller(clock: clock)
        let transport = RecordingNotifyTransport(clock: clock)
        let notifier = ServiceNotifier(loop: loop, transport: transport, watchdogInterval: watchdog, status: "test")
        loop.addController(staller)
        loop.addController(notifier)
        return (clock, loop, staller, notifier, transport)
    }

    /// On time: READY once, then WATCHDOG=1 every half interval (100 ms of a 200 ms WatchdogSec).
    @Test func onTimeLoopPingsAtHalfTheInterval() {
        let (_, loop, _, notifier, transport) = make()
        loop.run(ticks: 1001)
        #expect(transport.readyCount == 1)
        #expect(transport.pings.count == 10)
        for (a, b) in zip(transport.pings, transport.pings.dropFirst()) { #expect(b - a == .milliseconds(100)) }
        #expect(notifier.pingsWithheld == 0)
        loop.stop(.requested("test"))
        #expect(transport.others.count == 1)
        #expect(transport.others.first?.hasPrefix("STOPPING=1\nSTATUS=stopping: ") == true)
    }

    /// A loop whose every tick runs 5 periods stops feeding: no ping for longer than WatchdogSec, so
    /// systemd would kill it; once on time again the pings come back.
    @Test func overrunningLoopStopsFeeding() {
        let (clock, loop, staller, notifier, transport) = make()
        loop.run(ticks: 500)
        let before = transport.pings.count
        let stallStart = clock.now()
        staller.stallPerTick = .milliseconds(5)
        loop.run(ticks: 200) // about 1.2 s of badly overrunning ticks
        let stallEnd = clock.now()
        // The window that was already mostly on time when the overrun began may still ping once;
        // after that nothing, so systemd sees no ping for longer than WatchdogSec.
        #expect(transport.pings.count <= before + 1, "pinged during the overrun")
        let lastPing = transport.pings.last ?? stallStart
        #expect(stallEnd - lastPing > .milliseconds(200), "longest silence \(stallEnd - lastPing)")
        #expect(notifier.pingsWithheld > 0)
        staller.stallPerTick = nil
        loop.run(ticks: 400)
        #expect(transport.pings.count > before, "pings resume once ticks are on time")
    }

    /// One tick that hangs for longer than the watchdog interval: the ping after it is withheld.
    @Test func aSingleStallWithholdsThePing() {
        let (clock, loop, staller, notifier, transport) = make()
        loop.run(ticks: 250)
        let before = transport.pings.count
        staller.stallPerTick = .milliseconds(300)
        loop.run(ticks: 1)
        staller.stallPerTick = nil
        loop.run(ticks: 60)
        #expect(transport.pings.count == before)
        #expect(notifier.pingsWithheld == 1)
        let last = transport.pings.last ?? .zero
        #expect(clock.now() - last > .milliseconds(200), "the gap a systemd watchdog sees")
    }

    /// Without WATCHDOG_USEC only READY (and STOPPING) are sent.
    @Test func noWatchdogNoPings() {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let transport = RecordingNotifyTransport(clock: clock)
        loop.addController(ServiceNotifier(loop: loop, transport: transport, watchdogInterval: nil, status: "x"))
        loop.run(ticks: 3000)
        #expect(transport.readyCount == 1)
        #expect(transport.pings.isEmpty)
    }

    /// systemd gone (every send refused): the loop goes on, and the safe-stop report says so.
    @Test func refusedNotificationsAreReported() {
        let clock = ManualClock()
        let loop = TickLoop(period: .milliseconds(1), clock: clock, waiter: SimulatedWaiter(clock: clock))
        let notifier = ServiceNotifier(loop: loop, transport: RefusingNotifyTransport(),
                                       watchdogInterval: .milliseconds(200), status: "x")
        loop.addController(notifier)
        loop.run(ticks: 1001)
        #expect(notifier.sendErrors == 11, "READY and 10 pings")
        let report = notifier.safeStop(.requested("test"))
        #expect(notifier.sendErrors == 12)
        #expect(report.actions.contains("12 notification(s) refused by the socket"))
    }

    /// The steady state with the watchdog fed every 2 ms: 0 mallocs over 100 000 ticks.
    @Test func feedingTheWatchdogAllocatesNothing() {
        let (_, loop, _, _, transport) = make(watchdog: .milliseconds(4))
        loop.run(ticks: 100)
        let counted = MallocCounter.count { loop.run(ticks: 100_000) }
        print("service notifier: \(counted) mallocs over 100 000 ticks, \(transport.pings.count) pings")
        #expect(counted == 0)
        #expect(transport.pings.count > 40_000)
    }

    @Test func environmentParsing() {
        let e = ServiceEnvironment(["NOTIFY_SOCKET": "@ck", "WATCHDOG_USEC": "2000000"], pid: 7)
        #expect(e == ServiceEnvironment(notifySocket: "@ck", watchdogInterval: .seconds(2)))
        #expect(ServiceEnvironment(["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "5", "WATCHDOG_PID": "8"], pid: 7)?.watchdogInterval == nil)
        #expect(ServiceEnvironment(["WATCHDOG_USEC": "5"], pid: 7) == nil)
        #expect(ServiceEnvironment(["NOTIFY_SOCKET": "/run/n", "WATCHDOG_USEC": "x"], pid: 7)?.watchdogInterval == nil)
    }
}
