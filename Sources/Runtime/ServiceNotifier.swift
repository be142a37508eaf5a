import ControlLoop
import HAL
import SystemPackage

/// chargerd's side of a systemd `Type=notify` service with `WatchdogSec=` (sd_notify(3)):
/// `READY=1` on the loop's first tick (the board is open and the loop runs), `WATCHDOG=1` every half
/// watchdog interval (sd_watchdog_enabled(3) recommends half), `STOPPING=1` from the safe stop.
///
/// The watchdog is fed only while ticks are on time. Between two pings the notifier watches the loop:
/// the longest gap between two of its ticks, and the overruns the loop counted. When a window had a
/// gap longer than `stallLimit` or more overruns than `overrunBudget` of its ticks, its ping is
/// withheld and a new window begins; a loop that stays bad for a whole `WatchdogSec` (two windows) is
/// then killed and restarted by systemd (`Restart=on-failure`). A loop that stops ticking sends
/// nothing at all. Register it last, so it ticks after every controller.
///
/// The tick sends preallocated messages through a non-blocking socket: no allocation, no wait.
public final class ServiceNotifier: TickController {
    public let name = "service-notify"
    public let transport: any ServiceNotifyTransport
    /// `WATCHDOG_USEC`; nil: only READY/STATUS/STOPPING are sent.
    public let watchdogInterval: Nanoseconds?
    /// How often `WATCHDOG=1` is due: half the interval.
    public let pingInterval: Nanoseconds
    /// A gap between two ticks longer than this spoils the window (default: a quarter of the watchdog
    /// interval, at least two periods).
    public let stallLimit: Nanoseconds
    /// The share of a window's ticks that may overrun before its ping is withheld (default 1/2: a
    /// loaded development machine overruns a debug build's 1 ms tick often without being stuck; a
    /// loop whose every tick overruns is caught).
    public let overrunBudget: (numerator: UInt64, denominator: UInt64)

    public private(set) var readySent = false
    public private(set) var pingsSent: UInt64 = 0
    /// Pings due but withheld because the window was not on time.
    public private(set) var pingsWithheld: UInt64 = 0
    /// Messages the socket refused (systemd's queue full, systemd gone).
    public private(set) var sendErrors: UInt64 = 0

    private unowned let loop: TickLoop
    private let readyMessage: [UInt8]
    private let watchdogMessage: [UInt8] = Array("WATCHDOG=1".utf8)
    private var windowStart = MonotonicInstant.zero
    private var windowTicks: UInt64 = 0
    private var windowOverrunsBaseline: UInt64 = 0
    private var windowLongestGap = Nanoseconds.zero
    private var previousTick: MonotonicInstant?

    /// - Parameters:
    ///   - status: the `STATUS=` text sent with `READY=1` (what `systemctl status` shows).
    public init(loop: TickLoop, transport: any ServiceNotifyTransport, watchdogInterval: Nanoseconds?,
                status: String, stallLimit: Nanoseconds? = nil,
                overrunBudget: (numerator: UInt64, denominator: UInt64) = (1, 2)) {
        self.loop = loop
        self.transport = transport
        self.watchdogInterval = watchdogInterval
        let interval = watchdogInterval ?? .seconds(1)
        pingInterval = Nanoseconds(max(interval.count / 2, 1))
        self.stallLimit = stallLimit ?? Nanoseconds(max(interval.count / 4, loop.period.count * 2))
        self.overrunBudget = overrunBudget
        readyMessage = Array("READY=1\nSTATUS=\(Self.oneLine(status))".utf8)
    }

    public func tick(_ context: TickContext) {
        let now = context.now
        if !readySent {
            readySent = true
            send(readyMessage)
            beginWindow(now)
            previousTick = now
            return
        }
        if let previous = previousTick, now - previous > windowLongestGap { windowLongestGap = now - previous }
        previousTick = now
        windowTicks &+= 1
        guard watchdogInterval != nil, now - windowStart >= pingInterval else { return }
        if windowOnTime {
            send(watchdogMessage)
            pingsSent &+= 1
        } else {
            pingsWithheld &+= 1
        }
        beginWindow(now)
    }

    /// Tells systemd the service is stopping, with the reason as its status (not the steady state).
    public func safeStop(_ reason: StopReason) -> SafeStopReport {
        send(Array("STOPPING=1\nSTATUS=stopping: \(Self.oneLine("\(reason)"))".utf8))
        // A refused notification is how an operator learns that systemd never saw READY or a ping
        // (and why a watchdog restart came): say it in the report rather than only in a counter.
        var actions: [String] = []
        if sendErrors > 0 { actions.append("\(sendErrors) notification(s) refused by the socket") }
        if pingsWithheld > 0 { actions.append("\(pingsWithheld) watchdog ping(s) withheld (ticks late)") }
        return SafeStopReport(name, actions)
    }

    /// No gap longer than `stallLimit` and at most `overrunBudget` of the window's ticks overran.
    private var windowOnTime: Bool {
        if windowLongestGap > stallLimit { return false }
        let overruns = loop.statistics.overruns &- windowOverrunsBaseline
        return overruns &* overrunBudget.denominator <= windowTicks &* overrunBudget.numerator
    }

    private func beginWindow(_ now: MonotonicInstant) {
        windowStart = now
        windowTicks = 0
        windowLongestGap = .zero
        windowOverrunsBaseline = loop.statistics.overruns
    }

    private func send(_ message: [UInt8]) {
        let failed = message.withUnsafeBytes { transport.send($0) }
        if failed != nil { sendErrors &+= 1 }
    }

    /// STATUS= is one line: newlines would start new assignments.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" ? " " : $0 })
    }
}
